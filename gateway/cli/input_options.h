// The input options shared by the commands that read FHIR JSON (validate, format):
// --input auto|json|ndjson, --max-line-bytes N, --max-document-bytes N.
#pragma once

#include <optional>
#include <string>

#include "cli/options.h"
#include "cli/resource_reader.h"

namespace fhirgw::cli {

// Applies the options found in `parsed`; returns a usage error message if one is malformed.
std::optional<std::string> apply_input_options(const ParsedArgs& parsed, InputFormat& format, ReadLimits& limits);

}  // namespace fhirgw::cli
