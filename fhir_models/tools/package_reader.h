// Reads the conformance resources (StructureDefinition, ValueSet, CodeSystem, SearchParameter) of an
// unpacked FHIR npm package folder.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fhir/json/parser.h"

namespace fhir::tools {

struct PackageResource {
  std::string file;         // file name inside the package folder
  json::Document document;  // parsed content
  const json::Node& root() const { return document.root(); }
};

struct Package {
  // resourceType -> resources, each list sorted by file name (deterministic output).
  std::map<std::string, std::vector<PackageResource>> by_type;
  const std::vector<PackageResource>& of(const std::string& resource_type) const;
};

// Loads every *.json file in `folder` whose resourceType is one of `resource_types`. Returns false with
// `error` set (file name and parse location) when a file cannot be read or parsed.
bool read_package(const std::string& folder, const std::vector<std::string>& resource_types, Package& out,
                  std::string& error);

}  // namespace fhir::tools
