#include "cli/profile_packages.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "fhir/json/parser.h"

namespace fhirgw::cli {
namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  text = std::move(ss).str();
  return static_cast<bool>(in) || in.eof();
}

// Cheap pre-filter so a package's thousands of examples are not parsed for nothing.
bool may_be_structure_definition(std::string_view text) {
  return text.find("\"StructureDefinition\"") != std::string_view::npos &&
         text.find("\"snapshot\"") != std::string_view::npos;
}

}  // namespace

long load_profile_packages(std::span<const std::string_view> dirs, fhir::model::Registry& registry,
                           std::string* error) {
  long added = 0;
  for (const std::string_view dir_arg : dirs) {
    fs::path dir(dir_arg);
    std::error_code ec;
    if (fs::is_directory(dir / "package", ec)) dir /= "package";
    if (!fs::is_directory(dir, ec)) {
      *error = "--package " + std::string(dir_arg) + ": not a folder";
      return -1;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    }
    if (ec) {
      *error = "--package " + std::string(dir_arg) + ": " + ec.message();
      return -1;
    }
    std::sort(files.begin(), files.end());  // deterministic order
    std::string text;
    for (const fs::path& file : files) {
      if (!read_file(file, text)) {
        *error = file.string() + ": cannot read";
        return -1;
      }
      if (!may_be_structure_definition(text)) continue;
      const fhir::json::ParseResult parsed = fhir::json::parse(text);
      if (!parsed) {
        *error = file.string() + ":" + std::to_string(parsed.error->location.line) + ":" +
                 std::to_string(parsed.error->location.column) + ": " + parsed.error->message;
        return -1;
      }
      const fhir::json::Node& root = parsed.document->root();
      const fhir::json::Node* type = root.find("resourceType");
      if (type == nullptr || type->text() != "StructureDefinition" || root.find("snapshot") == nullptr) continue;
      // Only profiles (constraints on a type); base definitions are already in the core registry.
      const fhir::json::Node* derivation = root.find("derivation");
      if (derivation == nullptr || derivation->text() != "constraint") continue;
      const fhir::json::Node* url = root.find("url");
      if (url != nullptr && registry.find_by_url(url->text()) != nullptr) continue;
      std::string compile_error;
      auto def = fhir::model::compile_structure_definition(root, &compile_error);
      if (!def) {
        *error = file.string() + ": " + compile_error;
        return -1;
      }
      registry.add_type(std::move(def));
      ++added;
    }
  }
  return added;
}

}  // namespace fhirgw::cli
