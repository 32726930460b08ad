#include "package_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fhir::tools {

const std::vector<PackageResource>& Package::of(const std::string& resource_type) const {
  static const std::vector<PackageResource> kNone;
  const auto it = by_type.find(resource_type);
  return it == by_type.end() ? kNone : it->second;
}

bool read_package(const std::string& folder, const std::vector<std::string>& resource_types, Package& out,
                  std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    error = "not a package folder: " + folder;
    return false;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".json" || name == "package.json") continue;
    // Package files are named "<resourceType>-<id>.json": skip the examples without reading them.
    const std::string type = name.substr(0, name.find('-'));
    if (std::find(resource_types.begin(), resource_types.end(), type) == resource_types.end()) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      error = "cannot read " + file.string();
      return false;
    }
    json::ParseResult parsed = json::parse(text.str());
    if (!parsed) {
      error = file.string() + ":" + std::to_string(parsed.error->location.line) + ":" +
              std::to_string(parsed.error->location.column) + ": " + parsed.error->message;
      return false;
    }
    const json::Node* rt = parsed.document->root().find("resourceType");
    if (rt == nullptr || !rt->is_string()) continue;
    const std::string type(rt->text());
    if (std::find(resource_types.begin(), resource_types.end(), type) == resource_types.end()) continue;
    out.by_type[type].push_back(PackageResource{file.filename().string(), std::move(*parsed.document)});
  }
  return true;
}

}  // namespace fhir::tools
