// Canonical FHIR JSON: a resource written with `resourceType` first, then its elements in the order of the
// specification (recursively through datatypes, backbone elements, choice types, content references,
// `contained` and Bundle / Parameters resources), each primitive's `_name` right after `name`. Extensions
// follow their definition too (id, extension, url, value[x]); the official examples are not consistent there.
//
// Nothing is dropped: members the metadata does not know are written after the known ones, in source
// order; objects of an unknown type keep their source order. Numbers (decimals) are written as their exact
// source text, strings are escaped as json::write does. Output is compact, or pretty with
// json::WriteOptions{.pretty = true} (two-space indentation, the same layout as json::write).
#pragma once

#include <string>

#include "fhir/json/node.h"
#include "fhir/json/writer.h"
#include "fhir/model/metadata.h"

namespace fhir::model {

// Appends the canonical JSON of `resource` to `out`. A value that is not an object with a known
// `resourceType` is written in source order.
void write_resource(const json::Node& resource, std::string& out, const json::WriteOptions& options = {},
                    const Registry& registry = Registry::r4());

std::string to_canonical_json(const json::Node& resource, const json::WriteOptions& options = {},
                              const Registry& registry = Registry::r4());

// Writes a value of FHIR type `type_name` ("HumanName", "Observation", ...) canonically.
void write_element(const json::Node& value, std::string_view type_name, std::string& out,
                   const json::WriteOptions& options = {}, const Registry& registry = Registry::r4());

}  // namespace fhir::model
