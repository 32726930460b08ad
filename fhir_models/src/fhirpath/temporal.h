// FHIRPath Date, DateTime and Time values with partial precision, and their comparison.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhir/fhirpath/fhirpath.h"

namespace fhir::fhirpath::detail {

enum class Precision : std::uint8_t { Year, Month, Day, Hour, Minute, Second, Fraction };

struct Temporal {
  ValueKind kind = ValueKind::DateTime;  // Date, DateTime or Time
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  std::int64_t nanos = 0;
  Precision precision = Precision::Year;  // Time values start at Hour
  bool has_tz = false;
  int tz_minutes = 0;  // offset east of UTC
};

// Parses ISO text (no '@'): Date "YYYY[-MM[-DD]]", DateTime "date[Thh[:mm[:ss[.f]]][tz]]", Time
// "hh[:mm[:ss[.f]]]". Checks ranges (real calendar days). Returns false when the text is not such a value.
bool parse_temporal(std::string_view text, ValueKind kind, Temporal& out);

// Three-way comparison with FHIRPath precision rules: nullopt when the values are equal up to the coarser
// precision but have different precisions (the result is unknown). Dates compare as DateTimes. When only
// one value has a time zone, the result is known only if it holds for any zone of the other.
std::optional<int> compare_temporal(const Temporal& a, const Temporal& b);

// Date/time arithmetic (`@2020-01-31 + 1 month`): adds `amount` of a time unit (calendar word or UCUM
// 'a' 'mo' 'wk' 'd' 'h' 'min' 's' 'ms'); years and months clamp the day to the month's end, calendar units above
// seconds use the whole part of the amount. The result keeps the input's precision and zone. nullopt for a unit
// that is not a time unit or a result outside years 1..9999.
std::optional<Temporal> add_duration(const Temporal& t, long double amount, std::string_view unit);
// ISO text of a value at its precision (no '@').
std::string format_temporal(const Temporal& t);

}  // namespace fhir::fhirpath::detail
