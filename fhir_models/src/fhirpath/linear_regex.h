// A linear-time matcher for the simple regular expressions the core constraints use in matches():
// a sequence of single-character atoms (literal, escape, '.', [class]) with quantifiers, optionally anchored
// by '^' and '$' (eld-16, sdf-19: "^[a-zA-Z0-9]+$"). Under search semantics a trailing group that may match
// nothing ("(...)*", "(...)?") cannot change the verdict of an unanchored-end pattern and is dropped: eld-19's
// path pattern becomes one character class. Any other shape is refused and std::regex stays in charge.
// Bytes are matched as std::regex<char> matches them in the "C" locale (the differential test
// fhirpath_linear_regex_test.cpp holds the two together).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fhir::fhirpath::detail {

class LinearRegex {
 public:
  // nullopt when the pattern is not of the supported shape (the caller keeps std::regex for it). The pattern
  // must already be valid for std::regex: this parser accepts a subset and does not report errors.
  static std::optional<LinearRegex> compile(std::string_view pattern);

  // Whether the pattern matches anywhere in `subject` (std::regex_search).
  bool search(std::string_view subject) const;

 private:
  enum class Repeat : std::uint8_t { One, Optional, Star };
  struct Atom {
    std::bitset<256> set;
    Repeat repeat = Repeat::One;
  };

  std::vector<Atom> atoms_;
  std::vector<std::uint16_t> skippable_;  // indices of the optional and star atoms, ascending
  bool anchored_start_ = false;
  bool anchored_end_ = false;
};

}  // namespace fhir::fhirpath::detail
