// JSON serialization of json::Node, keeping member order and number text exactly as stored.
#pragma once

#include <string>

#include "fhir/json/node.h"

namespace fhir::json {

struct WriteOptions {
  bool pretty = false;  // two-space indentation, one member per line
};

// Appends the JSON text of `node` to `out`. Strings are escaped minimally (", \, control characters);
// non-ASCII UTF-8 is written as is.
void write(const Node& node, std::string& out, const WriteOptions& options = {});
std::string to_string(const Node& node, const WriteOptions& options = {});

// Appends `s` as a JSON string literal (with quotes).
void write_string(std::string_view s, std::string& out);

}  // namespace fhir::json
