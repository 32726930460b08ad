// Exact decimal numbers for FHIRPath: decimals are compared and added/multiplied digit by digit, never via
// double, so 0.1 + 0.2 = 0.3 and 1.50 = 1.5 hold exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhir::fhirpath::detail {

struct Decimal {
  bool negative = false;
  std::string digits;  // significant digits without leading zeros; empty = zero
  int exponent = 0;    // value = digits * 10^exponent
  int scale = 0;       // digits after the point as written (for output), >= 0

  bool is_zero() const noexcept { return digits.empty(); }
};

// Accepts FHIR/JSON decimal text: -?digits(.digits)?([eE][+-]?digits)?
bool parse_decimal(std::string_view text, Decimal& out);
Decimal decimal_from_int(std::int64_t v);

int compare_decimal(const Decimal& a, const Decimal& b);
Decimal add_decimal(const Decimal& a, const Decimal& b);
Decimal negate_decimal(Decimal a);
Decimal multiply_decimal(const Decimal& a, const Decimal& b);
// Division, rounded half up to 8 fraction digits (FHIRPath's decimal precision); nullopt when dividing by zero.
std::optional<Decimal> divide_decimal(const Decimal& a, const Decimal& b);

// Rounds half away from zero to `digits` fraction digits.
Decimal round_decimal(const Decimal& d, int digits);

// Plain notation ("1.50", "-0.001", "120"), keeping at least `scale` fraction digits.
std::string decimal_to_string(const Decimal& d);
// Fits an int64 (no fraction)?
bool decimal_to_int(const Decimal& d, std::int64_t& out);
long double decimal_to_long_double(const Decimal& d);

}  // namespace fhir::fhirpath::detail
