// Mutation sites come from a typed walk (TypeDef::child), then one site is changed.
#include "validation_mutator.h"

#include <algorithm>
#include <functional>

#include "fhir/validation/primitives.h"

namespace fhir::validation::testing {
namespace {

using json::Node;
using model::ElementDef;
using model::TypeDef;

struct Site {
  Node* parent = nullptr;    // object holding the member
  std::string key;           // member key
  Node* value = nullptr;     // the value (an item when index >= 0)
  int index = -1;            // item index in an array member
  bool whole_array = false;  // the site is the array member itself
  const TypeDef* def = nullptr;
  const ElementDef* element = nullptr;
  std::string type;  // type code (choice resolved); "BackboneElement" for inline children
};

struct ResourceSite {
  Node* node = nullptr;
  const TypeDef* def = nullptr;
  bool root = false;
};

class SiteCollector {
 public:
  explicit SiteCollector(const model::Registry& r) : registry_(r) {}
  std::vector<Site> sites;
  std::vector<ResourceSite> resources;

  void resource(Node& res, bool root) {
    if (!res.is_object()) return;
    const Node* rt = res.find("resourceType");
    if (rt == nullptr || !rt->is_string()) return;
    const TypeDef* def = registry_.find_type(rt->text());
    if (def == nullptr) return;
    resources.push_back({&res, def, root});
    object(res, *def, 0);
  }

