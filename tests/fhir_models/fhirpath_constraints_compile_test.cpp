// Every constraint expression in every StructureDefinition of the pinned R4 package and of the mCODE package
// compiles. Expressions that do not are listed, with the reason, in fhirpath_compile_exceptions.txt.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "fhirpath_test_util.h"

namespace {

namespace fs = std::filesystem;

struct ConstraintSource {
  std::string file;
  std::string key;
  std::string expression;
};

// Collects snapshot and differential constraints of all StructureDefinition-*.json files in `dir`.
void collect_constraints(const fs::path& dir, std::vector<ConstraintSource>& out) {
  for (const auto& path : fhirpath_test::package_json_files(dir, "StructureDefinition-")) {
    const std::string name = path.filename().string();
    std::string text = fhirpath_test::read_file(path.string());
    auto parsed = fhir::json::parse(text);
    ASSERT_TRUE(parsed) << name << ": " << parsed.error->message;
    const fhir::json::Node& sd = parsed.document->root();
    for (const char* part : {"snapshot", "differential"}) {
      const fhir::json::Node* p = sd.find(part);
      const fhir::json::Node* elements = p ? p->find("element") : nullptr;
      if (elements == nullptr) continue;
      for (const auto& e : elements->items()) {
        const fhir::json::Node* constraints = e.find("constraint");
        if (constraints == nullptr) continue;
        for (const auto& c : constraints->items()) {
          const fhir::json::Node* expr = c.find("expression");
          const fhir::json::Node* key = c.find("key");
          if (expr == nullptr || !expr->is_string()) continue;
          out.push_back({name, key ? std::string(key->text()) : "?", std::string(expr->text())});
        }
      }
    }
  }
}

TEST(FhirPathConstraintCorpus, EveryPackageConstraintCompiles) {
  const fs::path packages(FHIRGW_PACKAGE_DIR);
  const fs::path r4 = packages / "hl7.fhir.r4.examples-4.0.1" / "package";
  const fs::path mcode = packages / "hl7.fhir.us.mcode-4.0.0" / "package";
  ASSERT_TRUE(fs::is_directory(r4)) << "missing pinned package " << r4 << " (run deploy/fetch-fhir-packages.sh)";
  ASSERT_TRUE(fs::is_directory(mcode)) << "missing unpacked mCODE package " << mcode;

  std::vector<ConstraintSource> all;
  collect_constraints(r4, all);
  const std::size_t r4_count = all.size();
  collect_constraints(mcode, all);
  ASSERT_GT(r4_count, 1000u);
  ASSERT_GT(all.size(), r4_count);

  // constraint key -> why it may not compile
  const auto exceptions = fhirpath_test::read_reasons("fhirpath_compile_exceptions.txt");
  std::set<std::string> distinct, failed_keys;
  std::size_t unsupported_uses = 0;
  for (const auto& c : all) {
    distinct.insert(c.expression);
    auto r = fhir::fhirpath::compile(c.expression);
    if (!r) {
      failed_keys.insert(c.key);
      if (!exceptions.contains(c.key)) {
        ADD_FAILURE() << c.file << " " << c.key << ": " << r.error << " at " << r.error_offset << "\n  "
                      << c.expression;
      }
      continue;
    }
    unsupported_uses += fhir::fhirpath::unsupported_functions(*r.expression).size();
  }
  for (const auto& [key, reason] : exceptions) {
    EXPECT_TRUE(failed_keys.contains(key)) << "stale entry in fhirpath_compile_exceptions.txt: " << key;
  }
  EXPECT_EQ(unsupported_uses, 0u) << "package constraints call functions the engine does not implement";
  std::printf("compiled %zu constraint expressions (%zu distinct) from R4 + mCODE\n", all.size(), distinct.size());
}

}  // namespace
