// The core invariants evaluated by the engine on the official R4 examples: every error-severity constraint
// of every element reached in every example (resources, backbone elements, datatypes and primitives,
// contained resources, Bundle entries) must hold, except the documented cases in
// fhirpath_example_exceptions.txt. Mutated copies must violate obs-6 and obs-7.
// Every evaluation is also done without result reuse (CompileOptions::reuse_results = false, the plain
// tree walk) and must give the same status, message and items.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "fhirpath_test_util.h"

namespace {

namespace fs = std::filesystem;
using fhir::fhirpath::Collection;
using fhir::fhirpath::EvalContext;
using fhir::fhirpath::Item;

const fs::path kR4 = fs::path(FHIRGW_PACKAGE_DIR) / "hl7.fhir.r4.examples-4.0.1" / "package";

class ConstraintRunner {
 public:
  struct Failure {
    std::string key;
    std::string outcome;  // "false", "error: ...", "unsupported: ..."
  };

  ConstraintRunner() : registry_(fhir::model::Registry::r4()) {
    children_ = fhir::fhirpath::compile("children()").expression;
  }

  std::size_t evaluations() const { return evaluations_; }
  std::size_t mismatches() const { return mismatches_; }

  // Checks every error constraint below `resource` (a resource in a file, not contained in another).
  std::vector<Failure> check_resource(const fhir::json::Node& resource) {
    std::vector<Failure> failures;
    Item item = fhir::fhirpath::resource_item(&registry_, resource);
    walk(item, &resource, &resource, bundle_of(resource), failures);
    return failures;
  }

  // Evaluates one expression as the validator would, on `context` within `resource`.
  std::optional<bool> check_one(const std::string& expression, const fhir::json::Node& resource) {
    auto c = fhir::fhirpath::compile(expression);
    EXPECT_TRUE(c) << expression;
    EvalContext ctx;
    ctx.registry = &registry_;
    ctx.resource = &resource;
    auto r = fhir::fhirpath::evaluate(*c.expression, ctx);
    EXPECT_TRUE(r.ok()) << r.message;
    return fhir::fhirpath::to_boolean(r.items);
  }

 private:
  const fhir::json::Node* bundle_of(const fhir::json::Node& resource) const {
    const fhir::json::Node* rt = resource.find("resourceType");
    return rt != nullptr && rt->text() == "Bundle" ? &resource : nullptr;
  }

  // Keyed by the registry's string (stable address), as a validator caches per constraint.
  const fhir::fhirpath::Expression& compiled(const std::string& key, const std::string& text) {
    auto it = cache_.find(&key);
    if (it == cache_.end()) {
      auto c = fhir::fhirpath::compile(text);
      EXPECT_TRUE(c) << text << ": " << c.error;
      it = cache_.emplace(&key, c.expression).first;
    }
    return *it->second;
  }
  const fhir::fhirpath::Expression& compiled(const std::string& expression) { return compiled(expression, expression); }
  const fhir::fhirpath::Expression& reference(const std::string& key, const std::string& text) {
    auto it = reference_.find(&key);
    if (it == reference_.end()) {
      it = reference_.emplace(&key, fhir::fhirpath::compile(text, {.reuse_results = false}).expression).first;
    }
    return *it->second;
  }

  static std::string rendered(const fhir::fhirpath::EvalResult& r) {
    std::string out = std::to_string(static_cast<int>(r.status)) + " " + r.message + ":";
    for (const Item& i : r.items) {
      out += " " + fhirpath_test::render(i);
      if (i.is_element()) out += "@" + std::to_string(reinterpret_cast<std::uintptr_t>(i.node()));
    }
    return out;
  }

