// Helpers for the FHIRPath tests: parse JSON, evaluate an expression, render results as strings.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"

namespace fhirpath_test {

inline fhir::json::Document parse_json(std::string_view text) {
  auto r = fhir::json::parse(text);
  if (!r) {
    ADD_FAILURE() << "test JSON does not parse: " << r.error->message;
    return fhir::json::Document();
  }
  return std::move(*r.document);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The lines of a tab-separated file under FHIRPATH_TEST_DATA_DIR (exception and skip lists), each split at its
// tabs; empty lines and lines starting with '#' are left out.
inline std::vector<std::vector<std::string>> read_tab_separated(const std::string& name) {
  const std::string text = read_file(std::string(FHIRPATH_TEST_DATA_DIR) + "/" + name);
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string>& fields = rows.emplace_back();
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      fields.push_back(line.substr(start, tab - start));
    }
    fields.push_back(line.substr(start));
  }
  return rows;
}

// "key<TAB>reason" lines as key -> reason ("" when a line has no reason).
inline std::map<std::string, std::string> read_reasons(const std::string& name) {
  std::map<std::string, std::string> out;
  for (auto& fields : read_tab_separated(name)) out[fields[0]] = fields.size() > 1 ? fields[1] : "";
  return out;
}

// The JSON files of an unpacked FHIR package folder in name order, without package.json and dot-files;
// with `prefix`, only names that start with it ("StructureDefinition-", "Observation-").
inline std::vector<std::filesystem::path> package_json_files(const std::filesystem::path& dir,
                                                             std::string_view prefix = {}) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || name == "package.json" || name.starts_with(".")) continue;
    if (name.starts_with(prefix)) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One item as text: System values by their value, elements by their primitive text or "{Type}".
inline std::string render(const fhir::fhirpath::Item& i) {
  using fhir::fhirpath::ValueKind;
  switch (i.kind()) {
    case ValueKind::Boolean: return i.bool_value() ? "true" : "false";
    case ValueKind::Integer: return std::to_string(i.int_value());
    case ValueKind::Quantity: return std::string(i.text()) + " '" + std::string(i.unit()) + "'";
    case ValueKind::Element:
      if (i.node() == nullptr) return "{ext}";
      if (i.node()->is_object()) return "{" + std::string(i.type().name) + "}";
      return std::string(i.node()->text());
    default: return std::string(i.text());
  }
}

inline std::string render(const fhir::fhirpath::EvalResult& r) {
  if (r.status == fhir::fhirpath::Status::Error) return "ERROR: " + r.message;
  if (r.status == fhir::fhirpath::Status::Unsupported) return "UNSUPPORTED: " + r.message;
  std::string s = "[";
  for (std::size_t k = 0; k < r.items.size(); ++k) {
    if (k) s += ", ";
    s += render(r.items[k]);
  }
  return s + "]";
}

// Evaluates `expr` on `resource` with the R4 registry; compile errors render as "COMPILE: ...".
inline std::string eval(const fhir::json::Node& resource, std::string_view expr,
                        const fhir::json::Node* bundle = nullptr) {
  auto c = fhir::fhirpath::compile(expr);
  if (!c) return "COMPILE: " + c.error;
  fhir::fhirpath::EvalContext ctx;
  ctx.registry = &fhir::model::Registry::r4();
  ctx.resource = &resource;
  ctx.bundle = bundle;
  return render(fhir::fhirpath::evaluate(*c.expression, ctx));
}

}  // namespace fhirpath_test
