#include "regex.h"

// GCC 12 reports false -Wmaybe-uninitialized warnings inside libstdc++'s <regex> under sanitizers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace fhir::fhirpath::detail {

class Regex {
 public:
  explicit Regex(std::string_view pattern)
      : re_(pattern.begin(), pattern.end(), std::regex::ECMAScript | std::regex::optimize) {}
  const std::regex& get() const { return re_; }

 private:
  std::regex re_;
};

std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string* error) {
  try {
    return std::make_shared<const Regex>(pattern);
  } catch (const std::regex_error& e) {
    *error = "invalid regular expression '" + std::string(pattern) + "': " + e.what();
    return nullptr;
  }
}

std::optional<bool> regex_search(const Regex& re, std::string_view subject, std::string* error) {
  try {
    return std::regex_search(subject.begin(), subject.end(), re.get());
  } catch (const std::regex_error& e) {
    *error = std::string("regular expression failed: ") + e.what();
    return std::nullopt;
  }
}

std::optional<std::string> regex_replace_all(const Regex& re, std::string_view subject, std::string_view replacement,
                                             std::string* error) {
  try {
    std::string out;
    std::regex_replace(std::back_inserter(out), subject.begin(), subject.end(), re.get(), std::string(replacement));
    return out;
  } catch (const std::regex_error& e) {
    *error = std::string("regular expression failed: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace fhir::fhirpath::detail
