#include "decimal.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace fhir::fhirpath::detail {
namespace {

void strip(Decimal& d) {
  std::size_t lead = 0;
  while (lead < d.digits.size() && d.digits[lead] == '0') ++lead;
  d.digits.erase(0, lead);
  while (!d.digits.empty() && d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exponent;
  }
  if (d.digits.empty()) {
    d.exponent = 0;
    d.negative = false;
  }
}

// Compares magnitudes.
int compare_abs(const Decimal& a, const Decimal& b) {
  if (a.is_zero() || b.is_zero()) return a.is_zero() ? (b.is_zero() ? 0 : -1) : 1;
  // Position of the most significant digit.
  const long ma = static_cast<long>(a.digits.size()) + a.exponent;
  const long mb = static_cast<long>(b.digits.size()) + b.exponent;
  if (ma != mb) return ma < mb ? -1 : 1;
  const std::size_t n = std::max(a.digits.size(), b.digits.size());
  for (std::size_t i = 0; i < n; ++i) {
    char x = i < a.digits.size() ? a.digits[i] : '0';
    char y = i < b.digits.size() ? b.digits[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

// Digits of |d| aligned to exponent `e` (e <= d.exponent).
std::string aligned(const Decimal& d, int e) {
  std::string s = d.digits;
  s.append(static_cast<std::size_t>(d.exponent - e), '0');
  return s;
}

std::string add_digits(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  std::size_t i = a.size(), j = b.size();
  while (i > 0 || j > 0 || carry) {
    int s = carry + (i > 0 ? a[--i] - '0' : 0) + (j > 0 ? b[--j] - '0' : 0);
    r.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(r.begin(), r.end());
  return r;
}

// a - b with a >= b (as numbers of aligned digits)
std::string sub_digits(const std::string& a, const std::string& b) {
  std::string r;
  int borrow = 0;
  std::size_t i = a.size(), j = b.size();
  while (i > 0) {
    int s = (a[--i] - '0') - borrow - (j > 0 ? b[--j] - '0' : 0);
    borrow = s < 0;
    if (s < 0) s += 10;
    r.push_back(static_cast<char>('0' + s));
  }
  std::reverse(r.begin(), r.end());
  return r;
}

}  // namespace

bool parse_decimal(std::string_view s, Decimal& out) {
  out = Decimal{};
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    out.negative = s[i] == '-';
    ++i;
  }
  std::size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') out.digits.push_back(s[i++]);
  if (i == int_start) return false;
  int frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t fs = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      out.digits.push_back(s[i++]);
      ++frac;
    }
    if (i == fs) return false;
  }
  long exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    std::size_t es = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      exp = exp * 10 + (s[i++] - '0');
      if (exp > 100000) return false;
    }
    if (i == es) return false;
    if (neg) exp = -exp;
  }
  if (i != s.size()) return false;
  out.exponent = static_cast<int>(exp) - frac;
  out.scale = std::max(0, -out.exponent);
  strip(out);
  return true;
}

Decimal decimal_from_int(std::int64_t v) {
  Decimal d;
  d.negative = v < 0;
  std::uint64_t u = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  d.digits = std::to_string(u);
  strip(d);
  return d;
}

int compare_decimal(const Decimal& a, const Decimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int c = compare_abs(a, b);
  return a.negative ? -c : c;
}

Decimal negate_decimal(Decimal a) {
  if (!a.is_zero()) a.negative = !a.negative;
  return a;
}

Decimal add_decimal(const Decimal& a, const Decimal& b) {
  if (a.is_zero()) {
    Decimal r = b;
    r.scale = std::max(a.scale, b.scale);
    return r;
  }
  if (b.is_zero()) {
    Decimal r = a;
    r.scale = std::max(a.scale, b.scale);
    return r;
  }
  const int e = std::min(a.exponent, b.exponent);
  std::string da = aligned(a, e), db = aligned(b, e);
  Decimal r;
  r.exponent = e;
  r.scale = std::max(a.scale, b.scale);
  if (a.negative == b.negative) {
    r.digits = add_digits(da, db);
    r.negative = a.negative;
  } else {
    int c = compare_abs(a, b);
    if (c == 0) return Decimal{false, "", 0, r.scale};
    // pad to equal length for subtraction
    if (da.size() < db.size()) da.insert(0, db.size() - da.size(), '0');
    if (db.size() < da.size()) db.insert(0, da.size() - db.size(), '0');
    if (c > 0) {
      r.digits = sub_digits(da, db);
      r.negative = a.negative;
    } else {
      r.digits = sub_digits(db, da);
      r.negative = b.negative;
    }
  }
  strip(r);
  return r;
}

