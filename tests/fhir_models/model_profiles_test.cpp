// Profiles compiled at run time: every mCODE 4.0.0 StructureDefinition (slicing, slice names, patterns,
// must-support, type slices) compiles and registers next to the core.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"

#ifndef FHIRGW_PACKAGE_DIR
#error "FHIRGW_PACKAGE_DIR must be defined by the build"
#endif

namespace fhir::model {
namespace {

namespace fs = std::filesystem;

fs::path mcode_folder() { return fs::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.us.mcode-4.0.0" / "package"; }

class McodeProfiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::is_directory(mcode_folder())) return;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(mcode_folder())) {
      const std::string name = e.path().filename().string();
      if (name.rfind("StructureDefinition-", 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      json::ParseResult parsed = json::parse(text.str());
      ASSERT_TRUE(parsed) << f;
      std::string error;
      auto type = compile_structure_definition(parsed.document->root(), &error);
      ASSERT_NE(type, nullptr) << f << ": " << error;
      profiles_.push_back(std::move(type));
    }
  }
  static void TearDownTestSuite() { profiles_.clear(); }
  void SetUp() override {
    if (!fs::is_directory(mcode_folder())) {
      GTEST_SKIP() << "mCODE package folder " << mcode_folder() << " is absent: run deploy/fetch-fhir-packages.sh";
    }
  }
  static const TypeDef* profile(std::string_view id) {
    for (const auto& p : profiles_) {
      if (p->id == id) return p.get();
    }
    return nullptr;
  }
  static std::vector<std::unique_ptr<TypeDef>> profiles_;
};
std::vector<std::unique_ptr<TypeDef>> McodeProfiles::profiles_;

TEST_F(McodeProfiles, AllCompile) {
  EXPECT_EQ(profiles_.size(), 53u);
  for (const auto& p : profiles_) {
    EXPECT_TRUE(p->is_profile) << p->url;
    EXPECT_FALSE(p->elements.empty());
    for (std::uint32_t i = 1; i < p->elements.size(); ++i) {
      ASSERT_LT(p->elements[i].parent, i) << p->url << " " << p->elements[i].path;  // parents precede children
    }
  }
}

TEST_F(McodeProfiles, SlicesWithPatternsAndMustSupport) {
  const TypeDef* variant = profile("mcode-genomic-variant");
  ASSERT_NE(variant, nullptr);
  EXPECT_EQ(variant->name, "Observation");
  EXPECT_EQ(variant->base_url, "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/variant");
  const auto lab = std::find_if(variant->elements.begin(), variant->elements.end(),
                                [](const ElementDef& e) { return e.slice_name == "labCategory"; });
  ASSERT_NE(lab, variant->elements.end());
  EXPECT_EQ(lab->path, "Observation.category");
  EXPECT_EQ(lab->min, 1u);
  ASSERT_TRUE(lab->pattern.has_value());
  EXPECT_EQ(lab->pattern->find("coding")->items()[0].find("code")->text(), "laboratory");
  // The sliced element carries the slicing; JSON-name lookup yields the unsliced element.
  const ElementDef* category = variant->child(0, "category");
  ASSERT_NE(category, nullptr);
  EXPECT_TRUE(category->slice_name.empty());
  ASSERT_TRUE(category->slicing.has_value());
  EXPECT_FALSE(category->slicing->discriminators.empty());
  // Component slices: each slice's children hang below the slice.
  int component_slices = 0;
  for (const ElementDef& e : variant->elements) {
    if (e.path != "Observation.component" || e.slice_name.empty()) continue;
    ++component_slices;
    ASSERT_FALSE(e.children.empty()) << e.slice_name;
    const ElementDef& code = variant->elements[e.children.front()];
    EXPECT_EQ(code.parent, variant->index_of(e));
  }
  EXPECT_GT(component_slices, 20);
  // Type slices of a choice: the choice itself still resolves by JSON name.
  std::string type;
  EXPECT_NE(variant->child(0, "valueCodeableConcept", &type), nullptr);
  EXPECT_EQ(type, "CodeableConcept");
  const auto effective = std::find_if(variant->elements.begin(), variant->elements.end(),
                                      [](const ElementDef& e) { return e.slice_name == "effectiveDateTime"; });
  ASSERT_NE(effective, variant->elements.end());
  EXPECT_TRUE(effective->must_support);
}

TEST_F(McodeProfiles, ExtensionSlicesNameTheirProfiles) {
  const TypeDef* patient = profile("mcode-cancer-patient");
  ASSERT_NE(patient, nullptr);
  const auto race = std::find_if(patient->elements.begin(), patient->elements.end(),
                                 [](const ElementDef& e) { return e.slice_name == "race"; });
  ASSERT_NE(race, patient->elements.end());
  ASSERT_EQ(race->types.size(), 1u);
  EXPECT_EQ(race->types[0].code, "Extension");
  ASSERT_EQ(race->types[0].profiles.size(), 1u);
  EXPECT_EQ(race->types[0].profiles[0], "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race");
}

TEST_F(McodeProfiles, RegisterAlongsideTheCore) {
  Registry r;
  for (const auto& p : profiles_) r.add_type(std::make_unique<TypeDef>(*p));
  const TypeDef* tumor =
      r.find_by_url("http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test|4.0.0");
  ASSERT_NE(tumor, nullptr);
  EXPECT_EQ(tumor->id, "mcode-tumor-marker-test");
  EXPECT_EQ(r.find_type("Observation"), nullptr);  // profiles never shadow base types
  // Copies keep working lookups (indices, not pointers).
  EXPECT_NE(tumor->child(0, "valueQuantity"), nullptr);
}

}  // namespace
}  // namespace fhir::model
