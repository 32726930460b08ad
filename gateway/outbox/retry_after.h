// Retry-After (RFC 9110 §10.2.3): delta-seconds or an HTTP-date (any of the three forms, http/http_date.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fhirgw::outbox {

// How long to wait, in ms, for a Retry-After value received at `now_ms` (Unix epoch ms): delta-seconds,
// or the time left until the date (0 for a date already past). Capped at `cap_ms`. nullopt when the value
// is neither form (the caller's own backoff applies).
std::optional<std::int64_t> retry_after_wait_ms(std::string_view value, std::int64_t now_ms,
                                                std::int64_t cap_ms = 3600 * 1000);

}  // namespace fhirgw::outbox
