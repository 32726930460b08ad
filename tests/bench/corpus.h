// The benchmark corpus: every *.json file with a resourceType in the pinned official R4 package, sorted by
// name, held in memory. FHIRGW_BENCH_MAX_FILES=N limits it (the ctest smoke run uses a few files).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fhirgw::bench {

struct Corpus {
  std::vector<std::string> texts;
  std::size_t bytes = 0;
};

inline const Corpus& corpus() {
  static const Corpus loaded = [] {
    Corpus c;
    const std::filesystem::path dir =
        std::filesystem::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.r4.examples-4.0.1" / "package";
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".json" && entry.path().filename() != "package.json") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    std::size_t max_files = files.size();
    if (const char* limit = std::getenv("FHIRGW_BENCH_MAX_FILES")) max_files = std::strtoull(limit, nullptr, 10);
    for (const auto& file : files) {
      if (c.texts.size() >= max_files) break;
      std::ifstream in(file, std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      std::string text = std::move(ss).str();
      if (text.find("\"resourceType\"") == std::string::npos) continue;  // same rule as the Node peer script
      c.bytes += text.size();
      c.texts.push_back(std::move(text));
    }
    return c;
  }();
  return loaded;
}

}  // namespace fhirgw::bench