Decimal multiply_decimal(const Decimal& a, const Decimal& b) {
  Decimal r;
  r.scale = a.scale + b.scale;
  if (a.is_zero() || b.is_zero()) return r;
  std::vector<int> acc(a.digits.size() + b.digits.size(), 0);
  for (std::size_t i = a.digits.size(); i-- > 0;) {
    for (std::size_t j = b.digits.size(); j-- > 0;) {
      acc[i + j + 1] += (a.digits[i] - '0') * (b.digits[j] - '0');
    }
  }
  for (std::size_t k = acc.size(); k-- > 1;) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  for (int v : acc) r.digits.push_back(static_cast<char>('0' + v));
  r.exponent = a.exponent + b.exponent;
  r.negative = a.negative != b.negative;
  strip(r);
  return r;
}

std::optional<Decimal> divide_decimal(const Decimal& a, const Decimal& b) {
  if (b.is_zero()) return std::nullopt;
  Decimal r;
  if (a.is_zero()) return r;
  // Long division of the digit strings to 16 significant digits.
  constexpr int kDigits = 16;
  std::string num = a.digits;
  const std::string& den = b.digits;
  int extra = 0;
  while (static_cast<int>(num.size()) < static_cast<int>(den.size()) + kDigits) {
    num.push_back('0');
    ++extra;
  }
  std::string quotient;
  std::string rem;
  for (char c : num) {
    rem.push_back(c);
    std::size_t lead = 0;
    while (lead + 1 < rem.size() && rem[lead] == '0') ++lead;
    rem.erase(0, lead);
    int q = 0;
    while (true) {
      // rem >= den ?
      bool ge = rem.size() > den.size() || (rem.size() == den.size() && rem >= den);
      if (!ge) break;
      std::string d = den;
      if (d.size() < rem.size()) d.insert(0, rem.size() - d.size(), '0');
      rem = sub_digits(rem, d);
      std::size_t l2 = 0;
      while (l2 + 1 < rem.size() && rem[l2] == '0') ++l2;
      rem.erase(0, l2);
      ++q;
    }
    quotient.push_back(static_cast<char>('0' + q));
  }
  r.digits = quotient;
  r.exponent = a.exponent - b.exponent - extra;
  r.negative = a.negative != b.negative;
  strip(r);
  r = round_decimal(r, 8);
  r.scale = std::max(0, -r.exponent);
  return r;
}

Decimal round_decimal(const Decimal& d, int digits) {
  if (d.is_zero() || d.exponent >= -digits) return d;
  Decimal r = d;
  const std::size_t drop = static_cast<std::size_t>(-digits - d.exponent);
  if (drop > r.digits.size()) return Decimal{false, "", 0, digits};
  const bool up = r.digits[r.digits.size() - drop] >= '5';
  r.digits.resize(r.digits.size() - drop);
  r.exponent = -digits;
  if (up) {
    Decimal unit{r.negative, "1", -digits, 0};
    if (r.digits.empty()) {
      r = unit;
    } else {
      r = add_decimal(r, unit);
    }
  }
  if (r.digits.empty()) r = Decimal{};
  strip(r);
  r.scale = std::min(d.scale, digits);
  return r;
}

std::string decimal_to_string(const Decimal& d) {
  std::string out;
  if (d.negative) out.push_back('-');
  if (d.is_zero()) {
    out = "0";
    if (d.scale > 0) {
      out.push_back('.');
      out.append(static_cast<std::size_t>(d.scale), '0');
    }
    return out;
  }
  const int frac = std::max(d.scale, -d.exponent);
  // digits * 10^exponent written with `frac` fraction digits
  std::string all = d.digits;
  if (d.exponent > 0) all.append(static_cast<std::size_t>(d.exponent), '0');
  int point_from_right = std::max(0, -d.exponent);
  // extend fraction to `frac` digits
  all.append(static_cast<std::size_t>(frac - point_from_right), '0');
  point_from_right = frac;
  if (static_cast<int>(all.size()) <= point_from_right) {
    all.insert(0, static_cast<std::size_t>(point_from_right - static_cast<int>(all.size()) + 1), '0');
  }
  if (point_from_right > 0) all.insert(all.size() - static_cast<std::size_t>(point_from_right), ".");
  out += all;
  return out;
}

bool decimal_to_int(const Decimal& d, std::int64_t& out) {
  if (d.is_zero()) {
    out = 0;
    return true;
  }
  if (d.exponent < 0) return false;
  if (d.digits.size() + static_cast<std::size_t>(d.exponent) > 18) return false;
  std::int64_t v = 0;
  for (char c : d.digits) v = v * 10 + (c - '0');
  for (int i = 0; i < d.exponent; ++i) v *= 10;
  out = d.negative ? -v : v;
  return true;
}

long double decimal_to_long_double(const Decimal& d) {
  std::string s = d.negative ? "-" : "";
  s += d.digits.empty() ? "0" : d.digits;
  s += "e" + std::to_string(d.exponent);
  return std::strtold(s.c_str(), nullptr);
}

}  // namespace fhir::fhirpath::detail
