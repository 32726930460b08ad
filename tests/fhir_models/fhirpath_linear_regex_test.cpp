// LinearRegex (src/fhirpath/linear_regex.h) must give std::regex_search's verdict for every pattern it
// accepts: a differential test over the core constraint patterns and assorted shapes, on every short string
// of a small alphabet, seeded random strings and realistic ElementDefinition paths.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

#include "fhir/fhirpath/fhirpath.h"
#include "fhirpath/linear_regex.h"

namespace {

using fhir::fhirpath::detail::LinearRegex;

// The patterns of eld-19, eld-16 and sdf-19 as the engine sees them (FHIRPath string escapes resolved).
const char* const kCorePatterns[] = {
    R"re([^\s\.,:;\'"\/|?!@#$%&*()\[\]{}]{1,64}(\.[^\s\.,:;\'"\/|?!@#$%&*()\[\]{}]{1,64}(\[x\])?(\:[^\s\.]+)?)*)re",
    R"re(^[a-zA-Z0-9\/\-_\[\]\@]+$)re",
    R"re(^[a-zA-Z0-9]+$)re",
    R"re(^[a-zA-Z0-9\.]+$)re",
    R"re(^http:\/\/hl7\.org\/fhirpath\/System\.[A-Z][A-Za-z]+$)re",
};

const char* const kOtherSupported[] = {
    "",           "^$",        "a",         "a.c",     "^a.c$",  R"(\d{2,4})", R"(^\d{4}-\d{2}$)",
    R"(^\S+$)",   "[^a-z]",    "x*",        "^x*$",    "ab?c+",  "colou?r$",   R"([\w.-]+@)",
    R"(\s)",      "[-a]",      "[a-]",      R"([\D])", "^a(b)?", "(foo)*",     "a(b(c)d)*",
    R"(\W+$)",    "^[^.]{3}",  "a{2}b{1,}", "a{0,2}$", "a*?b",   R"(\.)",      R"(^\[x\]$)",
    "[a-cx-z]+$", R"([\--z])", R"(\t)",     "^.*$",    ".+\\.",  "\xc3\xa9",
};

// Shapes LinearRegex must leave to std::regex.
const char* const kRefused[] = {
    "a|b",
    "(a|b)c",
    R"(\bword)",
    R"((a)\1)",
    "x(y)*$",
    "(?=a)b",
    "(a)+",
    "[[:alpha:]]",
    R"(\x41)",
    "[]a]",
    "a{,2}",
    "(a)b",
    "^[0-9]{1,3}(\\.[0-9]{1,3}){0,1}",
};

std::vector<std::string> subjects() {
  std::vector<std::string> out;
  const std::string alphabet = std::string("aZ0.-_ [x]:/@\n\t") + "\xc3\xa9" + "'";
  // Every string up to length 3.
  out.emplace_back();
  for (char a : alphabet) {
    out.emplace_back(1, a);
    for (char b : alphabet) {
      out.push_back(std::string{a, b});
      for (char c : alphabet) out.push_back(std::string{a, b, c});
    }
  }
  std::mt19937 rng(20261128);
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 90, ' ');
    for (char& c : s) c = rng() % 4 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    out.push_back(std::move(s));
  }
  for (const char* s : {"Observation.value[x]",
                        "Observation.component:systolic.code",
                        "Bundle.entry.resource",
                        "Patient.name.given",
                        "Observation.value[x]:valueQuantity",
                        "a b",
                        ".",
                        "Extension.url",
                        "http://hl7.org/fhirpath/System.String",
                        "http://hl7.org/fhirpath/System.",
                        "string",
                        "Reference(Patient)",
                        "CodeableConcept",
                        "abc123",
                        "1234-56",
                        "12.345.6",
                        "colour",
                        "color!",
                        "x@y.org",
                        "aaab",
                        "foofoo"}) {
    out.emplace_back(s);
  }
  // Not in the list above: a temporary's c_str() there would dangle (range-for drops temporaries of its range).
  out.emplace_back(70, 'a');
  return out;
}

TEST(FhirPathLinearRegex, AgreesWithStdRegexOnEveryAcceptedPattern) {
  const std::vector<std::string> all = subjects();
  std::vector<const char*> patterns(std::begin(kCorePatterns), std::end(kCorePatterns));
  patterns.insert(patterns.end(), std::begin(kOtherSupported), std::end(kOtherSupported));
  for (const char* pattern : patterns) {
    SCOPED_TRACE(pattern);
    const std::regex reference(pattern, std::regex::ECMAScript);
    const auto linear = LinearRegex::compile(pattern);
    ASSERT_TRUE(linear.has_value()) << "pattern not accepted by LinearRegex";
    for (const std::string& s : all) {
      ASSERT_EQ(linear->search(s), std::regex_search(s, reference)) << "subject '" << s << "'";
    }
  }
}

TEST(FhirPathLinearRegex, LeavesOtherShapesToStdRegex) {
  for (const char* pattern : kRefused) EXPECT_FALSE(LinearRegex::compile(pattern).has_value()) << pattern;
}

TEST(FhirPathLinearRegex, Eld19ThroughTheEngine) {
  // eld-19 as written in the R4 ElementDefinition constraint: any character outside the excluded set matches.
  const std::string expr =
      R"(path.matches('[^\\s\\.,:;\\\'"\\/|?!@#$%&*()\\[\\]{}]{1,64}(\\.[^\\s\\.,:;\\\'"\\/|?!@#$%&*()\\[\\]{}]{1,64}(\\[x\\])?(\\:[^\\s\\.]+)?)*'))";
  const auto compiled = fhir::fhirpath::compile(expr);
  ASSERT_TRUE(compiled) << compiled.error;
  for (const auto& [path, expected] : std::vector<std::pair<std::string, bool>>{
           {"Observation.value[x]", true}, {". ,:", false}, {"(){}", false}, {"a", true}, {"   ", false}}) {
    fhir::json::Node focus = fhir::json::Node::object();
    focus.set("path", fhir::json::Node::string(path));
    fhir::fhirpath::EvalContext ctx;
    ctx.context = fhir::fhirpath::Item::element(&focus, nullptr, {});
    const auto result = fhir::fhirpath::evaluate(*compiled.expression, ctx);
    ASSERT_TRUE(result.ok()) << result.message;
    EXPECT_EQ(fhir::fhirpath::to_boolean(result.items), expected) << path;
  }
}

}  // namespace
