#include "views_generator.h"

#include <algorithm>
#include <map>
#include <set>

namespace fhir::tools {
namespace {

using model::ElementDef;
using model::TypeDef;
using model::TypeKind;

const std::set<std::string>& cpp_keywords() {
  static const std::set<std::string> k = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch", "char",
      "class", "compl", "concept", "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
      "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
      "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "import", "inline", "int",
      "long", "module", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
      "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires", "return", "short",
      "signed", "sizeof", "static", "static_assert", "static_cast", "struct", "switch", "template", "this",
      "thread_local", "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
      "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // names the view base classes use
      "exists", "node", "child_node", "resource_type", "as"};
  return k;
}

std::string method_name(const std::string& fhir_name) {
  return cpp_keywords().count(fhir_name) != 0 ? fhir_name + "_" : fhir_name;
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// "Observation.referenceRange" -> "ObservationReferenceRange"
std::string class_name_for_path(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto dot = path.find('.', start);
    out += capitalized(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

struct ClassDef {
  std::string name;
  const TypeDef* type = nullptr;
  std::uint32_t element = 0;
  bool resource = false;
};

class Generator {
 public:
  Generator(const std::vector<const TypeDef*>& core, const std::string& note) : note_(note) {
    for (const TypeDef* t : core) by_name_[t->name] = t;
  }

  bool run(std::string& out, std::string& error) {
    std::vector<const TypeDef*> datatypes;
    for (const auto& [name, t] : by_name_) {
      if (t->kind == TypeKind::ComplexType && !t->abstract && !t->is_profile) datatypes.push_back(t);
    }
    for (const TypeDef* t : datatypes) add_classes(*t, false);
    for (const std::string& name : kViewResources) {
      const auto it = by_name_.find(name);
      if (it == by_name_.end() || it->second->kind != TypeKind::Resource) {
        error = "view resource '" + name + "' is not a core resource type";
        return false;
      }
      add_classes(*it->second, true);
    }
    std::set<std::string> names;
    for (const ClassDef& c : classes_) {
      if (!names.insert(c.name).second) {
        error = "two view classes would be named " + c.name;
        return false;
      }
    }
    emit(out);
    return true;
  }

 private:
  void add_classes(const TypeDef& t, bool resource) {
    classes_.push_back({t.name, &t, 0, resource});
    class_of_[{&t, 0}] = t.name;
    for (std::uint32_t i = 1; i < t.elements.size(); ++i) {
      const ElementDef& e = t.elements[i];
      if (!e.slice_name.empty() || e.children.empty()) continue;
      const std::string name = class_name_for_path(e.path);
      classes_.push_back({name, &t, i, false});
      class_of_[{&t, i}] = name;
    }
  }

  // The C++ view type of one value of FHIR type `code`.
  std::string view_of_type(const std::string& code) const {
    if (code.rfind("http://hl7.org/fhirpath/System.", 0) == 0) return "view::Primitive";
    const auto it = by_name_.find(code);
    if (it == by_name_.end()) return "view::Element";
    if (it->second->kind == TypeKind::PrimitiveType) return "view::Primitive";
    if (it->second->kind == TypeKind::Resource) return "view::Resource";
    const auto cls = class_of_.find({it->second, 0});
    return cls != class_of_.end() ? cls->second : "view::Element";
  }

  // The C++ view type of a (non-choice) child element.
  std::string view_of_element(const TypeDef& t, const ElementDef& e) const {
    const ElementDef& source = t.children_source(e);
    if (!source.children.empty()) {
      const auto it = class_of_.find({&t, t.index_of(source)});
      if (it != class_of_.end()) return it->second;
    }
    return e.types.size() == 1 ? view_of_type(e.types[0].code) : "view::Element";
  }

  static std::string many(const std::string& view, bool array) { return array ? "view::List<" + view + ">" : view; }

  void emit(std::string& out) const {
    out += "// " + note_ + "\n";
    out +=
        "//\n// Read-only typed views over json::Node for the R4 datatypes and the resources listed in\n"
        "// fhir_models/tools/views_generator.h (kViewResources). See fhir/model/view.h for the view "
        "basics.\n"
        "// Accessors carry the FHIR element names; a C++ keyword gets a trailing underscore (class_()).\n"
        "// Choice elements have one accessor per type (valueQuantity()) and one for whichever is present\n"
        "// (value(), a view::Choice).\n";
    out += "#pragma once\n\n#include <string_view>\n\n#include \"fhir/model/view.h\"\n\n";
    out += "namespace fhir::model::r4 {\n\n";
    for (const ClassDef& c : classes_) out += "class " + c.name + ";\n";
    out += "\n";
    std::string definitions;
    for (const ClassDef& c : classes_) {
      const ElementDef& self = c.type->children_source(c.type->elements[c.element]);
      const std::string base = c.resource ? "view::Resource" : "view::Element";
      out += "// " + c.type->elements[c.element].path + "\n";
      out += "class " + c.name + " : public " + base + " {\n public:\n";
      if (c.resource) out += "  static constexpr std::string_view kTypeName = \"" + c.type->name + "\";\n";
      out += "  using " + base + "::" + base.substr(6) + ";\n";
      for (const std::uint32_t idx : self.children) {
        const ElementDef& e = c.type->elements[idx];
        if (!e.slice_name.empty()) continue;
        const std::string method = method_name(e.name);
        if (!e.is_choice) {
          const std::string type = many(view_of_element(*c.type, e), e.is_array());
          out += "  " + type + " " + method + "() const;\n";
          definitions += "inline " + type + " " + c.name + "::" + method + "() const { return " + type +
                         "(child_node(\"" + e.name + "\")); }\n";
          continue;
        }
        out += "  view::Choice " + method + "() const;\n";
        std::string list;
        for (const auto& t : e.types) list += (list.empty() ? "\"" : ", \"") + t.code + "\"";
        definitions += "inline view::Choice " + c.name + "::" + method +
                       "() const {\n  static constexpr std::string_view kTypes[] = {" + list +
                       "};\n  return view::find_choice(node_, \"" + e.name + "\", kTypes);\n}\n";
        for (const auto& t : e.types) {
          const std::string json_name = e.name + capitalized(t.code);
          const std::string type = many(view_of_type(t.code), e.is_array());
          out += "  " + type + " " + json_name + "() const;\n";
          definitions += "inline " + type + " " + c.name + "::" + json_name + "() const { return " + type +
                         "(child_node(\"" + json_name + "\")); }\n";
        }
      }
      out += "};\n\n";
    }
    out += "// --- accessors ---\n\n";
    out += definitions;
    out += "\n}  // namespace fhir::model::r4\n";
  }

  std::string note_;
  std::map<std::string, const TypeDef*> by_name_;
  std::vector<ClassDef> classes_;
  std::map<std::pair<const TypeDef*, std::uint32_t>, std::string> class_of_;
};

}  // namespace

std::string generate_views_header(const std::vector<const model::TypeDef*>& core_types, const std::string& note,
                                  std::string& error) {
  std::string out;
  Generator g(core_types, note);
  if (!g.run(out, error)) return {};
  return out;
}

}  // namespace fhir::tools
