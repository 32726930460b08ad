// The R4 SearchParameter expressions (what a server indexes with) compile, and evaluate without an engine
// error on every official example of their base resource types. Exceptions: fhirpath_search_param_exceptions.txt.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "fhirpath_test_util.h"

namespace {

namespace fs = std::filesystem;

TEST(FhirPathSearchParameters, R4ExpressionsCompileAndEvaluateOnExamples) {
  const fs::path r4 = fs::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.r4.examples-4.0.1" / "package";
  ASSERT_TRUE(fs::is_directory(r4));
  const auto& registry = fhir::model::Registry::r4();
  // search parameter name as in the registry ("Observation.value-quantity") -> why it is excepted
  const auto exceptions = fhirpath_test::read_reasons("fhirpath_search_param_exceptions.txt");
  std::set<std::string> failed;
  std::map<const fhir::model::SearchParamDef*, std::shared_ptr<const fhir::fhirpath::Expression>> compiled;
  std::size_t evaluations = 0, resources = 0, expressions = 0;
  for (const auto& path : fhirpath_test::package_json_files(r4)) {
    std::string text = fhirpath_test::read_file(path.string());
    auto parsed = fhir::json::parse(text);
    if (!parsed) continue;
    const fhir::json::Node& root = parsed.document->root();
    const fhir::json::Node* rt = root.find("resourceType");
    if (rt == nullptr || !rt->is_string()) continue;
    ++resources;
    for (const auto* sp : registry.search_params(rt->text())) {
      if (sp->expression.empty()) continue;
      const std::string id = std::string(rt->text()) + "." + sp->name;
      auto it = compiled.find(sp);
      if (it == compiled.end()) {
        auto c = fhir::fhirpath::compile(sp->expression);
        ++expressions;
        if (!c && !exceptions.contains(id)) ADD_FAILURE() << id << ": " << c.error << "\n  " << sp->expression;
        if (!c) failed.insert(id);
        it = compiled.emplace(sp, c.expression).first;
      }
      if (!it->second) continue;
      fhir::fhirpath::EvalContext ctx;
      ctx.registry = &registry;
      ctx.resource = &root;
      auto r = fhir::fhirpath::evaluate(*it->second, ctx);
      ++evaluations;
      if (!r.ok()) {
        if (failed.insert(id).second && !exceptions.contains(id)) {
          ADD_FAILURE() << id << " on " << path.filename() << ": " << r.message << "\n  " << sp->expression;
        }
      }
    }
  }
  for (const auto& [id, reason] : exceptions) {
    EXPECT_TRUE(failed.contains(id)) << "stale entry in fhirpath_search_param_exceptions.txt: " << id;
  }
  EXPECT_GT(expressions, 1000u);
  std::printf("%zu search parameter expressions, %zu evaluations on %zu resources\n", expressions, evaluations,
              resources);
}

}  // namespace
