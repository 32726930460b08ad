#include "http/http_date.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace fhirgw::http {
namespace {

using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// Indexed by std::chrono::weekday::c_encoding() (0 = Sunday).
constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

// A cursor over the text; every step fails (returns false) instead of reading past the end.
struct Cursor {
  std::string_view s;

  bool literal(std::string_view lit) {
    if (!s.starts_with(lit)) return false;
    s.remove_prefix(lit.size());
    return true;
  }
  // Exactly `digits` characters, all digits (asctime's day may be space-padded: " 6").
  bool number(std::size_t digits, int& out, bool space_padded = false) {
    if (s.size() < digits) return false;
    std::string_view part = s.substr(0, digits);
    if (space_padded && part.front() == ' ') part.remove_prefix(1);
    if (part.empty()) return false;
    out = 0;
    for (const char c : part) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    s.remove_prefix(digits);
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
  int weekday = 0, year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool imf_fixdate(Cursor c, Parts& p) {
  return c.one_of(kDays, p.weekday) && c.literal(", ") && c.number(2, p.day) && c.literal(" ") &&
         c.one_of(kMonths, p.month) && c.literal(" ") && c.number(4, p.year) && c.literal(" ") &&
         c.time_of_day(p.hour, p.minute, p.second) && c.literal(" GMT") && c.s.empty();
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
bool rfc850_date(Cursor c, Parts& p, int current_year) {
  if (!(c.one_of(kLongDays, p.weekday) && c.literal(", ") && c.number(2, p.day) && c.literal("-") &&
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
  return c.one_of(kDays, p.weekday) && c.literal(" ") && c.one_of(kMonths, p.month) && c.literal(" ") &&
         c.number(2, p.day, true) && c.literal(" ") && c.time_of_day(p.hour, p.minute, p.second) && c.literal(" ") &&
         c.number(4, p.year) && c.s.empty();
}

std::optional<std::int64_t> to_unix_ms(const Parts& p) {
  using namespace std::chrono;
  const year_month_day date{year{p.year}, month{static_cast<unsigned>(p.month + 1)}, day{static_cast<unsigned>(p.day)}};
  if (!date.ok() || p.hour > 23 || p.minute > 59 || p.second > 60) return std::nullopt;  // 60: leap second
  if (weekday(sys_days(date)).c_encoding() != static_cast<unsigned>(p.weekday)) return std::nullopt;
  const auto t = sys_days(date) + hours(p.hour) + minutes(p.minute) + seconds(p.second);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string format_http_date(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{unix_ms}};
  const auto day_start = floor<days>(t);
  const year_month_day date{day_start};
  const hh_mm_ss clock{floor<seconds>(t - day_start)};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d GMT", kDays[weekday(day_start).c_encoding()].data(),
                static_cast<unsigned>(date.day()), kMonths[static_cast<unsigned>(date.month()) - 1].data(),
                static_cast<int>(date.year()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view text, int current_year) {
  Parts p;
  if (imf_fixdate({text}, p) || rfc850_date({text}, p, current_year) || asctime_date({text}, p)) {
    return to_unix_ms(p);
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  using namespace std::chrono;
  const int this_year = static_cast<int>(year_month_day(floor<days>(system_clock::now())).year());
  return parse_http_date(text, this_year);
}

}  // namespace fhirgw::http
