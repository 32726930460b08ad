#include "outbox/retry_after.h"

#include <algorithm>
#include <charconv>

#include "http/http_date.h"

namespace fhirgw::outbox {

std::optional<std::int64_t> retry_after_wait_ms(std::string_view value, std::int64_t now_ms, std::int64_t cap_ms) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::min(seconds, cap_ms / 1000) * 1000;
  }
  if (ec == std::errc::result_out_of_range && end == value.data() + value.size()) return cap_ms;  // huge delta
  const auto at = http::parse_http_date(value);
  if (!at) return std::nullopt;
  return std::clamp<std::int64_t>(*at - now_ms, 0, cap_ms);
}

}  // namespace fhirgw::outbox
