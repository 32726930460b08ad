#include "temporal.h"

#include <cmath>
#include <cstdio>

#include "fhir/calendar.h"

namespace fhir::fhirpath::detail {
namespace {

bool read_digits(std::string_view s, std::size_t& i, std::size_t n, int& out) {
  if (i + n > s.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < n; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  i += n;
  out = v;
  return true;
}

using calendar::days_from_civil;
using calendar::days_in_month;

void civil_from_days(std::int64_t days, int& y, int& m, int& d) {
  const calendar::CivilDate c = calendar::civil_from_days(days);
  y = static_cast<int>(c.year);
  m = c.month;
  d = c.day;
}

bool parse_time_part(std::string_view s, std::size_t& i, Temporal& t) {
  if (!read_digits(s, i, 2, t.hour) || t.hour > 23) return false;
  t.precision = Precision::Hour;
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (!read_digits(s, i, 2, t.minute) || t.minute > 59) return false;
    t.precision = Precision::Minute;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!read_digits(s, i, 2, t.second) || t.second > 59) return false;
      t.precision = Precision::Second;
      if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t start = i;
        std::int64_t nanos = 0;
        int digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          if (digits < 9) {
            nanos = nanos * 10 + (s[i] - '0');
            ++digits;
          }
          ++i;
        }
        if (i == start) return false;
        for (; digits < 9; ++digits) nanos *= 10;
        t.nanos = nanos;
        t.precision = Precision::Fraction;
      }
    }
  }
  return true;
}

}  // namespace

bool parse_temporal(std::string_view s, ValueKind kind, Temporal& t) {
  t = Temporal{};
  t.kind = kind;
  std::size_t i = 0;
  if (kind == ValueKind::Time) {
    if (!parse_time_part(s, i, t)) return false;
    return i == s.size();
  }
  if (!read_digits(s, i, 4, t.year)) return false;
  t.precision = Precision::Year;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!read_digits(s, i, 2, t.month) || t.month < 1 || t.month > 12) return false;
    t.precision = Precision::Month;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!read_digits(s, i, 2, t.day) || t.day < 1 || t.day > days_in_month(t.year, t.month)) return false;
      t.precision = Precision::Day;
    }
  }
  if (i == s.size()) return true;
  if (kind == ValueKind::Date || s[i] != 'T' || t.precision != Precision::Day) return false;
  ++i;
  if (i == s.size()) return true;  // "2020-01-01T"
  if (!parse_time_part(s, i, t)) return false;
  if (i < s.size()) {
    if (s[i] == 'Z') {
      ++i;
      t.has_tz = true;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int h = 0, m = 0;
      if (!read_digits(s, i, 2, h) || i >= s.size() || s[i] != ':') return false;
      ++i;
      if (!read_digits(s, i, 2, m) || h > 14 || m > 59) return false;
      t.has_tz = true;
      t.tz_minutes = sign * (h * 60 + m);
    }
  }
  return i == s.size();
}

namespace {
std::optional<int> compare_same_clock(const Temporal& a0, const Temporal& b0);
}  // namespace

std::optional<int> compare_temporal(const Temporal& a, const Temporal& b) {
  if ((a.kind == ValueKind::Time) != (b.kind == ValueKind::Time)) return std::nullopt;
  const bool timed = a.kind != ValueKind::Time && a.precision >= Precision::Hour && b.precision >= Precision::Hour;
  if (!timed || a.has_tz == b.has_tz) return compare_same_clock(a, b);
  // One value has a zone and the other not: the order is known only if it is the same for every zone the
  // unzoned value could be in (-14:00 .. +14:00).
  Temporal early = a.has_tz ? b : a, late = early;
  early.has_tz = late.has_tz = true;
  early.tz_minutes = 14 * 60;
  late.tz_minutes = -14 * 60;
  auto r1 = a.has_tz ? compare_same_clock(a, early) : compare_same_clock(early, b);
  auto r2 = a.has_tz ? compare_same_clock(a, late) : compare_same_clock(late, b);
  if (r1 && r2 && *r1 == *r2 && *r1 != 0) return r1;
  return std::nullopt;
}

