#include "outbox/retry_after.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>

namespace fhirgw::outbox {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};

// A small cursor over the text; every step fails (returns false) instead of reading past the end.
struct Cursor {
  std::string_view s;

  bool literal(std::string_view lit) {
    if (!s.starts_with(lit)) return false;
    s.remove_prefix(lit.size());
    return true;
  }
  // Exactly `digits` digits (asctime's day may be space-padded: " 6").
  bool number(int digits, int& out, bool space_padded = false) {
    if (s.size() < static_cast<std::size_t>(digits)) return false;
    std::string_view part = s.substr(0, static_cast<std::size_t>(digits));
    if (space_padded && part.front() == ' ') part.remove_prefix(1);
    if (part.empty() || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    std::from_chars(part.data(), part.data() + part.size(), out);
    s.remove_prefix(static_cast<std::size_t>(digits));
    return true;
  }
  template <std::size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  bool time_of_day(int& h, int& m, int& sec) {
    return number(2, h) && literal(":") && number(2, m) && literal(":") && number(2, sec);
  }
};

struct Parts {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool imf_fixdate(Cursor c, Parts& p) {
  int weekday = 0;
  return c.one_of(kDays, weekday) && c.literal(", ") && c.number(2, p.day) && c.literal(" ") &&
         c.one_of(kMonths, p.month) && c.literal(" ") && c.number(4, p.year) && c.literal(" ") &&
         c.time_of_day(p.hour, p.minute, p.second) && c.literal(" GMT") && c.s.empty();
}

// "Sunday, 06-Nov-94 08:49:37 GMT": a two-digit year that looks more than 50 years in the future is in
// the past century (RFC 9110 §5.6.7).
bool rfc850_date(Cursor c, Parts& p, int current_year) {
  int weekday = 0;
  if (!(c.one_of(kLongDays, weekday) && c.literal(", ") && c.number(2, p.day) && c.literal("-") &&
        c.one_of(kMonths, p.month) && c.literal("-") && c.number(2, p.year) && c.literal(" ") &&
        c.time_of_day(p.hour, p.minute, p.second) && c.literal(" GMT") && c.s.empty())) {
    return false;
  }
  p.year += current_year / 100 * 100;
  if (p.year > current_year + 50) p.year -= 100;
  return true;
}

// "Sun Nov  6 08:49:37 1994"
bool asctime_date(Cursor c, Parts& p) {
  int weekday = 0;
  return c.one_of(kDays, weekday) && c.literal(" ") && c.one_of(kMonths, p.month) && c.literal(" ") &&
         c.number(2, p.day, true) && c.literal(" ") && c.time_of_day(p.hour, p.minute, p.second) &&
         c.literal(" ") && c.number(4, p.year) && c.s.empty();
}

std::optional<std::int64_t> to_epoch_ms(const Parts& p) {
  using namespace std::chrono;
  const year_month_day date{year{p.year}, month{static_cast<unsigned>(p.month + 1)}, day{static_cast<unsigned>(p.day)}};
  if (!date.ok() || p.hour > 23 || p.minute > 59 || p.second > 60) return std::nullopt;  // 60: leap second
  const auto t = sys_days(date) + hours(p.hour) + minutes(p.minute) + seconds(p.second);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

int current_year() {
  using namespace std::chrono;
  return static_cast<int>(year_month_day(floor<days>(system_clock::now())).year());
}

}  // namespace

std::optional<std::int64_t> parse_http_date_ms(std::string_view text) {
  Parts p;
  if (imf_fixdate({text}, p) || rfc850_date({text}, p, current_year()) || asctime_date({text}, p)) {
    return to_epoch_ms(p);
  }
  return std::nullopt;
}

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
  const auto at = parse_http_date_ms(value);
  if (!at) return std::nullopt;
  return std::clamp<std::int64_t>(*at - now_ms, 0, cap_ms);
}

}  // namespace fhirgw::outbox
