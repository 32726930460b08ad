#include "search/fhir_date.h"

#include <array>
#include <charconv>
#include <cstdio>

#include "fhir/calendar.h"

namespace fhirgw::search {
namespace {

using fhir::calendar::days_from_civil;
using fhir::calendar::days_in_month;

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

constexpr std::int64_t kDayMs = 86'400'000;

}  // namespace

std::optional<DateRange> parse_date_range(std::string_view s) {
  unsigned year = 0, month = 1, day = 1;
  if (!read_digits(s, 0, 4, year)) return std::nullopt;
  if (s.size() == 4) {
    const std::int64_t lo = days_from_civil(year, 1, 1) * kDayMs;
    return DateRange{lo, days_from_civil(year + 1, 1, 1) * kDayMs - 1};
  }
  if (s[4] != '-' || !read_digits(s, 5, 2, month) || month < 1 || month > 12) return std::nullopt;
  if (s.size() == 7) {
    const std::int64_t lo = days_from_civil(year, month, 1) * kDayMs;
    return DateRange{lo, lo + days_in_month(year, month) * kDayMs - 1};
  }
  if (s[7] != '-' || !read_digits(s, 8, 2, day) || day < 1 || day > static_cast<unsigned>(days_in_month(year, month))) {
    return std::nullopt;
  }
  const std::int64_t day_start = days_from_civil(year, month, day) * kDayMs;
  if (s.size() == 10) return DateRange{day_start, day_start + kDayMs - 1};
  unsigned hh = 0, mm = 0, ss = 0;
  if (s[10] != 'T' || !read_digits(s, 11, 2, hh) || s.size() < 16 || s[13] != ':' || !read_digits(s, 14, 2, mm) ||
      hh > 23 || mm > 59) {
    return std::nullopt;
  }
  std::size_t pos = 16;
  std::int64_t precision_ms = 60'000;
  std::int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == ':') {
    if (!read_digits(s, pos + 1, 2, ss) || ss > 60) return std::nullopt;
    pos += 3;
    precision_ms = 1000;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      std::size_t digits = 0;
      std::int64_t scale = 100;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        frac_ms += (s[pos] - '0') * scale;
        scale /= 10;
        ++pos;
        ++digits;
      }
      if (digits == 0) return std::nullopt;
      precision_ms = 1;
    }
  }
  std::int64_t offset_ms = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      unsigned oh = 0, om = 0;
      if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !read_digits(s, pos + 4, 2, om) || oh > 14 || om > 59) {
        return std::nullopt;
      }
      offset_ms = (oh * 3600 + om * 60) * 1000LL * (s[pos] == '-' ? -1 : 1);
      pos += 6;
    } else {
      return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t lo = day_start + ((hh * 3600LL + mm * 60 + std::min(ss, 59u)) * 1000) + frac_ms - offset_ms;
  return DateRange{lo, lo + precision_ms - 1};
}

std::string format_instant(std::int64_t ms) {
  std::int64_t days = ms / kDayMs;
  std::int64_t rest = ms % kDayMs;
  if (rest < 0) {
    rest += kDayMs;
    --days;
  }
  const fhir::calendar::CivilDate c = fhir::calendar::civil_from_days(days);
  if (c.year >= 0 && c.year <= 9999) {
    // Digit by digit: this runs for every stored version and response entry, where snprintf cost ~2k instructions.
    std::string out = "0000-00-00T00:00:00.000Z";
    auto put = [&](std::size_t end, std::int64_t v, int width) {
      for (int i = 0; i < width; ++i, v /= 10) out[end - i] = static_cast<char>('0' + v % 10);
    };
    put(3, c.year, 4);
    put(6, c.month, 2);
    put(9, c.day, 2);
    put(12, rest / 3'600'000, 2);
    put(15, rest / 60'000 % 60, 2);
    put(18, rest / 1000 % 60, 2);
    put(22, rest % 1000, 3);
    return out;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(c.year),
                c.month, c.day, static_cast<long long>(rest / 3'600'000), static_cast<long long>(rest / 60'000 % 60),
                static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
  return buf;
}

}  // namespace fhirgw::search
