// Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date (§5.6.7: IMF-fixdate, and the obsolete
// RFC 850 and asctime forms, which recipients must accept too).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fhirgw::outbox {

// The HTTP-date as milliseconds since the Unix epoch, or nullopt when `text` is not one.
std::optional<std::int64_t> parse_http_date_ms(std::string_view text);

// How long to wait, in ms, for a Retry-After value received at `now_ms` (Unix epoch ms): delta-seconds,
// or the time left until the date (0 for a date already past). Capped at `cap_ms`. nullopt when the value
// is neither form (the caller's own backoff applies).
std::optional<std::int64_t> retry_after_wait_ms(std::string_view value, std::int64_t now_ms,
                                                std::int64_t cap_ms = 3600 * 1000);

}  // namespace fhirgw::outbox
