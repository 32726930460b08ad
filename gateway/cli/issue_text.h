// Human-readable rendering of validation issues: "path:line:col: severity [code] expression: diagnostics".
#pragma once

#include <string>
#include <string_view>

#include "fhir/validation/outcome.h"

namespace fhirgw::cli {

void append_issue_text(std::string_view source, const fhir::validation::Issue& issue, std::string& out);

}  // namespace fhirgw::cli
