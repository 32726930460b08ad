// HTTP-date (RFC 9110 §5.6.7), the one place the gateway formats and reads it: Last-Modified and
// If-Modified-Since on the REST side, Retry-After in the outbox.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::http {

// IMF-fixdate, the only form a sender may generate: "Sat, 28 Nov 2026 07:15:07 GMT" (milliseconds dropped).
std::string format_http_date(std::int64_t unix_ms);

// Milliseconds since the Unix epoch, or nullopt when `text` is no HTTP-date. Accepts the three forms a
// recipient must (IMF-fixdate, obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT", asctime
// "Sun Nov  6 08:49:37 1994"); the day name must match the date. A two-digit RFC 850 year more than 50
// years ahead of `current_year` lies in the past century.
std::optional<std::int64_t> parse_http_date(std::string_view text, int current_year);
// The same, against this year's clock.
std::optional<std::int64_t> parse_http_date(std::string_view text);

}  // namespace fhirgw::http
