// Validation against profiles (constraint StructureDefinitions compiled at run time): tightened
// cardinality, fixed and pattern values, allowed types and reference targets, required bindings,
// invariants the profile adds, type profiles (extensions, datatype profiles) and slicing with value,
// pattern, type, exists and profile discriminators. The core walk has already checked the structure,
// so this pass only reports what the profile adds.
#include <algorithm>
#include <string>

#include "fhir/json/writer.h"
#include "invariants.h"
#include "walker.h"

namespace fhir::validation::detail {
namespace {

using json::Node;
using model::ElementDef;
using model::TypeDef;

constexpr int kMaxProfileDepth = 24;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "Quantity" matches the JSON suffix "Quantity", "dateTime" matches "DateTime".
bool suffix_is_type(std::string_view code, std::string_view suffix) {
  if (code.empty() || code.size() != suffix.size()) return false;
  char first = code[0];
  if (first >= 'a' && first <= 'z') first = static_cast<char>(first - 'a' + 'A');
  return first == suffix[0] && code.substr(1) == suffix.substr(1);
}

// Pattern semantics: every member of the pattern is present with a matching value; each pattern array
// item matches some item of the value's array.
bool pattern_matches(const Node& pattern, const Node& v) {
  if (pattern.is_object()) {
    if (!v.is_object()) return false;
    for (const json::Member& pm : pattern.members()) {
      const Node* vv = v.find(pm.key);
      if (vv == nullptr || !pattern_matches(pm.value, *vv)) return false;
    }
    return true;
  }
  if (pattern.is_array()) {
    if (!v.is_array()) return false;
    for (const Node& pi : pattern.items()) {
      bool found = false;
      for (const Node& vi : v.items()) found = found || pattern_matches(pi, vi);
      if (!found) return false;
    }
    return true;
  }
  return pattern.kind() == v.kind() && pattern.text() == v.text();
}

std::string compact(const Node& n) {
  std::string s = json::to_string(n);
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

// The JSON values at a dotted path below `v` ("coding.code", "url", "$this"); choice names match their
// typed forms ("value" finds "valueQuantity").
void values_at(const Node& v, std::string_view path, std::vector<const Node*>& out) {
  if (path.empty() || path == "$this") {
    if (v.is_array()) {
      for (const Node& i : v.items()) out.push_back(&i);
    } else {
      out.push_back(&v);
    }
    return;
  }
  if (v.is_array()) {
    for (const Node& i : v.items()) values_at(i, path, out);
    return;
  }
  if (!v.is_object()) return;
  const auto dot = path.find('.');
  const std::string_view seg = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  for (const json::Member& m : v.members()) {
    const std::string_view k = m.key;
    const bool hit =
        k == seg || (k.size() > seg.size() && starts_with(k, seg) && k[seg.size()] >= 'A' && k[seg.size()] <= 'Z');
    if (hit) values_at(m.value, rest, out);
  }
}

// The element of `profile` at `path` below `start` (dotted JSON names; "$this" = start itself). Slices on
// the way are searched too (a discriminator "code.coding.code" may find its fixed value inside the slice
// "coding:SBPCode"); with `want_value` the first element that has a fixed or pattern value wins.
const ElementDef* element_at(const TypeDef& profile, std::uint32_t start, std::string_view path, bool want_value) {
  if (path == "$this" || path.empty()) return &profile.elements[start];
  const auto dot = path.find('.');
  const std::string_view seg = path.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  if (seg.find('(') != std::string_view::npos) return nullptr;  // resolve(), ofType(), extension(): not supported
  const ElementDef& parent = profile.children_source(profile.elements[start]);
  const ElementDef* fallback = nullptr;
  for (int pass = 0; pass < 2; ++pass) {  // unsliced children first, then slices
    for (const std::uint32_t idx : parent.children) {
      const ElementDef& c = profile.elements[idx];
      if (c.name != seg || c.slice_name.empty() != (pass == 0)) continue;
      const ElementDef* found = rest.empty() ? &c : element_at(profile, idx, rest, want_value);
      if (found == nullptr) continue;
      if (!want_value || found->fixed || found->pattern) return found;
      if (fallback == nullptr) fallback = found;
    }
  }
  return fallback;
}

}  // namespace

struct Walker::ProfileValue {
  const Node* value = nullptr;           // nullptr for a primitive that only has its _x extension
  const model::TypeRef* type = nullptr;  // the type in the profile (choice resolved)
  std::string_view type_code;            // type code from the JSON name (choices) or the element
  std::int64_t index = -1;
  std::string_view name;  // JSON name
};

void Walker::note_unknown_profile(std::string_view url, const char* what, const PathSeg* path, const Node* node) {
  for (const std::string& u : unknown_profiles_reported_)
    if (u == url) return;
  unknown_profiles_reported_.emplace_back(url);
  report(Severity::Information, "not-supported",
         std::string(what) + " profile " + std::string(url) +
             " is not loaded: values were not checked against it (its cardinalities, fixed and pattern values, "
             "bindings, slices and invariants were skipped)",
         path, node);
}

void Walker::check_profiles(const Node& obj, const TypeDef& def, const PathSeg* path, ResourceCtx& rc) {
  std::vector<std::string_view> urls;
  if (const Node* meta = obj.find("meta"); meta != nullptr && meta->is_object()) {
    if (const Node* profiles = meta->find("profile"); profiles != nullptr && profiles->is_array())
      for (const Node& p : profiles->items())
        if (p.is_string()) urls.push_back(p.text());
  }
  if (depth_ == 1)  // options name profiles for the resource given to validate(), not for what it contains
    for (const std::string& p : options_.profiles) urls.push_back(p);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (std::find(urls.begin(), urls.begin() + static_cast<std::ptrdiff_t>(i), urls[i]) !=
        urls.begin() + static_cast<std::ptrdiff_t>(i))
      continue;
    const TypeDef* profile = registry_.find_by_url(urls[i]);
    if (profile == nullptr) {
      if (options_.errors_only) continue;  // only a warning to say
      // Once per validation: a Bundle of many resources claiming the same missing profile says it once.
      if (std::find(unknown_profiles_reported_.begin(), unknown_profiles_reported_.end(), urls[i]) !=
          unknown_profiles_reported_.end())
        continue;
      unknown_profiles_reported_.emplace_back(urls[i]);
      report(Severity::Warning, "not-supported",
             "profile " + std::string(urls[i]) +
                 " is not known: only the core checks were applied (its cardinalities, fixed and pattern values,"
                 " bindings, slices and invariants were skipped)",
             path, &obj);
      continue;
    }
    if (!profile->is_profile) continue;  // a core definition: already checked
    if (profile->name != def.name) {
      report(Severity::Error, "structure",
             "profile " + profile->url + " constrains " + profile->name + ", not " + def.name, path, &obj);
      continue;
    }
    profile_resource(obj, *profile, path, rc);
  }
}

void Walker::profile_resource(const Node& obj, const TypeDef& profile, const PathSeg* path, ResourceCtx& rc) {
  const TypeDef* saved = current_profile_;
  current_profile_ = &profile;
  profile_invariants(obj, profile, 0, profile.name, path, rc);
  profile_object(obj, profile, 0, path, rc, 0);
  current_profile_ = saved;
}

void Walker::profile_invariants(const Node& v, const TypeDef& profile, std::uint32_t element,
                                std::string_view type_name, const PathSeg* path, ResourceCtx& rc) {
  if (!options_.check_invariants || invariants_ == nullptr) return;
  const ElementDef& el = profile.elements[element];
  for (const model::Constraint& c : el.constraints) {
    if (c.severity != model::ConstraintSeverity::Error || is_native_constraint(c.key) ||
        invariants_->is_core_key(c.key))
      continue;
    InvariantSite site{&v, nullptr, &profile, element, type_name, rc.node, rc.root().node, rc.outer_bundle};
    std::string why;
    switch (invariants_->check(c, site, &why)) {
      case Verdict::Pass: break;
      case Verdict::Fail:
        report(Severity::Error, "invariant",
               "profile " + profile.url + ": " + c.key + ": " + c.human + " (" + c.expression + ")", path, &v);
        break;
      case Verdict::CannotEvaluate:
        report(Severity::Information, "informational",
               "profile " + profile.url + ": constraint " + c.key + " was not checked: " + why, path, &v);
        break;
    }
  }
}

void Walker::profile_object(const Node& obj, const TypeDef& profile, std::uint32_t element, const PathSeg* path,
                            ResourceCtx& rc, int depth) {
  if (!obj.is_object() || depth > kMaxProfileDepth) return;
  const ElementDef& parent = profile.children_source(profile.elements[element]);
  const std::string& purl = profile.url;
  std::vector<ProfileValue> values;
  std::vector<std::uint32_t> slices;
  for (const std::uint32_t idx : parent.children) {
    const ElementDef& c = profile.elements[idx];
    if (!c.slice_name.empty()) continue;
    // The values of this element in the object.
    values.clear();
    for (const json::Member& m : obj.members()) {
      std::string_view key = m.key;
      const bool underscore = !key.empty() && key[0] == '_';
      if (underscore) key.remove_prefix(1);
      const model::TypeRef* type = nullptr;
      std::string_view type_code;
      if (c.is_choice) {
        if (key.size() <= c.name.size() || !starts_with(key, c.name)) continue;
        const std::string_view suffix = key.substr(c.name.size());
        if (suffix[0] < 'A' || suffix[0] > 'Z') continue;
        for (const model::TypeRef& t : c.types)
          if (suffix_is_type(t.code, suffix)) type = &t;
        if (type == nullptr) {
          if (!underscore) {
            const PathSeg seg{path, key, -1};
            report(Severity::Error, "structure",
                   "profile " + purl + ": type " + std::string(suffix) + " is not allowed for " + c.name + "[x]", &seg,
                   &m.value);
          }
          continue;
        }
        type_code = type->code;
      } else {
        if (key != c.name) continue;
        if (!c.types.empty()) {
          type = &c.types.front();
          type_code = type->code;
        }
      }
      if (underscore) {
        if (obj.find(key) != nullptr) continue;  // counted with the value
        values.push_back({nullptr, type, type_code, -1, key});
        continue;
      }
      if (m.value.is_array()) {
        std::int64_t i = 0;
        for (const Node& item : m.value.items()) {
          if (!item.is_null()) values.push_back({&item, type, type_code, i, key});
          ++i;
        }
      } else if (!m.value.is_null()) {
        values.push_back({&m.value, type, type_code, -1, key});
      }
    }
    const auto count = static_cast<std::uint32_t>(values.size());
    if (count < c.min) {
      const PathSeg seg{path, c.name, -1};
      report(Severity::Error, "required",
             "profile " + purl + ": " + c.name + (c.is_choice ? "[x]" : "") + " requires at least " +
                 std::to_string(c.min) + " value(s), found " + std::to_string(count),
             &seg, &obj);
    } else if (count > c.max) {
      const PathSeg seg{path, values[c.max].name, -1};
      report(Severity::Error, "structure",
             c.max == 0 ? "profile " + purl + ": " + c.name + " is not allowed"
                        : "profile " + purl + ": " + c.name + " allows at most " + std::to_string(c.max) +
                              " value(s), found " + std::to_string(count),
             &seg, values[c.max].value != nullptr ? values[c.max].value : &obj);
    }
    for (const ProfileValue& pv : values) {
      if (pv.value == nullptr) continue;
      const PathSeg seg{path, pv.name, pv.index};
      profile_value(pv, profile, c, &seg, rc, depth);
    }
    slices.clear();
    for (const std::uint32_t sidx : parent.children) {
      const ElementDef& s = profile.elements[sidx];
      if (!s.slice_name.empty() && s.path == c.path) slices.push_back(sidx);
    }
    if (!slices.empty()) profile_slices(values, profile, c, slices, path, rc, depth);
  }
}

void Walker::profile_value(const ProfileValue& pv, const TypeDef& profile, const ElementDef& el, const PathSeg* path,
                           ResourceCtx& rc, int depth) {
  const Node& v = *pv.value;
  const std::string& purl = profile.url;
  if (el.fixed && !(*el.fixed == v)) {
    report(Severity::Error, "value", "profile " + purl + ": value must be exactly " + compact(*el.fixed), path, &v);
  }
  if (el.pattern && !pattern_matches(*el.pattern, v)) {
    report(Severity::Error, "value", "profile " + purl + ": value must match the pattern " + compact(*el.pattern), path,
           &v);
  }
  const Slot slot{&profile, &el, pv.type};
  if (el.binding && el.binding->strength == model::BindingStrength::Required && options_.check_terminology) {
    if (pv.type_code == "code" && v.is_string()) {
      check_code_binding(v, slot, path);
    } else if (pv.type_code == "Coding" && v.is_object()) {
      check_coding_binding(v, slot, path);
    } else if (pv.type_code == "CodeableConcept" && v.is_object()) {
      check_concept_binding(v, slot, path);
    } else if (pv.type_code == "Quantity" && v.is_object()) {
      check_quantity_binding(v, slot, path);
    }
  }
  if (pv.type_code == "Reference" && v.is_object() && pv.type != nullptr && !pv.type->target_profiles.empty()) {
    check_reference_target(v, *pv.type, purl, path, rc);
  }
  if (depth >= kMaxProfileDepth) return;
  const std::uint32_t index = profile.index_of(el);
  if (v.is_object()) {
    if (!profile.children_source(el).children.empty()) profile_object(v, profile, index, path, rc, depth + 1);
    profile_invariants(v, profile, index, pv.type_code, path, rc);
  }
  if (pv.type != nullptr) {
    for (const std::string& url : pv.type->profiles) {
      const TypeDef* tp = registry_.find_by_url(url);
      if (tp == nullptr) {
        note_unknown_profile(url, "type", path, &v);
        continue;
      }
      if (!tp->is_profile || !v.is_object()) continue;
      const ElementDef& root = tp->root();
      if (root.fixed && !(*root.fixed == v))
        report(Severity::Error, "value", "profile " + tp->url + ": value must be exactly " + compact(*root.fixed), path,
               &v);
      if (root.pattern && !pattern_matches(*root.pattern, v))
        report(Severity::Error, "value", "profile " + tp->url + ": value must match " + compact(*root.pattern), path,
               &v);
      profile_invariants(v, *tp, 0, tp->name, path, rc);
      profile_object(v, *tp, 0, path, rc, depth + 1);
    }
  }
}

bool Walker::conforms_to(const Node& v, const TypeDef& profile, std::uint32_t element, ResourceCtx& rc) {
  Outcome scratch;
  Outcome* saved = outcome_;
  outcome_ = &scratch;
  const ElementDef& el = profile.elements[element];
  ProfileValue pv{&v, el.types.empty() ? nullptr : &el.types.front(),
                  el.types.empty() ? std::string_view{} : std::string_view(el.types.front().code), -1, el.name};
  profile_value(pv, profile, el, nullptr, rc, kMaxProfileDepth - 4);
  outcome_ = saved;
  return !scratch.has_errors();
}

int Walker::slice_match(const ProfileValue& pv, const TypeDef& profile, const ElementDef& sliced, std::uint32_t slice,
                        ResourceCtx& rc) {
  const ElementDef& s = profile.elements[slice];
  const Node& v = *pv.value;
  for (const model::Discriminator& d : sliced.slicing->discriminators) {
    std::vector<const Node*> found;
    if (d.type == "value" || d.type == "pattern") {
      const ElementDef* de = element_at(profile, slice, d.path, true);
      const Node* spec = nullptr;
      Node url_spec;
      if (de != nullptr) spec = de->fixed ? &*de->fixed : de->pattern ? &*de->pattern : nullptr;
      if (spec == nullptr && d.path == "url" && !s.types.empty() && !s.types.front().profiles.empty()) {
        url_spec = Node::string(s.types.front().profiles.front());  // extension slices: the extension's URL
        spec = &url_spec;
      }
      if (spec == nullptr) return -1;
      values_at(v, d.path, found);
      bool any = false;
      for (const Node* f : found) any = any || pattern_matches(*spec, *f);
      if (!any) return 0;
    } else if (d.type == "type") {
      if (s.types.empty()) return -1;
      if (d.path == "$this") {
        if (pv.type_code != s.types.front().code) return 0;
        continue;
      }
      values_at(v, d.path, found);
      bool any = false;
      for (const Node* f : found) {
        const Node* rt = f->is_object() ? f->find("resourceType") : nullptr;
        const ElementDef* de = element_at(profile, slice, d.path, false);
        if (rt != nullptr && de != nullptr && !de->types.empty())
          for (const model::TypeRef& t : de->types) any = any || t.code == rt->text();
      }
      if (!any) return 0;
    } else if (d.type == "exists") {
      const ElementDef* de = element_at(profile, slice, d.path, false);
      if (de == nullptr) return -1;
      values_at(v, d.path, found);
      if (de->min > 0 && found.empty()) return 0;
      if (de->max == 0 && !found.empty()) return 0;
    } else if (d.type == "profile") {
      const ElementDef* de = element_at(profile, slice, d.path, false);
      if (de == nullptr || de->types.empty() || de->types.front().profiles.empty()) return -1;
      const TypeDef* tp = registry_.find_by_url(de->types.front().profiles.front());
      if (tp == nullptr) return -1;
      values_at(v, d.path, found);
      bool any = false;
      for (const Node* f : found) {
        if (f->is_object() && f->find("resourceType") != nullptr) {
          const Node* rt = f->find("resourceType");
          any = any || (rt->is_string() && rt->text() == tp->name && conforms_to(*f, *tp, 0, rc));
        } else {
          any = any || conforms_to(*f, *tp, 0, rc);
        }
      }
      if (!any) return 0;
    } else {
      return -1;
    }
  }
  return 1;
}

void Walker::profile_slices(const std::vector<ProfileValue>& values, const TypeDef& profile, const ElementDef& sliced,
                            const std::vector<std::uint32_t>& slices, const PathSeg* path, ResourceCtx& rc, int depth) {
  const std::string& purl = profile.url;
  if (!sliced.slicing || sliced.slicing->discriminators.empty()) return;
  std::vector<std::uint32_t> counts(slices.size(), 0);
  std::vector<bool> unknown(slices.size(), false);
  for (const ProfileValue& pv : values) {
    if (pv.value == nullptr) continue;
    bool matched = false;
    for (std::size_t k = 0; k < slices.size() && !matched; ++k) {
      const int m = slice_match(pv, profile, sliced, slices[k], rc);
      if (m < 0) unknown[k] = true;
      if (m != 1) continue;
      matched = true;
      ++counts[k];
      const PathSeg seg{path, pv.name, pv.index};
      ProfileValue in_slice = pv;
      const ElementDef& s = profile.elements[slices[k]];
      if (!s.types.empty() && pv.type != nullptr) {
        for (const model::TypeRef& t : s.types)
          if (t.code == pv.type_code) in_slice.type = &t;
      }
      profile_value(in_slice, profile, s, &seg, rc, depth);
    }
    if (!matched && sliced.slicing->rules == "closed") {
      const PathSeg seg{path, pv.name, pv.index};
      report(Severity::Error, "structure",
             "profile " + purl + ": value does not match any slice of " + sliced.path + " (closed slicing)", &seg,
             pv.value);
    }
  }
  for (std::size_t k = 0; k < slices.size(); ++k) {
    const ElementDef& s = profile.elements[slices[k]];
    const PathSeg seg{path, sliced.name, -1};
    if (unknown[k]) {
      if (s.min > 0 && counts[k] < s.min)
        report(Severity::Information, "not-supported",
               "profile " + purl + ": slice " + s.slice_name + " of " + sliced.path +
                   " could not be checked (discriminator not supported)",
               &seg, nullptr);
      continue;
    }
    if (counts[k] < s.min) {
      report(Severity::Error, "required",
             "profile " + purl + ": slice " + s.slice_name + " of " + sliced.path + " requires at least " +
                 std::to_string(s.min) + " value(s), found " + std::to_string(counts[k]),
             &seg, rc.node);
    } else if (counts[k] > s.max) {
      report(Severity::Error, "structure",
             "profile " + purl + ": slice " + s.slice_name + " of " + sliced.path + " allows at most " +
                 std::to_string(s.max) + " value(s), found " + std::to_string(counts[k]),
             &seg, rc.node);
    }
  }
}

}  // namespace fhir::validation::detail
