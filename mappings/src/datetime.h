// Ordering of FHIR date/dateTime texts that may be partial or carry different UTC offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fhir::mappings {

// The earliest and latest UTC second a (valid) FHIR date or dateTime can denote.
struct TimeRange {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
};
std::optional<TimeRange> time_range(std::string_view date_or_datetime);

// True when `end` certainly lies before `start`.
bool certainly_before(std::string_view end, std::string_view start);

}  // namespace fhir::mappings
