// Outcome bookkeeping and its R4 OperationOutcome form.
#include "fhir/validation/outcome.h"

#include <string>

namespace fhir::validation {

const char* severity_code(Severity s) noexcept {
  switch (s) {
    case Severity::Fatal: return "fatal";
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Information: return "information";
  }
  return "error";
}

void Outcome::add(Severity s, std::string code, std::string diagnostics, std::string expression,
                  json::SourceLocation loc) {
  issues_.push_back(Issue{s, std::move(code), std::move(diagnostics), std::move(expression), loc});
}

bool Outcome::has_errors() const noexcept {
  for (const auto& i : issues_)
    if (i.severity == Severity::Fatal || i.severity == Severity::Error) return true;
  return false;
}

std::size_t Outcome::count(Severity s) const noexcept {
  std::size_t n = 0;
  for (const auto& i : issues_)
    if (i.severity == s) ++n;
  return n;
}

void Outcome::append(const Outcome& other) {
  issues_.insert(issues_.end(), other.issues_.begin(), other.issues_.end());
}

namespace {

json::Node integer_extension(std::string_view url, std::uint32_t value) {
  json::Node ext = json::Node::object();
  ext.append_member("url", json::Node::string(url));
  ext.append_member("valueInteger", json::Node::number(std::to_string(value)));
  return ext;
}

}  // namespace

json::Node Outcome::to_operation_outcome() const {
  json::Node oo = json::Node::object();
  oo.append_member("resourceType", json::Node::string("OperationOutcome"));
  json::Node list = json::Node::array();
  auto add_issue = [&list](const Issue& i) {
    json::Node issue = json::Node::object();
    if (i.location.line != 0) {
      json::Node exts = json::Node::array();
      exts.push_back(
          integer_extension("http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line", i.location.line));
      if (i.location.column != 0)
        exts.push_back(
            integer_extension("http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col", i.location.column));
      issue.append_member("extension", std::move(exts));
    }
    issue.append_member("severity", json::Node::string(severity_code(i.severity)));
    issue.append_member("code", json::Node::string(i.code.empty() ? std::string_view("processing") : i.code));
    if (!i.diagnostics.empty()) issue.append_member("diagnostics", json::Node::string(i.diagnostics));
    if (!i.expression.empty()) {
      json::Node expr = json::Node::array();
      expr.push_back(json::Node::string(i.expression));
      issue.append_member("expression", std::move(expr));
    }
    list.push_back(std::move(issue));
  };
  if (issues_.empty()) {
    add_issue(Issue{Severity::Information, "informational", "All OK", {}, {}});
  } else {
    for (const auto& i : issues_) add_issue(i);
  }
  oo.append_member("issue", std::move(list));
  return oo;
}

}  // namespace fhir::validation
