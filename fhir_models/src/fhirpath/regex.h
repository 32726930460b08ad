// Regular expressions for matches()/replaceMatches(), behind an opaque type so that <regex> is compiled in
// one translation unit only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace fhir::fhirpath::detail {

class Regex;

// ECMAScript flavour; FHIRPath's "single line" mode is ECMAScript's default. nullptr and *error on a bad pattern.
std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string* error);
// Whether the pattern matches anywhere in `subject`; nullopt and *error if matching failed.
std::optional<bool> regex_search(const Regex& re, std::string_view subject, std::string* error);
// Replaces every match ($1.. refer to groups); nullopt and *error if matching failed.
std::optional<std::string> regex_replace_all(const Regex& re, std::string_view subject, std::string_view replacement,
                                             std::string* error);

}  // namespace fhir::fhirpath::detail
