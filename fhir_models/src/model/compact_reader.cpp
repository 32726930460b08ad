// Reads the compact metadata format (see fhir/model/compact_metadata.h) into a Registry.
// RapidJSON is used directly (not json::parse) because this runs at start-up and must be fast.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <string>

#include "definition_codes.h"
#include "fhir/json/parser.h"
#include "fhir/model/metadata.h"

namespace fhir::model {
namespace {

using Value = rapidjson::Value;
constexpr unsigned kParseFlags = rapidjson::kParseDefaultFlags;

struct LoadError {
  std::string message;
};

std::string_view sv(const Value& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view{};
}

const Value* member(const Value& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  const auto it = obj.FindMember(name);
  return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::string_view member_sv(const Value& obj, const char* name) {
  const Value* v = member(obj, name);
  return v != nullptr ? sv(*v) : std::string_view{};
}

bool member_true(const Value& obj, const char* name) {
  const Value* v = member(obj, name);
  if (v == nullptr) return false;
  if (v->IsBool()) return v->GetBool();
  return v->IsUint() && v->GetUint() == 1;
}

std::uint32_t to_uint(std::string_view s, std::uint32_t fallback) {
  std::uint32_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && ptr == s.data() + s.size() ? v : fallback;
}

std::uint32_t to_uint(const Value& v, std::uint32_t fallback) { return v.IsUint() ? v.GetUint() : fallback; }

std::vector<std::string> string_list(const Value* arr) {
  std::vector<std::string> out;
  if (arr == nullptr || !arr->IsArray()) return out;
  out.reserve(arr->Size());
  for (const Value& v : arr->GetArray()) out.emplace_back(sv(v));
  return out;
}

// fixed/pattern values are stored as JSON text so that numbers keep their exact lexical form.
json::Node to_node(const Value& v, const std::string& path) {
  json::ParseResult parsed = json::parse(sv(v));
  if (!parsed) throw LoadError{"element '" + path + "' has an unreadable fixed/pattern value"};
  return json::Node(parsed.document->root());
}

ElementDef read_element(const Value& v, const std::vector<Constraint>& constraints, std::size_t index) {
  ElementDef e;
  e.path = std::string(member_sv(v, "p"));
  if (e.path.empty()) throw LoadError{"element without path"};
  const auto dot = e.path.rfind('.');
  std::string_view last =
      dot == std::string::npos ? std::string_view(e.path) : std::string_view(e.path).substr(dot + 1);
  if (last.size() > 3 && last.substr(last.size() - 3) == "[x]") {
    e.is_choice = true;
    last.remove_suffix(3);
  }
  e.name = std::string(last);
  if (const Value* u = member(v, "u")) {
    e.parent = to_uint(*u, ElementDef::kNoParent);
    // Parents precede their children: this also rules out cycles.
    if (e.parent >= index) throw LoadError{"element '" + e.path + "' has an invalid parent index"};
  }
  e.slice_name = std::string(member_sv(v, "s"));
  const std::string_view card = member_sv(v, "c");
  const auto dots = card.find("..");
  if (dots == std::string_view::npos) throw LoadError{"element '" + e.path + "' has no cardinality"};
  e.min = to_uint(card.substr(0, dots), 0);
  const std::string_view max = card.substr(dots + 2);
  e.max = max == "*" ? kUnbounded : to_uint(max, kUnbounded);
  if (const Value* types = member(v, "t"); types != nullptr && types->IsArray()) {
    e.types.reserve(types->Size());
    for (const Value& t : types->GetArray()) {
      TypeRef ref;
      if (t.IsString()) {
        ref.code = std::string(sv(t));
      } else {
        ref.code = std::string(member_sv(t, "code"));
        ref.profiles = string_list(member(t, "profile"));
        ref.target_profiles = string_list(member(t, "targetProfile"));
      }
      e.types.push_back(std::move(ref));
    }
  }
  if (const Value* b = member(v, "b"); b != nullptr && b->IsArray() && b->Size() == 2) {
    e.binding = Binding{detail::binding_strength_from_code(sv((*b)[0])), std::string(sv((*b)[1]))};
  }
  e.content_reference = std::string(member_sv(v, "cr"));
  if (const Value* f = member(v, "fixed")) e.fixed = to_node(*f, e.path);
  if (const Value* p = member(v, "pattern")) e.pattern = to_node(*p, e.path);
  if (const Value* k = member(v, "k"); k != nullptr && k->IsArray()) {
    e.constraints.reserve(k->Size());
    for (const Value& idx : k->GetArray()) {
      const std::uint32_t i = to_uint(idx, kUnbounded);
      if (i >= constraints.size()) throw LoadError{"element '" + e.path + "' has an invalid constraint index"};
      e.constraints.push_back(constraints[i]);
    }
  }
  if (const Value* sl = member(v, "sl"); sl != nullptr && sl->IsObject()) {
    Slicing s;
    if (const Value* d = member(*sl, "d"); d != nullptr && d->IsArray()) {
      for (const Value& disc : d->GetArray()) {
        if (disc.IsArray() && disc.Size() == 2) {
          s.discriminators.push_back({std::string(sv(disc[0])), std::string(sv(disc[1]))});
        }
      }
    }
    s.ordered = member_true(*sl, "o");
    s.rules = std::string(member_sv(*sl, "r"));
    e.slicing = std::move(s);
  }
  e.is_modifier = member_true(v, "mod");
  e.is_summary = member_true(v, "sum");
  e.must_support = member_true(v, "ms");
  return e;
}

std::unique_ptr<TypeDef> read_type(const Value& v, const std::vector<Constraint>& constraints) {
  auto t = std::make_unique<TypeDef>();
  t->name = std::string(member_sv(v, "name"));
  t->url = std::string(member_sv(v, "url"));
  t->id = std::string(member_sv(v, "id"));
  if (t->id.empty()) t->id = t->name;
  t->base_url = std::string(member_sv(v, "base"));
  t->kind = detail::type_kind_from_code(member_sv(v, "kind"));
  t->abstract = member_true(v, "abstract");
  t->is_profile = member_true(v, "profile");
  const Value* elements = member(v, "elements");
  if (elements == nullptr || !elements->IsArray() || elements->Empty()) {
    throw LoadError{"type '" + t->url + "' has no elements"};
  }
  t->elements.reserve(elements->Size());
  for (const Value& e : elements->GetArray()) {
    try {
      t->elements.push_back(read_element(e, constraints, t->elements.size()));
    } catch (const LoadError& err) {
      throw LoadError{"type '" + t->url + "': " + err.message};
    }
  }
  t->link();
  return t;
}

}  // namespace

bool Registry::load_compact(std::string_view json_text, std::string* error) {
  rapidjson::Document doc;
  doc.Parse<kParseFlags>(json_text.data(), json_text.size());
  if (doc.HasParseError()) {
    if (error != nullptr) {
      *error = std::string("compact metadata: ") + rapidjson::GetParseError_En(doc.GetParseError()) + " at byte " +
               std::to_string(doc.GetErrorOffset());
    }
    return false;
  }
  if (!doc.IsObject() || member_sv(doc, "format") != "fhirgw-metadata/1") {
    if (error != nullptr) *error = "compact metadata: not a fhirgw-metadata/1 document";
    return false;
  }
  try {
    std::vector<Constraint> constraints;
    if (const Value* cs = member(doc, "constraints"); cs != nullptr && cs->IsArray()) {
      constraints.reserve(cs->Size());
      for (const Value& c : cs->GetArray()) {
        if (!c.IsArray() || c.Size() != 4) throw LoadError{"malformed constraint"};
        constraints.push_back({std::string(sv(c[0])),
                               sv(c[1]) == "warning" ? ConstraintSeverity::Warning : ConstraintSeverity::Error,
                               std::string(sv(c[2])), std::string(sv(c[3]))});
      }
    }
    // Parse everything first so that a malformed document leaves the registry unchanged.
    std::vector<std::unique_ptr<TypeDef>> types;
    if (const Value* ts = member(doc, "types"); ts != nullptr && ts->IsArray()) {
      for (const Value& t : ts->GetArray()) types.push_back(read_type(t, constraints));
    }
    std::vector<std::unique_ptr<ValueSetExpansion>> value_sets;
    if (const Value* vss = member(doc, "valueSets"); vss != nullptr && vss->IsArray()) {
      for (const Value& v : vss->GetArray()) {
        auto vs = std::make_unique<ValueSetExpansion>();
        vs->url = std::string(member_sv(v, "url"));
        vs->complete = member_true(v, "complete");
        if (const Value* codes = member(v, "codes"); codes != nullptr && codes->IsObject()) {
          for (const auto& m : codes->GetObject()) vs->codes_by_system.emplace(sv(m.name), string_list(&m.value));
        }
        value_sets.push_back(std::move(vs));
      }
    }
    std::vector<std::unique_ptr<CodeSystemInfo>> code_systems;
    if (const Value* css = member(doc, "codeSystems"); css != nullptr && css->IsArray()) {
      for (const Value& v : css->GetArray()) {
        auto cs = std::make_unique<CodeSystemInfo>();
        cs->url = std::string(member_sv(v, "url"));
        cs->content = std::string(member_sv(v, "content"));
        const Value* sens = member(v, "caseSensitive");
        cs->case_sensitive = sens == nullptr || !sens->IsBool() || sens->GetBool();
        if (const Value* concepts = member(v, "concepts"); concepts != nullptr && concepts->IsArray()) {
          cs->codes.reserve(concepts->Size());
          for (const Value& c : concepts->GetArray()) {
            if (c.IsArray() && c.Size() == 2) cs->codes.emplace(sv(c[0]), sv(c[1]));
          }
        }
        code_systems.push_back(std::move(cs));
      }
    }
    std::vector<std::unique_ptr<SearchParamDef>> params;
    if (const Value* sps = member(doc, "searchParams"); sps != nullptr && sps->IsArray()) {
      for (const Value& v : sps->GetArray()) {
        auto sp = std::make_unique<SearchParamDef>();
        sp->name = std::string(member_sv(v, "name"));
        sp->url = std::string(member_sv(v, "url"));
        sp->type = std::string(member_sv(v, "type"));
        sp->base = string_list(member(v, "base"));
        sp->expression = std::string(member_sv(v, "expression"));
        sp->targets = string_list(member(v, "target"));
        params.push_back(std::move(sp));
      }
    }
    for (auto& t : types) add_type(std::move(t));
    for (auto& t : types_) resolve_type_refs(*t);  // references to types added after their user
    for (auto& vs : value_sets) add_value_set(std::move(vs));
    for (auto& cs : code_systems) add_code_system(std::move(cs));
    for (auto& sp : params) add_search_param(std::move(sp));
  } catch (const LoadError& err) {
    if (error != nullptr) *error = "compact metadata: " + err.message;
    return false;
  }
  return true;
}

}  // namespace fhir::model
