// The invalid corpus: every official R4 example (not the conformance resources) is broken in each of
// the ways of validation_mutator.h, re-serialized and validated again. At least 98% of the mutants
// must be reported with an error. Set FHIRGW_MUTATION_CORPUS_DIR to also write the corpus to disk.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>

#include "fhir/json/parser.h"
#include "fhir/json/writer.h"
#include "fhir/validation/validator.h"
#include "validation_mutator.h"
#include "validation_test_util.h"

namespace fv = fhir::validation;
namespace fs = std::filesystem;
using fv::testing::Mutation;

namespace {

bool is_conformance_file(const std::string& name) {
  for (const char* prefix : {"StructureDefinition-", "ValueSet-", "CodeSystem-", "SearchParameter-", "ConceptMap-",
                             "NamingSystem-", "CompartmentDefinition-", "OperationDefinition-", "CapabilityStatement-",
                             "ImplementationGuide-", "StructureMap-", "ig-r4", "package"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

std::uint32_t fnv1a(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

}  // namespace

TEST(ValidateMutations, AtLeast98PercentOfMutantsAreErrors) {
  const auto& registry = fhir::model::Registry::r4();
  const fv::Validator validator(registry);
  const char* corpus_dir = std::getenv("FHIRGW_MUTATION_CORPUS_DIR");
  if (corpus_dir != nullptr) fs::create_directories(corpus_dir);

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fv::testing::r4_dir())) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".json" && !is_conformance_file(name) && name[0] != '.') files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 500u);

  constexpr auto kKinds = static_cast<std::size_t>(Mutation::kCount);
  std::array<std::size_t, kKinds> applied{}, detected{};
  std::array<std::string, kKinds> misses;
  std::size_t bases = 0;
  for (const auto& path : files) {
    const std::string text = fv::testing::read_file(path.string());
    auto parsed = fhir::json::parse(text);
    if (!parsed || validator.validate(parsed.document->root()).has_errors()) continue;  // excused examples
    ++bases;
    for (std::size_t k = 0; k < kKinds; ++k) {
      const auto kind = static_cast<Mutation>(k);
      std::mt19937 rng(fnv1a(path.filename().string()) + static_cast<std::uint32_t>(k) * 7919u);
      fhir::json::Node mutant(parsed.document->root());
      if (!fv::testing::mutate(registry, mutant, kind, rng)) continue;
      const std::string mutated = fhir::json::to_string(mutant);
      ++applied[k];
      if (validator.validate_text(mutated).has_errors()) {
        ++detected[k];
      } else if (misses[k].size() < 600) {
        misses[k] += "    " + path.filename().string() + "\n";
      }
      if (corpus_dir != nullptr) {
        std::ofstream(std::string(corpus_dir) + "/" + fv::testing::mutation_name(kind) + "--" +
                      path.filename().string())
            << mutated;
      }
    }
  }
  std::size_t total_applied = 0, total_detected = 0;
  std::cout << "mutation kind                  mutants  errors   rate   (from " << bases << " valid examples)\n";
  for (std::size_t k = 0; k < kKinds; ++k) {
    total_applied += applied[k];
    total_detected += detected[k];
    const double rate =
        applied[k] == 0 ? 100.0 : 100.0 * static_cast<double>(detected[k]) / static_cast<double>(applied[k]);
    std::cout << "  " << std::left << std::setw(28) << fv::testing::mutation_name(static_cast<Mutation>(k))
              << std::right << std::setw(7) << applied[k] << std::setw(8) << detected[k] << std::setw(7) << std::fixed
              << std::setprecision(1) << rate << "%\n";
    if (!misses[k].empty()) std::cout << "    missed:\n" << misses[k];
    EXPECT_GT(applied[k], 0u) << "mutation kind never applied: "
                              << fv::testing::mutation_name(static_cast<Mutation>(k));
  }
  const double overall =
      100.0 * static_cast<double>(total_detected) / static_cast<double>(std::max<std::size_t>(total_applied, 1));
  std::cout << "overall: " << total_detected << " / " << total_applied << " = " << overall << "%\n";
  EXPECT_GE(overall, 98.0);
}
