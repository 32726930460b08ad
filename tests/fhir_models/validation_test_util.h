// Helpers shared by the validation tests.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "fhir/validation/validator.h"

namespace fhir::validation::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string package_dir() { return FHIRGW_PACKAGE_DIR; }
inline std::string r4_dir() { return package_dir() + "/hl7.fhir.r4.examples-4.0.1/package"; }

// Error-level issues as one line each (for failure messages).
inline std::string errors_text(const Outcome& o) {
  std::string out;
  for (const Issue& i : o.issues()) {
    if (i.severity != Severity::Error && i.severity != Severity::Fatal) continue;
    out += "  [" + i.code + "] " + i.expression + " (" + std::to_string(i.location.line) + ":" +
           std::to_string(i.location.column) + "): " + i.diagnostics + "\n";
  }
  return out;
}

inline bool has_issue(const Outcome& o, Severity s, const std::string& expression, const std::string& diag_part) {
  return std::any_of(o.issues().begin(), o.issues().end(), [&](const Issue& i) {
    return i.severity == s && (expression.empty() || i.expression == expression) &&
           i.diagnostics.find(diag_part) != std::string::npos;
  });
}

}  // namespace fhir::validation::testing