namespace {
std::optional<int> compare_same_clock(const Temporal& a0, const Temporal& b0) {
  Temporal a = a0, b = b0;
  // Shift values with a time of day and a zone to UTC so both are on the same clock.
  auto to_utc = [](Temporal& t) {
    if (t.kind == ValueKind::Time || t.precision < Precision::Hour || !t.has_tz || t.tz_minutes == 0) return;
    std::int64_t minutes = days_from_civil(t.year, t.month, t.day) * 1440 + t.hour * 60 + t.minute - t.tz_minutes;
    std::int64_t days = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
    std::int64_t rem = minutes - days * 1440;
    civil_from_days(days, t.year, t.month, t.day);
    t.hour = static_cast<int>(rem / 60);
    t.minute = static_cast<int>(rem % 60);
    t.tz_minutes = 0;
  };
  to_utc(a);
  to_utc(b);
  // Seconds and fractions are one precision for comparison.
  auto norm = [](Precision p) { return p == Precision::Fraction ? Precision::Second : p; };
  const Precision pa = norm(a.precision), pb = norm(b.precision);
  const Precision common = pa < pb ? pa : pb;
  const Precision first = a.kind == ValueKind::Time ? Precision::Hour : Precision::Year;
  for (int p = static_cast<int>(first); p <= static_cast<int>(common); ++p) {
    std::int64_t x = 0, y = 0;
    switch (static_cast<Precision>(p)) {
      case Precision::Year:
        x = a.year;
        y = b.year;
        break;
      case Precision::Month:
        x = a.month;
        y = b.month;
        break;
      case Precision::Day:
        x = a.day;
        y = b.day;
        break;
      case Precision::Hour:
        x = a.hour;
        y = b.hour;
        break;
      case Precision::Minute:
        x = a.minute;
        y = b.minute;
        break;
      default: x = a.second * 1000000000LL + a.nanos; y = b.second * 1000000000LL + b.nanos;
    }
    if (x != y) return x < y ? -1 : 1;
  }
  if (pa != pb) return std::nullopt;
  return 0;
}
}  // namespace