  void check(const fhir::model::Constraint& c, const Item& item, const fhir::json::Node* resource,
             const fhir::json::Node* root, const fhir::json::Node* bundle, std::vector<Failure>& failures) {
    if (c.severity != fhir::model::ConstraintSeverity::Error) return;
    EvalContext ctx;
    ctx.registry = &registry_;
    ctx.resource = resource;
    ctx.root_resource = root;
    ctx.bundle = bundle;
    ctx.context = item;
    auto r = fhir::fhirpath::evaluate(compiled(c.expression), ctx);
    ++evaluations_;
    const auto plain = fhir::fhirpath::evaluate(reference(c.expression, c.expression), ctx);
    if (rendered(r) != rendered(plain)) {
      ++mismatches_;
      ADD_FAILURE() << c.key << " with result reuse: " << rendered(r) << "; plain tree walk: " << rendered(plain);
    }
    bool multiple = false;
    auto b = fhir::fhirpath::to_boolean(r.items, &multiple);
    if (r.status == fhir::fhirpath::Status::Error) {
      failures.push_back({c.key, "error: " + r.message});
    } else if (r.status == fhir::fhirpath::Status::Unsupported) {
      failures.push_back({c.key, "unsupported: " + r.message});
    } else if (multiple || (b && !*b)) {
      failures.push_back({c.key, "false"});
    }
  }

  void walk(const Item& item, const fhir::json::Node* resource, const fhir::json::Node* root,
            const fhir::json::Node* bundle, std::vector<Failure>& failures) {
    const auto& type = item.type();
    if (type.def != nullptr && type.element < type.def->elements.size()) {
      const auto& elements = type.def->elements;
      for (const auto& c : elements[type.element].constraints) check(c, item, resource, root, bundle, failures);
      // Constraints declared on child elements that are not backbone elements (e.g. txt-1 on Narrative.div):
      // their items are typed by their datatype, so evaluate them here on the items the child name selects.
      for (std::uint32_t ci : elements[type.element].children) {
        const auto& e = elements[ci];
        if (!e.children.empty() || !e.content_reference.empty() || !e.slice_name.empty()) continue;
        bool any = false;
        for (const auto& c : e.constraints)
          any |= c.key != "ele-1" && c.severity == fhir::model::ConstraintSeverity::Error;
        if (!any) continue;
        EvalContext nav;
        nav.registry = &registry_;
        nav.resource = resource;
        nav.context = item;
        auto selected = fhir::fhirpath::evaluate(compiled(e.name, "`" + e.name + "`"), nav);
        for (const Item& child : selected.items) {
          for (const auto& c : e.constraints) {
            if (c.key != "ele-1") check(c, child, resource, root, bundle, failures);
          }
        }
      }
    }
    EvalContext ctx;
    ctx.registry = &registry_;
    ctx.resource = resource;
    ctx.context = item;
    auto kids = fhir::fhirpath::evaluate(*children_, ctx);
    const fhir::json::Node* contained =
        item.node() != nullptr && item.node()->is_object() ? item.node()->find("contained") : nullptr;
    for (const Item& child : kids.items) {
      const fhir::json::Node* n = child.node();
      const bool is_resource = n != nullptr && n->is_object() && n->find("resourceType") != nullptr &&
                               child.type().def != nullptr && child.type().def->kind == fhir::model::TypeKind::Resource;
      if (!is_resource) {
        walk(child, resource, root, bundle, failures);
        continue;
      }
      bool in_contained = false;
      if (contained != nullptr && contained->is_array()) {
        for (const auto& c : contained->items()) in_contained |= &c == n;
      }
      // Contained resources keep their container as %rootResource; Bundle entries are resources of their own.
      walk(child, n, in_contained ? root : n, bundle, failures);
    }
  }

