// FHIR date, dateTime and instant values as closed millisecond ranges (UTC), the form search uses:
// "2020" covers the whole year, "2020-03-04T10:00:00Z" covers that second.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::search {

struct DateRange {
  std::int64_t low_ms = 0;
  std::int64_t high_ms = 0;
};

// Accepts YYYY, YYYY-MM, YYYY-MM-DD, and YYYY-MM-DDThh:mm[:ss[.fff...]][Z|+hh:mm|-hh:mm]. A time without
// a zone is taken as UTC. Returns nullopt for anything else.
std::optional<DateRange> parse_date_range(std::string_view text);

// 2026-11-28T07:15:07.123Z
std::string format_instant(std::int64_t ms);

}  // namespace fhirgw::search
