// Result reuse within one evaluation (src/fhirpath/memo_plan.h) must not change any result: each expression
// here is evaluated with and without reuse. The whole-package comparison is in fhirpath_examples_test.cpp.
#include <gtest/gtest.h>

#include "fhirpath_test_util.h"

namespace {

std::string eval_with(const fhir::json::Node& resource, std::string_view expr, bool reuse) {
  auto c = fhir::fhirpath::compile(expr, {.reuse_results = reuse});
  if (!c) return "COMPILE: " + c.error;
  fhir::fhirpath::EvalContext ctx;
  ctx.registry = &fhir::model::Registry::r4();
  ctx.resource = &resource;
  return fhirpath_test::render(fhir::fhirpath::evaluate(*c.expression, ctx));
}

TEST(FhirPathMemoPlan, ReusedResultsEqualThePlainWalk) {
  const auto doc = fhirpath_test::parse_json(R"({"resourceType":"Patient","id":"p1",
    "name":[{"family":"A","given":["x","y"]},{"family":"B"}],
    "telecom":[{"system":"phone","value":"1"},{"system":"email","value":"2"}]})");
  const fhir::json::Node& patient = doc.root();
  const std::pair<const char*, const char*> cases[] = {
      // env-free inside a lambda: computed once, same answer for every item
      {"name.all(family.exists() and %resource.id = 'p1')", "[true]"},
      {"name.select(%resource.telecom.count())", "[2, 2]"},
      // a repeated subexpression outside lambdas
      {"name.family.count() + name.family.count()", "[4]"},
      // the same text inside a lambda depends on the item: no reuse across items
      {"name.select(given.count()) | name.given.count()", "[2, 0]"},
      {"name.where(given.count() = 2).family", "[A]"},
      // $this / $index inside lambdas
      {"name.select($index)", "[0, 1]"},
      {"telecom.select($this.value & $index.toString())", "[10, 21]"},
      // iif() on an input that is not one item keeps the caller's $this: never reused across items
      {"(1 | 2).select(%resource.missing.iif($this = 1, 'one', 'other'))", "[one, other]"},
      {"(1 | 2).select(%resource.telecom.iif($this = 1, 'one', 'other'))", "[one, other]"},
      // aggregate's $total
      {"(1 | 2 | 3).aggregate($this + $total, 0)", "[6]"},
      {"(1 | 2).select((10 | 20).aggregate($total + 1, 0) + $this)", "[3, 4]"},
      // errors surface the same way
      {"name.select(%resource.name.family.substring(0, 1) = 'A')", "ERROR"},
  };
  for (const auto& [expr, want] : cases) {
    const std::string reused = eval_with(patient, expr, true);
    EXPECT_EQ(reused, eval_with(patient, expr, false)) << expr;
    EXPECT_TRUE(reused.starts_with(want)) << expr << " gave " << reused;
  }
}

}  // namespace