  const fhir::model::Registry& registry_;
  std::shared_ptr<const fhir::fhirpath::Expression> children_;
  std::unordered_map<const std::string*, std::shared_ptr<const fhir::fhirpath::Expression>> cache_;
  std::unordered_map<const std::string*, std::shared_ptr<const fhir::fhirpath::Expression>> reference_;
  std::size_t evaluations_ = 0;
  std::size_t mismatches_ = 0;
};

// "file<TAB>key<TAB>reason" lines as (file, key) pairs.
std::set<std::pair<std::string, std::string>> read_exceptions() {
  std::set<std::pair<std::string, std::string>> out;
  for (auto& fields : fhirpath_test::read_tab_separated("fhirpath_example_exceptions.txt")) {
    out.emplace(fields[0], fields.size() > 1 ? fields[1] : "");
  }
  return out;
}

TEST(FhirPathOfficialExamples, ErrorInvariantsHoldOnEveryPackageResource) {
  ASSERT_TRUE(fs::is_directory(kR4)) << "missing pinned package " << kR4;
  const auto exceptions = read_exceptions();
  std::set<std::pair<std::string, std::string>> seen;
  ConstraintRunner runner;
  std::size_t files = 0;
  std::size_t bytes = 0;
  const std::vector<fs::path> paths = fhirpath_test::package_json_files(kR4);
  std::chrono::steady_clock::duration eval_time{};
  for (const auto& path : paths) {
    std::string text = fhirpath_test::read_file(path.string());
    auto parsed = fhir::json::parse(text);
    if (!parsed) continue;  // the JSON tests own parse failures
    const fhir::json::Node& root = parsed.document->root();
    if (root.find("resourceType") == nullptr) continue;
    ++files;
    bytes += text.size();
    const auto t0 = std::chrono::steady_clock::now();
    auto failures = runner.check_resource(root);
    eval_time += std::chrono::steady_clock::now() - t0;
    const std::string file = path.filename().string();
    for (const auto& f : failures) {
      seen.emplace(file, f.key);
      if (!exceptions.contains({file, f.key})) ADD_FAILURE() << file << " " << f.key << ": " << f.outcome;
    }
  }
  for (const auto& ex : exceptions) {
    EXPECT_TRUE(seen.contains(ex)) << "stale entry in fhirpath_example_exceptions.txt: " << ex.first << " "
                                   << ex.second;
  }
  EXPECT_GT(files, 5000u);
  EXPECT_EQ(runner.mismatches(), 0u);
  const double secs = std::chrono::duration<double>(eval_time).count();
  std::printf("%zu resources (%.1f MB), %zu constraint evaluations in %.2f s (%.0f evaluations/s)\n", files,
              static_cast<double>(bytes) / 1e6, runner.evaluations(), secs,
              static_cast<double>(runner.evaluations()) / secs);
}

constexpr const char* kObs6 = "dataAbsentReason.empty() or value.empty()";
constexpr const char* kObs7 =
    "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()";

bool has_value_x(const fhir::json::Node& obs) {
  for (const auto& m : obs.members()) {
    if (std::string_view(m.key).starts_with("value")) return true;
  }
  return false;
}

TEST(FhirPathOfficialExamples, Obs6AndObs7HoldOnObservationsAndFailOnMutatedCopies) {
  ConstraintRunner runner;
  std::size_t observations = 0, mutated6 = 0, mutated7 = 0;
  for (const auto& path : fhirpath_test::package_json_files(kR4, "Observation-")) {
    const std::string name = path.filename().string();
    std::string text = fhirpath_test::read_file(path.string());
    auto parsed = fhir::json::parse(text);
    ASSERT_TRUE(parsed) << name;
    fhir::json::Node& obs = parsed.document->root();
    if (obs.find("resourceType")->text() != "Observation") continue;
    ++observations;
    EXPECT_EQ(runner.check_one(kObs6, obs), true) << name;
    EXPECT_EQ(runner.check_one(kObs7, obs), true) << name;
    if (!has_value_x(obs)) continue;

    // obs-6: a value together with a dataAbsentReason.
    fhir::json::Node with_dar(obs);
    fhir::json::Node dar = fhir::json::Node::object();
    dar.set("text", fhir::json::Node::string("not asked"));
    with_dar.set("dataAbsentReason", std::move(dar));
    EXPECT_EQ(runner.check_one(kObs6, with_dar), false) << name;
    ++mutated6;

    // obs-7: a component whose code repeats the observation's code while a value is present.
    const fhir::json::Node* code = obs.find("code");
    const fhir::json::Node* codings = code ? code->find("coding") : nullptr;
    if (codings == nullptr || codings->items().empty()) continue;
    fhir::json::Node with_component(obs);
    fhir::json::Node component = fhir::json::Node::object();
    component.set("code", fhir::json::Node(*code));
    fhir::json::Node* comps = with_component.find("component");
    if (comps == nullptr) comps = &with_component.set("component", fhir::json::Node::array());
    comps->push_back(std::move(component));
    EXPECT_EQ(runner.check_one(kObs7, with_component), false) << name;
    ++mutated7;
  }
  EXPECT_GT(observations, 50u);
  EXPECT_GT(mutated6, 30u);
  EXPECT_GT(mutated7, 30u);
}

}  // namespace
