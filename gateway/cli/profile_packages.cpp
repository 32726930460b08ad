#include "cli/profile_packages.h"

#include <filesystem>

#include "fhir/validation/package_loader.h"

namespace fhirgw::cli {
namespace fs = std::filesystem;

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
    // Profiles, code systems and value sets (so a profile's required bindings can be checked too).
    const fhir::validation::PackageLoadResult loaded = fhir::validation::load_package(registry, dir.string());
    if (!loaded.errors.empty()) {
      *error = "--package " + std::string(dir_arg) + ": " + loaded.errors.front();
      if (loaded.errors.size() > 1) *error += " (and " + std::to_string(loaded.errors.size() - 1) + " more)";
      return -1;
    }
    added += static_cast<long>(loaded.profiles);
  }
  return added;
}

}  // namespace fhirgw::cli
