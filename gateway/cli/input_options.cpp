#include "cli/input_options.h"

#include <utility>

namespace fhirgw::cli {

std::optional<std::string> apply_input_options(const ParsedArgs& parsed, InputFormat& format, ReadLimits& limits) {
  if (const auto input = parsed.value("input")) {
    if (*input == "json") {
      format = InputFormat::Json;
    } else if (*input == "ndjson") {
      format = InputFormat::Ndjson;
    } else if (*input == "auto") {
      format = InputFormat::Auto;
    } else {
      return "--input must be auto, json or ndjson";
    }
  }
  for (const auto& [name, target] : {std::pair{"max-line-bytes", &limits.max_line_bytes},
                                     std::pair{"max-document-bytes", &limits.max_document_bytes}}) {
    if (const auto v = parsed.value(name)) {
      const auto bytes = parse_byte_size(*v);
      if (!bytes) return std::string("--") + name + " needs a size such as 1048576, 64K, 16M";
      *target = *bytes;
    }
  }
  return std::nullopt;
}

}  // namespace fhirgw::cli
