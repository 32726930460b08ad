// Writes the compact metadata format (see fhir/model/compact_metadata.h).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "fhir/json/writer.h"
#include "fhir/model/compact_metadata.h"

namespace fhir::model {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
void key(Writer& w, std::string_view s) { w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void put_list(Writer& w, std::string_view name, const std::vector<std::string>& list) {
  if (list.empty()) return;
  key(w, name);
  w.StartArray();
  for (const std::string& s : list) put(w, s);
  w.EndArray();
}

// fixed/pattern values are stored as JSON text (a string) so that numbers keep their exact lexical form.
void put_raw(Writer& w, const json::Node& node) { put(w, json::to_string(node)); }

const char* strength_name(BindingStrength s) {
  switch (s) {
    case BindingStrength::Required: return "required";
    case BindingStrength::Extensible: return "extensible";
    case BindingStrength::Preferred: return "preferred";
    case BindingStrength::Example: return "example";
  }
  return "example";
}

const char* kind_name(TypeKind k) {
  switch (k) {
    case TypeKind::PrimitiveType: return "primitive-type";
    case TypeKind::ComplexType: return "complex-type";
    case TypeKind::Resource: return "resource";
    case TypeKind::Logical: return "logical";
  }
  return "complex-type";
}

std::string cardinality(const ElementDef& e) {
  return std::to_string(e.min) + ".." + (e.max == kUnbounded ? std::string("*") : std::to_string(e.max));
}

}  // namespace

struct CompactWriter::State {
  std::string note;
  std::vector<std::string> constraints;  // each a JSON array text
  std::map<std::string, std::size_t> constraint_index;
  std::vector<std::string> types, value_sets, code_systems, search_params;
  std::size_t bytes = 0;

  std::size_t constraint(const Constraint& c) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartArray();
    put(w, c.key);
    put(w, c.severity == ConstraintSeverity::Error ? "error" : "warning");
    put(w, c.human);
    put(w, c.expression);
    w.EndArray();
    std::string text(buf.GetString(), buf.GetSize());
    const auto [it, inserted] = constraint_index.emplace(text, constraints.size());
    if (inserted) {
      bytes += text.size() + 2;
      constraints.push_back(std::move(text));
    }
    return it->second;
  }

  void element(Writer& w, const ElementDef& e) {
    w.StartObject();
    key(w, "p");
    put(w, e.path);
    if (e.parent != ElementDef::kNoParent) {
      key(w, "u");
      w.Uint(e.parent);
    }
    if (!e.slice_name.empty()) {
      key(w, "s");
      put(w, e.slice_name);
    }
    key(w, "c");
    put(w, cardinality(e));
    if (!e.types.empty()) {
      key(w, "t");
      w.StartArray();
      for (const TypeRef& t : e.types) {
        if (t.profiles.empty() && t.target_profiles.empty()) {
          put(w, t.code);
          continue;
        }
        w.StartObject();
        key(w, "code");
        put(w, t.code);
        put_list(w, "profile", t.profiles);
        put_list(w, "targetProfile", t.target_profiles);
        w.EndObject();
      }
      w.EndArray();
    }
    if (e.binding) {
      key(w, "b");
      w.StartArray();
      put(w, strength_name(e.binding->strength));
      put(w, e.binding->value_set);
      w.EndArray();
    }
    if (!e.content_reference.empty()) {
      key(w, "cr");
      put(w, e.content_reference);
    }
    if (e.fixed) {
      key(w, "fixed");
      put_raw(w, *e.fixed);
    }
    if (e.pattern) {
      key(w, "pattern");
      put_raw(w, *e.pattern);
    }
    if (!e.constraints.empty()) {
      key(w, "k");
      w.StartArray();
      for (const Constraint& c : e.constraints) w.Uint(static_cast<unsigned>(constraint(c)));
      w.EndArray();
    }
    if (e.slicing) {
      key(w, "sl");
      w.StartObject();
      key(w, "d");
      w.StartArray();
      for (const Discriminator& d : e.slicing->discriminators) {
        w.StartArray();
        put(w, d.type);
        put(w, d.path);
        w.EndArray();
      }
      w.EndArray();
      if (e.slicing->ordered) {
        key(w, "o");
        w.Bool(true);
      }
      key(w, "r");
      put(w, e.slicing->rules);
      w.EndObject();
    }
    if (e.is_modifier) {
      key(w, "mod");
      w.Uint(1);
    }
    if (e.is_summary) {
      key(w, "sum");
      w.Uint(1);
    }
    if (e.must_support) {
      key(w, "ms");
      w.Uint(1);
    }
    w.EndObject();
  }
};

