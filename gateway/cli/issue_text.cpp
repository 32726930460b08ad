#include "cli/issue_text.h"

namespace fhirgw::cli {

void append_issue_text(std::string_view source, const fhir::validation::Issue& issue, std::string& out) {
  out.append(source);
  if (issue.location.line != 0) {
    out += ':';
    out += std::to_string(issue.location.line);
    if (issue.location.column != 0) {
      out += ':';
      out += std::to_string(issue.location.column);
    }
  }
  out += ": ";
  out += fhir::validation::severity_code(issue.severity);
  out += " [";
  out += issue.code;
  out += "] ";
  if (!issue.expression.empty()) {
    out += issue.expression;
    out += ": ";
  }
  out += issue.diagnostics;
  out += '\n';
}

}  // namespace fhirgw::cli
