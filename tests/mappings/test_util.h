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
  for (const auto& i : o.issues()) s += std::string(validation::severity_code(i.severity)) + ": " + i.diagnostics + "\n";
  return s;
}

inline std::size_t count_severity(const validation::Outcome& o, validation::Severity sev) {
  std::size_t n = 0;
  for (const auto& i : o.issues()) n += i.severity == sev;
  return n;
}

// One JSON record per line -> json text of each (for comparing NDJSON record sets).
inline std::string demo_case() { return read_file(std::string(FHIRGW_DEMO_DIR) + "/case.ndjson"); }

}  // namespace fhir::mappings::testing
