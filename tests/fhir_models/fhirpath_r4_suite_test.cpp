// The published FHIRPath R4 test cases (HL7's tests-fhir-r4.xml as carried, converted to YAML, by the npm
// package fhirpath@2.14.7 in test/cases/fhir-r4.yaml with its input resources in test/resources/).
//
// Pinned: fhirpath@2.14.7
//   integrity sha512-Gzf5hitjIqMGbUDDxAtZSJxoiDbPRTcuu2XR9uBWObFzuWSWbjgmN/mfoP18AbYEuKOK682VzWMB7wCT92augg==
// fetched and verified by deploy/fetch-fhir-packages.sh into ${FHIRGW_PACKAGE_DIR}/fhirpath-2.14.7/.
// Cases this engine does not pass are listed with the reason in fhirpath_r4_suite_skips.txt; a listed case
// that starts passing fails the test, so the list stays exact.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "fhirpath_test_util.h"

namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(FHIRGW_PACKAGE_DIR) / "fhirpath-2.14.7" / "package" / "test";

struct Expected {
  std::string text;
  bool quoted = false;
};

struct SuiteCase {
  std::string group;
  std::string desc;
  std::string inputfile;
  std::string expression;
  std::vector<Expected> result;
  bool expect_error = false;
  bool disabled = false;  // disabled by fhirpath.js for its own reasons; run here all the same
};

// --- a reader for the YAML subset the suite file uses: block sequences and mappings, plain and
// single-quoted scalars, ">-" folded scalars, "[]" ---

std::size_t indent_of(const std::string& line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] == ' ') ++i;
  return i;
}

Expected scalar(std::string v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.pop_back();
  Expected e;
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    e.quoted = true;
    std::string s;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      s.push_back(v[i]);
      if (v[i] == '\'' && v[i + 1] == '\'') ++i;
    }
    e.text = s;
  } else if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    e.quoted = true;
    std::string s;
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      s.push_back(v[i]);
    }
    e.text = s;
  } else {
    e.text = v;
  }
  return e;
}

std::vector<SuiteCase> read_suite(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  std::vector<SuiteCase> cases;
  std::string group;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::size_t ind = indent_of(line);
    std::string body = line.substr(ind);
    if (body.starts_with("- 'group: ")) {
      group = body.substr(10, body.rfind('\'') - 10);
      continue;
    }
    bool new_case = false;
    if (body.starts_with("- desc: ")) {
      cases.push_back({});
      cases.back().group = group;
      body = body.substr(2);
      new_case = true;
    }
    if (cases.empty()) continue;
    SuiteCase& c = cases.back();
    auto colon = body.find(": ");
    std::string key = colon == std::string::npos ? body.substr(0, body.size() - (body.ends_with(":") ? 1 : 0))
                                                 : body.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : body.substr(colon + 2);
    if (!new_case && (key.empty() || body.starts_with("- "))) continue;
    if (value == ">-" || value == "|-" || value == "|" || value == ">") {
      std::string joined;
      const std::size_t block_indent = i + 1 < lines.size() ? indent_of(lines[i + 1]) : 0;
      while (i + 1 < lines.size() && indent_of(lines[i + 1]) >= block_indent && block_indent > ind &&
             !lines[i + 1].empty()) {
        if (!joined.empty()) joined += value[0] == '>' ? " " : "\n";
        joined += lines[++i].substr(block_indent);
      }
      if (key == "expression") c.expression = joined;
      continue;
    }
    if (key == "desc")
      c.desc = scalar(value).text;
    else if (key == "inputfile")
      c.inputfile = scalar(value).text;
    else if (key == "expression")
      c.expression = scalar(value).text;
    else if (key == "error")
      c.expect_error = value == "true";
    else if (key == "disable")
      c.disabled = value == "true";
    else if (key == "result") {
      if (value == "[]") continue;
      while (i + 1 < lines.size() && indent_of(lines[i + 1]) > ind && indent_of(lines[i + 1]) < lines[i + 1].size() &&
             lines[i + 1][indent_of(lines[i + 1])] == '-') {
        const std::string& item = lines[++i];
        c.result.push_back(scalar(item.substr(indent_of(item) + 2)));
      }
    }
  }
  return cases;
}

std::string show(const std::vector<Expected>& v) {
  std::string s = "[";
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k) s += ", ";
    s += v[k].text;
  }
  return s + "]";
}

// Runs one case; returns "" when it passes, else what happened.
std::string run_case(const SuiteCase& c, const fhir::json::Node& input) {
  auto compiled = fhir::fhirpath::compile(c.expression);
  if (!compiled) return c.expect_error ? "" : "compile error: " + compiled.error;
  fhir::fhirpath::EvalContext ctx;
  ctx.registry = &fhir::model::Registry::r4();
  ctx.resource = &input;
  auto r = fhir::fhirpath::evaluate(*compiled.expression, ctx);
  if (r.status == fhir::fhirpath::Status::Unsupported) return "unsupported: " + r.message;
  if (r.status == fhir::fhirpath::Status::Error) return c.expect_error ? "" : "error: " + r.message;
  if (c.expect_error) return "expected an error, got " + fhirpath_test::render(r);
  bool same = r.items.size() == c.result.size();
  for (std::size_t k = 0; same && k < r.items.size(); ++k) same = fhirpath_test::render(r.items[k]) == c.result[k].text;
  if (same) return "";
  return "got " + fhirpath_test::render(r) + ", expected " + show(c.result);
}

TEST(FhirPathR4Suite, PublishedTestCases) {
  const fs::path yaml = kSuite / "cases" / "fhir-r4.yaml";
  if (!fs::exists(yaml)) {
    GTEST_SKIP() << "fhirpath@2.14.7 is not unpacked at " << kSuite << " (deploy/fetch-fhir-packages.sh fetches it)";
  }
  auto cases = read_suite(fhirpath_test::read_file(yaml.string()));
  ASSERT_GT(cases.size(), 600u);
  // test description -> why it is skipped
  const auto skips = fhirpath_test::read_reasons("fhirpath_r4_suite_skips.txt");
  std::map<std::string, fhir::json::Document> inputs;
  std::size_t passed = 0, skipped = 0;
  std::set<std::string> seen;
  for (const auto& c : cases) {
    ASSERT_FALSE(c.expression.empty()) << c.desc;
    seen.insert(c.desc);
    auto it = inputs.find(c.inputfile);
    if (it == inputs.end()) {
      it = inputs
               .emplace(c.inputfile, fhirpath_test::parse_json(
                                         fhirpath_test::read_file((kSuite / "resources" / c.inputfile).string())))
               .first;
    }
    const std::string outcome = run_case(c, it->second.root());
    const bool listed = skips.contains(c.desc);
    if (outcome.empty()) {
      ++passed;
      EXPECT_FALSE(listed) << "now passes, remove from fhirpath_r4_suite_skips.txt: " << c.desc;
    } else if (listed) {
      ++skipped;
    } else {
      ADD_FAILURE() << c.group << " / " << c.desc << ": " << c.expression << "\n  " << outcome;
    }
  }
  for (const auto& [desc, reason] : skips) {
    EXPECT_TRUE(seen.contains(desc)) << "unknown case in fhirpath_r4_suite_skips.txt: " << desc;
  }
  std::printf("FHIRPath R4 suite: %zu cases, %zu passed, %zu expected skips\n", cases.size(), passed, skipped);
}

}  // namespace
