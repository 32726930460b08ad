// The validator skips the FHIRPath engine when the focus object settles a constraint by the absence or
// presence of one member (invariants.h: analyze_shortcut). That is only sound if the engine agrees: for every
// error constraint of every core type, each "true if `x` is absent" term is checked here against the engine
// on a focus object that lacks `x`.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fhir/fhirpath/fhirpath.h"
#include "fhir/json/node.h"
#include "fhir/model/metadata.h"
#include "invariants.h"

namespace {

namespace fv = fhir::validation::detail;
using fhir::model::Registry;
using fhir::model::TypeDef;

// Every type reachable from the resource types through element types.
std::vector<const TypeDef*> core_types(const Registry& registry) {
  std::vector<const TypeDef*> out;
  std::set<const TypeDef*> seen;
  std::vector<const TypeDef*> todo;
  for (const std::string& name : registry.resource_type_names()) todo.push_back(registry.find_type(name));
  while (!todo.empty()) {
    const TypeDef* t = todo.back();
    todo.pop_back();
    if (t == nullptr || !seen.insert(t).second) continue;
    out.push_back(t);
    for (const auto& e : t->elements)
      for (const auto& ref : e.types) todo.push_back(registry.find_type(ref.code));
  }
  return out;
}

TEST(InvariantShortcut, RecognisesTheEmptyInputShapes) {
  auto idents = [](std::string_view expression) {
    std::string out;
    for (const auto& t : fv::analyze_shortcut(expression).terms)
      out += (t.test == fv::Shortcut::Test::TrueIfAbsent ? "-" : "+") + t.ident + " ";
    return out;
  };
  EXPECT_EQ(idents("constraint.select(key).isDistinct()"), "-constraint ");  // eld-14
  EXPECT_EQ(idents("(isModifier.exists() and isModifier) implies isModifierReason.exists()"),
            "-isModifier ");                                                                    // eld-18
  EXPECT_EQ(idents("dataAbsentReason.empty() or value.empty()"), "-dataAbsentReason -value ");  // obs-6
  EXPECT_EQ(idents("name.exists() or uri.exists()"), "+name +uri ");                            // sdf-2
  EXPECT_EQ(idents("element.all(base.exists())"), "-element ");                                 // sdf-8b
  EXPECT_EQ(idents("x.where(y = 1).exists().not() or z"), "-x ");
  // Shapes that must not be decided by absence.
  EXPECT_EQ(idents("a.empty() and b.empty()"), "");
  EXPECT_EQ(idents("a.count() = 0"), "");
  EXPECT_EQ(idents("a.exists() xor b.exists()"), "");
  EXPECT_EQ(idents("(a.exists() or b) implies c"), "");
  EXPECT_EQ(idents("a.empty().not()"), "");
  EXPECT_EQ(idents("Observation.value.empty()"), "");
  EXPECT_EQ(idents("a.select(b).count() <= 1"), "");
}

TEST(InvariantShortcut, EngineAgreesWheneverAbsenceDecides) {
  const Registry& registry = Registry::r4();
  const fhir::json::Node empty = fhir::json::Node::object();
  std::size_t checked = 0;
  std::set<std::string> keys;
  for (const TypeDef* t : core_types(registry)) {
    for (std::uint32_t i = 0; i < t->elements.size(); ++i) {
      for (const auto& c : t->elements[i].constraints) {
        if (c.severity != fhir::model::ConstraintSeverity::Error || fv::is_native_constraint(c.key)) continue;
        const fv::Shortcut shortcut = fv::analyze_shortcut(c.expression);
        bool absent_term = false;
        for (const auto& term : shortcut.terms) absent_term |= term.test == fv::Shortcut::Test::TrueIfAbsent;
        if (!absent_term) continue;
        ASSERT_TRUE(fv::shortcut_holds(shortcut, empty)) << c.key;
        auto compiled = fhir::fhirpath::compile(c.expression);
        ASSERT_TRUE(compiled) << c.key;
        fhir::fhirpath::EvalContext ctx;
        ctx.registry = &registry;
        ctx.resource = &empty;
        ctx.context = fhir::fhirpath::Item::element(
            &empty, nullptr, {t, i, i == 0 ? std::string_view(t->name) : std::string_view("BackboneElement")});
        const auto r = fhir::fhirpath::evaluate(*compiled.expression, ctx);
        if (!r.ok()) continue;  // the engine cannot decide on an empty object either way
        bool several = false;
        const auto b = fhir::fhirpath::to_boolean(r.items, &several);
        EXPECT_FALSE(several || b == false)
            << t->name << " " << t->elements[i].path << " " << c.key << ": " << c.expression;
        ++checked;
        keys.insert(c.key);
      }
    }
  }
  EXPECT_GT(checked, 80u);
  for (const char* key : {"eld-14", "eld-18", "obs-6", "sdf-8b"}) EXPECT_TRUE(keys.contains(key)) << key;
}

}  // namespace
