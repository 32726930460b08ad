// Shared helpers for the mappings tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/validation/outcome.h"

namespace fhir::mappings::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string issues_text(const validation::Outcome& o) {
  std::string s;
  for (const auto& i : o.issues())
    s += std::string(validation::severity_code(i.severity)) + ": " + i.diagnostics + "\n";
  return s;
}

inline std::size_t count_severity(const validation::Outcome& o, validation::Severity sev) {
  std::size_t n = 0;
  for (const auto& i : o.issues()) n += i.severity == sev;
  return n;
}

// Record equality where a decimal sent as a JSON string ("12.50") may come back as the JSON number 12.50
// with the same text (the contract: "12.50" stays 12.50).
inline bool same_record(const json::Node& in, const json::Node& out) {
  if (in.is_string() && out.is_number()) return in.text() == out.text();
  if (in.kind() != out.kind()) return false;
  if (in.is_array()) {
    if (in.items().size() != out.items().size()) return false;
    for (std::size_t i = 0; i < in.items().size(); ++i)
      if (!same_record(in.items()[i], out.items()[i])) return false;
    return true;
  }
  if (in.is_object()) {
    if (in.size() != out.size()) return false;
    for (const auto& m : in.members()) {
      const json::Node* o = out.find(m.key);
      if (!o || !same_record(m.value, *o)) return false;
    }
    return true;
  }
  return in.text() == out.text();
}

// One JSON record per line -> json text of each (for comparing NDJSON record sets).
inline std::string demo_case() { return read_file(std::string(FHIRGW_DEMO_DIR) + "/case.ndjson"); }

}  // namespace fhir::mappings::testing