std::optional<Temporal> add_duration(const Temporal& t0, long double amount, std::string_view unit) {
  enum class U { Year, Month, Day, Second };
  U kind = U::Second;
  long double scale = 1;  // of the amount into the unit `kind`
  static constexpr struct {
    std::string_view name;
    U kind;
    long double scale;
  } kUnits[] = {
      {"year", U::Year, 1},
      {"years", U::Year, 1},
      {"a", U::Year, 1},
      {"month", U::Month, 1},
      {"months", U::Month, 1},
      {"mo", U::Month, 1},
      {"week", U::Day, 7},
      {"weeks", U::Day, 7},
      {"wk", U::Day, 7},
      {"day", U::Day, 1},
      {"days", U::Day, 1},
      {"d", U::Day, 1},
      {"hour", U::Second, 3600},
      {"hours", U::Second, 3600},
      {"h", U::Second, 3600},
      {"minute", U::Second, 60},
      {"minutes", U::Second, 60},
      {"min", U::Second, 60},
      {"second", U::Second, 1},
      {"seconds", U::Second, 1},
      {"s", U::Second, 1},
      {"millisecond", U::Second, 0.001L},
      {"milliseconds", U::Second, 0.001L},
      {"ms", U::Second, 0.001L},
  };
  bool found = false;
  for (const auto& u : kUnits) {
    if (u.name == unit) {
      kind = u.kind;
      scale = u.scale;
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  Temporal t = t0;
  if (t.kind == ValueKind::Time) {
    if (kind != U::Second) return std::nullopt;
    const std::int64_t day_nanos = 86400LL * 1000000000LL;
    std::int64_t nanos = (t.hour * 3600LL + t.minute * 60LL + t.second) * 1000000000LL + t.nanos;
    nanos += static_cast<std::int64_t>(std::llround(amount * scale * 1e9L)) % day_nanos;
    nanos = ((nanos % day_nanos) + day_nanos) % day_nanos;
    t.hour = static_cast<int>(nanos / 3600000000000LL);
    t.minute = static_cast<int>(nanos / 60000000000LL % 60);
    t.second = static_cast<int>(nanos / 1000000000LL % 60);
    t.nanos = nanos % 1000000000LL;
    return t;
  }
  if (std::fabs(amount) > 1e7L) return std::nullopt;
  if (kind == U::Year || kind == U::Month) {
    const std::int64_t whole = static_cast<std::int64_t>(std::trunc(amount));
    std::int64_t months = t.year * 12LL + (t.month - 1) + (kind == U::Year ? whole * 12 : whole);
    t.year = static_cast<int>(months / 12);
    t.month = static_cast<int>(months % 12) + 1;
    if (t.day > days_in_month(t.year, t.month)) t.day = days_in_month(t.year, t.month);
  } else {
    // On the clock of the value itself: zone offsets are kept, not applied.
    std::int64_t days = days_from_civil(t.year, t.month, t.day);
    std::int64_t secs = t.hour * 3600LL + t.minute * 60LL + t.second;
    std::int64_t nanos = t.nanos;
    if (kind == U::Day) {
      days += static_cast<std::int64_t>(std::trunc(amount)) * static_cast<std::int64_t>(scale);
    } else {
      const long double delta = amount * scale;  // seconds
      const std::int64_t whole = static_cast<std::int64_t>(std::trunc(delta));
      nanos += static_cast<std::int64_t>(std::llround((delta - static_cast<long double>(whole)) * 1e9L));
      secs += whole;
      std::int64_t carry = nanos >= 0 ? nanos / 1000000000LL : -((-nanos + 999999999LL) / 1000000000LL);
      nanos -= carry * 1000000000LL;
      secs += carry;
      std::int64_t dcarry = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
      secs -= dcarry * 86400;
      days += dcarry;
    }
    civil_from_days(days, t.year, t.month, t.day);
    t.hour = static_cast<int>(secs / 3600);
    t.minute = static_cast<int>(secs / 60 % 60);
    t.second = static_cast<int>(secs % 60);
    t.nanos = nanos;
  }
  if (t.year < 1 || t.year > 9999) return std::nullopt;
  return t;
}

std::string format_temporal(const Temporal& t) {
  char buf[64];
  std::string out;
  auto time_part = [&]() {
    std::snprintf(buf, sizeof buf, "%02d", t.hour);
    out += buf;
    if (t.precision >= Precision::Minute) {
      std::snprintf(buf, sizeof buf, ":%02d", t.minute);
      out += buf;
    }
    if (t.precision >= Precision::Second) {
      std::snprintf(buf, sizeof buf, ":%02d", t.second);
      out += buf;
    }
    if (t.precision == Precision::Fraction) {
      std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(t.nanos / 1000000));
      out += buf;
    }
  };
  if (t.kind == ValueKind::Time) {
    time_part();
    return out;
  }
  std::snprintf(buf, sizeof buf, "%04d", t.year);
  out += buf;
  if (t.precision >= Precision::Month) {
    std::snprintf(buf, sizeof buf, "-%02d", t.month);
    out += buf;
  }
  if (t.precision >= Precision::Day) {
    std::snprintf(buf, sizeof buf, "-%02d", t.day);
    out += buf;
  }
  if (t.precision >= Precision::Hour) {
    out += 'T';
    time_part();
    if (t.has_tz) {
      if (t.tz_minutes == 0) {
        out += 'Z';
      } else {
        const int m = t.tz_minutes < 0 ? -t.tz_minutes : t.tz_minutes;
        std::snprintf(buf, sizeof buf, "%c%02d:%02d", t.tz_minutes < 0 ? '-' : '+', m / 60, m % 60);
        out += buf;
      }
    }
  }
  return out;
}

}  // namespace fhir::fhirpath::detail