CompactWriter::CompactWriter(std::string generated_note) : state_(std::make_unique<State>()) {
  state_->note = std::move(generated_note);
}
CompactWriter::~CompactWriter() = default;

void CompactWriter::add_type(const TypeDef& t) {
  std::string text;
  {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "name");
    put(w, t.name);
    key(w, "url");
    put(w, t.url);
    if (!t.id.empty() && t.id != t.name) {
      key(w, "id");
      put(w, t.id);
    }
    if (!t.base_url.empty()) {
      key(w, "base");
      put(w, t.base_url);
    }
    key(w, "kind");
    put(w, kind_name(t.kind));
    if (t.abstract) {
      key(w, "abstract");
      w.Bool(true);
    }
    if (t.is_profile) {
      key(w, "profile");
      w.Bool(true);
    }
    key(w, "elements");
    w.StartArray();
    text.assign(buf.GetString(), buf.GetSize());
  }
  // One element per line.
  for (std::size_t i = 0; i < t.elements.size(); ++i) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    state_->element(w, t.elements[i]);
    text += i == 0 ? "\n" : ",\n";
    text.append(buf.GetString(), buf.GetSize());
  }
  text += "]}";
  state_->bytes += text.size() + 2;
  state_->types.push_back(std::move(text));
}

void CompactWriter::add_value_set(const ValueSetExpansion& vs) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  key(w, "url");
  put(w, vs.url);
  key(w, "complete");
  w.Bool(vs.complete);
  key(w, "codes");
  w.StartObject();
  std::map<std::string, std::vector<std::string>> sorted(vs.codes_by_system.begin(), vs.codes_by_system.end());
  for (auto& [system, codes] : sorted) {
    std::sort(codes.begin(), codes.end());
    key(w, system);
    w.StartArray();
    for (const std::string& c : codes) put(w, c);
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  state_->bytes += buf.GetSize() + 2;
  state_->value_sets.emplace_back(buf.GetString(), buf.GetSize());
}

void CompactWriter::add_code_system(const CodeSystemInfo& cs) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  key(w, "url");
  put(w, cs.url);
  key(w, "content");
  put(w, cs.content);
  if (!cs.case_sensitive) {
    key(w, "caseSensitive");
    w.Bool(false);
  }
  key(w, "concepts");
  w.StartArray();
  const std::map<std::string, std::string> sorted(cs.codes.begin(), cs.codes.end());
  for (const auto& [code, display] : sorted) {
    w.StartArray();
    put(w, code);
    put(w, display);
    w.EndArray();
  }
  w.EndArray();
  w.EndObject();
  state_->bytes += buf.GetSize() + 2;
  state_->code_systems.emplace_back(buf.GetString(), buf.GetSize());
}

void CompactWriter::add_search_param(const SearchParamDef& sp) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  key(w, "name");
  put(w, sp.name);
  key(w, "url");
  put(w, sp.url);
  key(w, "type");
  put(w, sp.type);
  key(w, "base");
  w.StartArray();
  for (const std::string& b : sp.base) put(w, b);
  w.EndArray();
  if (!sp.expression.empty()) {
    key(w, "expression");
    put(w, sp.expression);
  }
  put_list(w, "target", sp.targets);
  w.EndObject();
  state_->bytes += buf.GetSize() + 2;
  state_->search_params.emplace_back(buf.GetString(), buf.GetSize());
}

std::size_t CompactWriter::size() const { return state_->bytes; }

bool CompactWriter::empty() const {
  return state_->types.empty() && state_->value_sets.empty() && state_->code_systems.empty() &&
         state_->search_params.empty();
}

std::string CompactWriter::finish() const {
  std::string out;
  out.reserve(state_->bytes + 256);
  {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    key(w, "generated");
    put(w, state_->note);
    key(w, "format");
    put(w, "fhirgw-metadata/1");
    out.assign(buf.GetString(), buf.GetSize());  // unterminated object: sections follow
  }
  auto section = [&](std::string_view name, const std::vector<std::string>& items) {
    if (items.empty()) return;
    out += ",\n\"";
    out += name;
    out += "\":[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      out += i == 0 ? "\n" : ",\n";
      out += items[i];
    }
    out += "]";
  };
  section("constraints", state_->constraints);
  section("types", state_->types);
  section("valueSets", state_->value_sets);
  section("codeSystems", state_->code_systems);
  section("searchParams", state_->search_params);
  out += "}\n";
  return out;
}

}  // namespace fhir::model
