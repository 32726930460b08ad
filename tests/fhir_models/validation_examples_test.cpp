// Zero errors on the official R4 package: every file of hl7.fhir.r4.examples 4.0.1 (examples and
// conformance resources) validates without error-level issues, except those listed with a reason in
// tests/data/validation/known-example-errors.tsv (file, issue text fragment, reason).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <vector>

#include "fhir/json/parser.h"
#include "fhir/validation/validator.h"
#include "validation_test_util.h"

namespace fv = fhir::validation;
namespace fs = std::filesystem;

namespace {

struct KnownError {
  std::string file, fragment, reason;
};

std::vector<KnownError> known_errors() {
  std::vector<KnownError> out;
  std::istringstream in(fv::testing::read_file(std::string(FHIRGW_VALIDATION_DATA_DIR) + "/known-example-errors.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto t1 = line.find('\t');
    auto t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    out.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1), line.substr(t2 + 1)});
  }
  return out;
}

std::vector<fs::path> package_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fv::testing::r4_dir()))
    if (e.path().extension() == ".json" && e.path().filename() != "package.json" &&
        e.path().filename().string().rfind(".index", 0) != 0)
      files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST(ValidateExamples, OfficialR4PackageHasNoErrors) {
  const auto files = package_files();
  ASSERT_GT(files.size(), 5000u) << "package not found under " << fv::testing::r4_dir();
  const auto known = known_errors();
  std::vector<bool> known_used(known.size(), false);
  const fv::Validator validator;
  std::size_t failed_files = 0, checked = 0, infos = 0;
  std::map<std::string, std::size_t> by_code;
  for (const auto& path : files) {
    const std::string text = fv::testing::read_file(path.string());
    auto outcome = validator.validate_text(text);
    ++checked;
    std::string unexpected;
    for (const auto& issue : outcome.issues()) {
      if (issue.severity == fv::Severity::Information) ++infos;
      if (issue.severity != fv::Severity::Error && issue.severity != fv::Severity::Fatal) continue;
      bool excused = false;
      for (std::size_t k = 0; k < known.size(); ++k) {
        if (known[k].file == path.filename().string() &&
            issue.diagnostics.find(known[k].fragment) != std::string::npos) {
          excused = true;
          known_used[k] = true;
        }
      }
      if (excused) continue;
      ++by_code[issue.code];
      unexpected += "  " + issue.expression + " (" + std::to_string(issue.location.line) + ":" +
                    std::to_string(issue.location.column) + "): " + issue.diagnostics + "\n";
    }
    if (!unexpected.empty()) {
      ++failed_files;
      ADD_FAILURE() << path.filename().string() << ":\n" << unexpected;
    }
  }
  for (std::size_t k = 0; k < known.size(); ++k)
    EXPECT_TRUE(known_used[k]) << "stale exception in known-example-errors.tsv: " << known[k].file << " / "
                               << known[k].fragment;
  std::cout << "validated " << checked << " files, " << failed_files << " with unexpected errors, " << infos
            << " information issues\n";
  for (const auto& [code, n] : by_code) std::cout << "  unexpected " << code << ": " << n << "\n";
}