 private:
  void object(Node& obj, const TypeDef& def, std::uint32_t element) {
    for (json::Member& m : obj.members()) {
      const std::string key(m.key);
      if (key == "resourceType" || key.empty() || key[0] == '_') continue;
      std::string choice;
      const ElementDef* el = def.child(element, key, &choice);
      if (el == nullptr) continue;
      std::string type = el->is_choice ? choice : el->types.empty() ? std::string() : el->types.front().code;
      const bool backbone = !def.children_source(*el).children.empty() &&
                            (type.empty() || type == "BackboneElement" || type == "Element");
      if (backbone) type = "BackboneElement";
      auto visit = [&](Node& v, int index) {
        sites.push_back({&obj, key, &v, index, false, &def, el, type});
        if (v.is_null()) return;
        if (backbone) {
          if (v.is_object()) object(v, def, def.index_of(*el));
        } else if (type == "Resource" || registry_.is_resource_type(type)) {
          resource(v, false);
        } else if (const TypeDef* t = registry_.find_type(type);
                   t != nullptr && t->kind != model::TypeKind::PrimitiveType) {
          if (v.is_object()) object(v, *t, 0);
        }
      };
      if (m.value.is_array()) {
        sites.push_back({&obj, key, &m.value, -1, true, &def, el, type});
        int i = 0;
        for (Node& item : m.value.items()) visit(item, i++);
      } else {
        visit(m.value, -1);
      }
    }
  }
  const model::Registry& registry_;
};

PrimitiveKind kind_of(const Site& s) { return primitive_kind(s.type); }
bool is_string_primitive(const Site& s) {
  const PrimitiveKind k = kind_of(s);
  return k != PrimitiveKind::NotPrimitive && std::string_view(expected_json_type(k)) == "string";
}
bool has_extension_sibling(const Site& s) { return s.parent->find("_" + s.key) != nullptr; }

template <typename T>
T* pick(std::vector<T*>& list, std::mt19937& rng) {
  if (list.empty()) return nullptr;
  return list[std::uniform_int_distribution<std::size_t>(0, list.size() - 1)(rng)];
}

// Replaces the value at a site (an item or the whole member).
void replace(Site& s, Node v) { *s.value = std::move(v); }

std::string capitalized(std::string code) {
  if (!code.empty() && code[0] >= 'a' && code[0] <= 'z') code[0] = static_cast<char>(code[0] - 'a' + 'A');
  return code;
}

// A valid sample value of a type, for adding a second choice type.
bool sample_value(std::string_view type, Node& out) {
  if (type == "string" || type == "markdown" || type == "code")
    out = Node::string("x");
  else if (type == "boolean")
    out = Node::boolean(true);
  else if (type == "integer" || type == "positiveInt" || type == "unsignedInt")
    out = Node::number("1");
  else if (type == "decimal")
    out = Node::number("1.5");
  else if (type == "dateTime" || type == "date")
    out = Node::string("2020-01-01");
  else if (type == "uri" || type == "url" || type == "canonical")
    out = Node::string("http://example.org/x");
  else if (type == "CodeableConcept") {
    out = Node::object();
    out.append_member("text", Node::string("x"));
  } else if (type == "Reference") {
    out = Node::object();
    out.append_member("display", Node::string("x"));
  } else if (type == "Period") {
    out = Node::object();
    out.append_member("start", Node::string("2020-01-01"));
  } else if (type == "Quantity") {
    out = Node::object();
    out.append_member("value", Node::number("1"));
  } else
    return false;
  return true;
}

}  // namespace

const char* mutation_name(Mutation m) {
  static constexpr const char* kNames[] = {"remove-required",
                                           "wrong-status-code",
                                           "number-for-string",
                                           "unknown-element",
                                           "impossible-date",
                                           "two-choice-types",
                                           "empty-object",
                                           "decimal-as-string",
                                           "data-absent-with-value",
                                           "duplicate-fullurl",
                                           "id-with-spaces",
                                           "empty-array",
                                           "empty-string",
                                           "array-for-single",
                                           "single-for-array",
                                           "bad-reference-format",
                                           "wrong-reference-target",
                                           "unknown-resource-type",
                                           "null-value",
                                           "string-for-boolean",
                                           "uri-with-space",
                                           "non-positive-positiveint",
                                           "datetime-without-zone",
                                           "unresolved-local-reference"};
  return kNames[static_cast<int>(m)];
}

bool mutate(const model::Registry& registry, Node& resource, Mutation m, std::mt19937& rng) {
  SiteCollector c(registry);
  c.resource(resource, true);
  if (c.resources.empty()) return false;
  std::vector<Site*> sites;
  auto select = [&](const std::function<bool(const Site&)>& pred) {
    sites.clear();
    for (Site& s : c.sites)
      if (pred(s)) sites.push_back(&s);
    return pick(sites, rng);
  };
  switch (m) {
    case Mutation::RemoveRequired: {
      Site* s = select([&](const Site& x) { return x.index < 0 && x.element->min >= 1 && !has_extension_sibling(x); });
      if (s == nullptr) return false;
      return s->parent->erase(s->key);
    }
    case Mutation::WrongStatusCode: {
      Site* s = select([&](const Site& x) {
        if (x.whole_array || x.type != "code" || !x.element->binding ||
            x.element->binding->strength != model::BindingStrength::Required)
          return false;
        const auto* vs = registry.find_value_set(x.element->binding->value_set);
        return vs != nullptr && vs->complete && x.value->is_string();
      });
      if (s == nullptr) return false;
      replace(*s, Node::string("not-a-valid-code"));
      return true;
    }
    case Mutation::NumberForString: {
      Site* s = select([&](const Site& x) {
        return !x.whole_array && x.value->is_string() &&
               (kind_of(x) == PrimitiveKind::String || kind_of(x) == PrimitiveKind::Markdown);
      });
      if (s == nullptr) return false;
      replace(*s, Node::number("42"));
      return true;
    }
    case Mutation::UnknownElement: {
      Site* s = select([&](const Site& x) { return !x.whole_array && x.value->is_object() && x.value->size() > 0; });
      Node* target = s != nullptr && std::uniform_int_distribution<int>(0, 1)(rng) == 1 ? s->value : &resource;
      target->append_member("unknownElementXyz", Node::string("x"));
      return true;
    }
    case Mutation::ImpossibleDate: {
      Site* s = select([&](const Site& x) {
        return !x.whole_array && x.value->is_string() &&
               (kind_of(x) == PrimitiveKind::Date || kind_of(x) == PrimitiveKind::DateTime ||
                kind_of(x) == PrimitiveKind::Instant);
      });
      if (s == nullptr) return false;
      replace(*s, Node::string(kind_of(*s) == PrimitiveKind::Instant ? "2020-02-30T10:00:00Z" : "2020-02-30"));
      return true;
    }
    case Mutation::TwoChoiceTypes: {
      Site* s = select([&](const Site& x) { return x.element->is_choice && x.index < 0 && !x.whole_array; });
      if (s == nullptr) return false;
      for (const auto& t : s->element->types) {
        if (t.code == s->type) continue;
        Node v;
        if (!sample_value(t.code, v)) continue;
        const std::string key = s->element->name + capitalized(t.code);
        if (s->parent->find(key) != nullptr) continue;
        s->parent->append_member(key, std::move(v));
        return true;
      }
      return false;
    }
    case Mutation::EmptyObject: {
      Site* s = select([&](const Site& x) { return !x.whole_array && x.value->is_object(); });
      if (s == nullptr) return false;
      replace(*s, Node::object());
      return true;
    }
    case Mutation::DecimalAsString: {
      Site* s = select([&](const Site& x) {
        return !x.whole_array && x.value->is_number() && kind_of(x) == PrimitiveKind::Decimal;
      });
      if (s == nullptr) return false;
      replace(*s, Node::string(s->value->text()));
      return true;
    }
    case Mutation::DataAbsentWithValue: {
      for (const ResourceSite& r : c.resources) {
        if (r.def->name != "Observation") continue;
        bool has_value = false;
        for (const json::Member& mm : r.node->members())
          if (std::string_view(mm.key).substr(0, 5) == "value") has_value = true;
        Node dar = Node::object();
        dar.append_member("text", Node::string("unknown"));
        if (has_value) {
          if (r.node->find("dataAbsentReason") == nullptr) r.node->append_member("dataAbsentReason", std::move(dar));
        } else {
          r.node->append_member("valueString", Node::string("x"));
          if (r.node->find("dataAbsentReason") == nullptr) r.node->append_member("dataAbsentReason", std::move(dar));
        }
        return true;
      }
      return false;
    }
    case Mutation::DuplicateFullUrl: {
      for (const ResourceSite& r : c.resources) {
        if (r.def->name != "Bundle") continue;
        const Node* type = r.node->find("type");
        if (type != nullptr && type->text() == "history") continue;
        Node* entries = r.node->find("entry");
        if (entries == nullptr || !entries->is_array()) continue;
        std::vector<Node*> with_url;
        for (Node& e : entries->items())
          if (e.is_object() && e.find("fullUrl") != nullptr) with_url.push_back(&e);
        if (with_url.size() < 2) continue;
        const std::size_t j = std::uniform_int_distribution<std::size_t>(1, with_url.size() - 1)(rng);
        with_url[j]->set("fullUrl", Node(*with_url[0]->find("fullUrl")));
        for (Node* e : {with_url[0], with_url[j]}) {
          Node* res = e->find("resource");
          Node* meta = res != nullptr ? res->find("meta") : nullptr;
          if (meta != nullptr && meta->is_object()) meta->erase("versionId");
        }
        return true;
      }
      return false;
    }
    case Mutation::IdWithSpaces: resource.set("id", Node::string("bad id")); return true;
    case Mutation::EmptyArray: {
      Site* s = select([&](const Site& x) { return x.whole_array; });
      if (s == nullptr) return false;
      replace(*s, Node::array());
      return true;
    }
    case Mutation::EmptyString: {
      Site* s = select([&](const Site& x) { return !x.whole_array && x.value->is_string() && is_string_primitive(x); });
      if (s == nullptr) return false;
      replace(*s, Node::string(""));
      return true;
    }
    case Mutation::ArrayForSingle: {
      Site* s = select([&](const Site& x) {
        return x.index < 0 && !x.whole_array && !x.element->is_array() && !has_extension_sibling(x);
      });
      if (s == nullptr) return false;
      Node arr = Node::array();
      arr.push_back(Node(*s->value));
      replace(*s, std::move(arr));
      return true;
    }
    case Mutation::SingleForArray: {
      Site* s =
          select([&](const Site& x) { return x.whole_array && x.value->size() >= 1 && !has_extension_sibling(x); });
      if (s == nullptr) return false;
      Node first(s->value->items()[0]);
      replace(*s, std::move(first));
      return true;
    }
    case Mutation::BadReferenceFormat: {
      Site* s = select([&](const Site& x) {
        return !x.whole_array && x.type == "Reference" && x.value->is_object() && x.value->find("reference") != nullptr;
      });
      if (s == nullptr) return false;
      s->value->set("reference", Node::string("not a reference"));
      return true;
    }
    case Mutation::WrongReferenceTarget: {
      Site* s = select([&](const Site& x) {
        if (x.whole_array || x.type != "Reference" || !x.value->is_object()) return false;
        for (const auto& t : x.element->types)
          for (const auto& p : t.target_profiles)
            if (p == "http://hl7.org/fhir/StructureDefinition/Resource") return false;
        return !x.element->types.empty() && !x.element->types.front().target_profiles.empty();
      });
      if (s == nullptr) return false;
      for (const char* candidate : {"Basic", "Linkage", "Library", "TestScript"}) {
        bool allowed = false;
        for (const auto& p : s->element->types.front().target_profiles)
          if (p == std::string("http://hl7.org/fhir/StructureDefinition/") + candidate) allowed = true;
        if (allowed) continue;
        s->value->erase("type");
        s->value->set("reference", Node::string(std::string(candidate) + "/mutated-target"));
        return true;
      }
      return false;
    }
    case Mutation::UnknownResourceType: resource.set("resourceType", Node::string("NotAResourceType")); return true;
    case Mutation::NullValue: {
      Site* s = select([&](const Site& x) { return x.index < 0 && !x.whole_array && !has_extension_sibling(x); });
      if (s == nullptr) return false;
      replace(*s, Node::null());
      return true;
    }
    case Mutation::StringForBoolean: {
      Site* s = select([&](const Site& x) { return !x.whole_array && x.value->is_bool(); });
      if (s == nullptr) return false;
      replace(*s, Node::string(s->value->as_bool() ? "true" : "false"));
      return true;
    }
    case Mutation::UriWithSpace: {
      Site* s = select([&](const Site& x) {
        const PrimitiveKind k = kind_of(x);
        return !x.whole_array && x.value->is_string() &&
               (k == PrimitiveKind::Uri || k == PrimitiveKind::Url || k == PrimitiveKind::Canonical);
      });
      if (s == nullptr) return false;
      replace(*s, Node::string("http://example.org/with space"));
      return true;
    }
    case Mutation::NegativePositiveInt: {
      Site* s = select([&](const Site& x) {
        return !x.whole_array && x.value->is_number() &&
               (kind_of(x) == PrimitiveKind::PositiveInt || kind_of(x) == PrimitiveKind::UnsignedInt);
      });
      if (s == nullptr) return false;
      replace(*s, Node::number(kind_of(*s) == PrimitiveKind::PositiveInt ? "0" : "-1"));
      return true;
    }
    case Mutation::DateTimeWithoutZone: {
      Site* s = select([&](const Site& x) {
        return !x.whole_array && x.value->is_string() &&
               (kind_of(x) == PrimitiveKind::DateTime || kind_of(x) == PrimitiveKind::Instant);
      });
      if (s == nullptr) return false;
      replace(*s, Node::string("2020-01-01T10:00:00"));
      return true;
    }
    case Mutation::UnresolvedLocalReference: {
      Site* s = select([&](const Site& x) { return !x.whole_array && x.type == "Reference" && x.value->is_object(); });
      if (s == nullptr) return false;
      s->value->set("reference", Node::string("#no-such-contained-resource"));
      return true;
    }
    case Mutation::kCount: break;
  }
  return false;
}

}  // namespace fhir::validation::testing
