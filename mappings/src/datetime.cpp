#include "datetime.h"

#include "fhir/calendar.h"

namespace fhir::mappings {
namespace {

using calendar::days_from_civil;
using calendar::days_in_month;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<TimeRange> time_range(std::string_view s) {
  constexpr std::int64_t kSlack = 14 * 3600;  // a date without offset may be in any zone
  int y = 0, m = 1, d = 1;
  if (!digits(s, 0, 4, y)) return std::nullopt;
  if (s.size() == 4) {
    return TimeRange{days_from_civil(y, 1, 1) * 86400 - kSlack, days_from_civil(y + 1, 1, 1) * 86400 + kSlack};
  }
  if (s.size() < 7 || s[4] != '-' || !digits(s, 5, 2, m) || m < 1 || m > 12) return std::nullopt;
  if (s.size() == 7) {
    const auto first = days_from_civil(y, m, 1);
    return TimeRange{first * 86400 - kSlack, (first + days_in_month(y, m)) * 86400 + kSlack};
  }
  if (s.size() < 10 || s[7] != '-' || !digits(s, 8, 2, d) || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  const auto day = days_from_civil(y, m, d);
  if (s.size() == 10) return TimeRange{day * 86400 - kSlack, (day + 1) * 86400 + kSlack};
  int hh = 0, mi = 0, ss = 0;
  if (s[10] != 'T' || !digits(s, 11, 2, hh) || s.size() < 19 || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, ss))
    return std::nullopt;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t t = day * 86400 + hh * 3600 + mi * 60 + ss - offset;
  return TimeRange{t, t + 1};
}

bool certainly_before(std::string_view end, std::string_view start) {
  const auto e = time_range(end);
  const auto s = time_range(start);
  if (!e || !s) return false;
  return e->hi <= s->lo;
}

}  // namespace fhir::mappings
