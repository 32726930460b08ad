#include "value_set_expander.h"

#include <algorithm>

namespace fhir::tools {
namespace {

std::string text_of(const json::Node* n) {
  return n != nullptr && n->is_string() ? std::string(n->text()) : std::string();
}
std::string text_of(const json::Node& obj, std::string_view key) { return text_of(obj.find(key)); }

std::string strip_version(const std::string& url) { return url.substr(0, url.find('|')); }

void intersect(std::set<std::string>& a, const std::set<std::string>& b) {
  for (auto it = a.begin(); it != a.end();) it = b.count(*it) != 0 ? std::next(it) : a.erase(it);
}

}  // namespace

void ValueSetExpander::add_code_system(const json::Node& node) {
  const std::string url = text_of(node, "url");
  if (url.empty()) return;
  CodeSystem cs;
  cs.node = &node;
  cs.content = text_of(node, "content");
  if (const json::Node* concepts = node.find("concept")) collect_concepts(cs, *concepts, nullptr);
  systems_[url] = std::move(cs);
}

void ValueSetExpander::collect_concepts(CodeSystem& cs, const json::Node& concepts, const std::string* parent) {
  if (!concepts.is_array()) return;
  for (const json::Node& c : concepts.items()) {
    const std::string code = text_of(c, "code");
    if (code.empty()) continue;
    if (cs.display.emplace(code, text_of(c, "display")).second) cs.codes.push_back(code);
    if (parent != nullptr) cs.children[*parent].push_back(code);
    // Hierarchy may also be stated with properties (v3 systems use "child"; others "parent"/"subsumedBy").
    if (const json::Node* props = c.find("property"); props != nullptr && props->is_array()) {
      for (const json::Node& p : props->items()) {
        const std::string prop = text_of(p, "code");
        const std::string value = text_of(p, "valueCode");
        if (value.empty()) continue;
        if (prop == "child") cs.children[code].push_back(value);
        if (prop == "parent" || prop == "subsumedBy") cs.children[value].push_back(code);
      }
    }
    if (const json::Node* nested = c.find("concept")) collect_concepts(cs, *nested, &code);
  }
}

void ValueSetExpander::add_value_set(const json::Node& node) {
  const std::string url = text_of(node, "url");
  if (!url.empty()) value_sets_[url] = &node;
}

std::vector<std::string> ValueSetExpander::code_system_urls() const {
  std::vector<std::string> out;
  for (const auto& [url, cs] : systems_) out.push_back(url);
  return out;
}

std::vector<std::string> ValueSetExpander::value_set_urls() const {
  std::vector<std::string> out;
  for (const auto& [url, vs] : value_sets_) out.push_back(url);
  return out;
}

std::unique_ptr<model::CodeSystemInfo> ValueSetExpander::code_system_info(const std::string& url) const {
  const auto it = systems_.find(url);
  if (it == systems_.end() || it->second.content == "supplement") return nullptr;
  auto info = std::make_unique<model::CodeSystemInfo>();
  info->url = url;
  info->content = it->second.content;
  const json::Node* sensitive = it->second.node->find("caseSensitive");
  info->case_sensitive = sensitive == nullptr || sensitive->as_bool();
  for (const auto& [code, display] : it->second.display) info->codes.emplace(code, display);
  return info;
}

const ValueSetExpander::CodeSystem* ValueSetExpander::complete_system(const std::string& url) const {
  const auto it = systems_.find(url);
  return it != systems_.end() && it->second.content == "complete" ? &it->second : nullptr;
}

void ValueSetExpander::descendants(const CodeSystem& cs, const std::string& code, std::set<std::string>& out) const {
  const auto it = cs.children.find(code);
  if (it == cs.children.end()) return;
  for (const std::string& child : it->second) {
    if (out.insert(child).second) descendants(cs, child, out);
  }
}

ValueSetExpander::Expansion ValueSetExpander::expand_include(const json::Node& include,
                                                             std::set<std::string>& in_progress) {
  Expansion result;
  const std::string system = text_of(include, "system");
  const json::Node* concepts = include.find("concept");
  const json::Node* filters = include.find("filter");
  bool have_system_part = false;
  std::set<std::string> codes;
  if (!system.empty()) {
    have_system_part = true;
    const CodeSystem* cs = complete_system(system);
    if (concepts != nullptr && concepts->is_array()) {
      // An enumerated list is complete whatever the system.
      for (const json::Node& c : concepts->items()) {
        const std::string code = text_of(c, "code");
        if (!code.empty()) codes.insert(code);
      }
    } else if (cs == nullptr) {
      result.complete = false;  // external or incomplete system: cannot enumerate
    } else {
      codes.insert(cs->codes.begin(), cs->codes.end());
      if (filters != nullptr && filters->is_array()) {
        for (const json::Node& f : filters->items()) {
          const std::string property = text_of(f, "property");
          const std::string op = text_of(f, "op");
          const std::string value = text_of(f, "value");
          std::set<std::string> selected;
          if (property == "concept" && (op == "is-a" || op == "descendent-of" || op == "is-not-a")) {
            descendants(*cs, value, selected);
            if (op != "descendent-of") selected.insert(value);
            if (op == "is-not-a") {
              std::set<std::string> rest(cs->codes.begin(), cs->codes.end());
              for (const std::string& s : selected) rest.erase(s);
              selected = std::move(rest);
            }
          } else {
            result.complete = false;  // property filters, regex: not evaluated
            selected = codes;
          }
          intersect(codes, selected);
        }
      }
    }
  }
  if (const json::Node* imports = include.find("valueSet"); imports != nullptr && imports->is_array()) {
    // Imports intersect with each other and with the system part.
    bool seeded = false;
    for (const json::Node& imp : imports->items()) {
      Expansion imported = expand_internal(strip_version(std::string(imp.is_string() ? imp.text() : "")), in_progress);
      result.complete = result.complete && imported.complete;
      if (have_system_part) {
        const auto it = imported.codes.find(system);
        intersect(codes, it == imported.codes.end() ? std::set<std::string>{} : it->second);
      } else if (!seeded) {
        result.codes = std::move(imported.codes);
        seeded = true;
      } else {
        for (auto& [sys, set] : result.codes) {
          const auto it = imported.codes.find(sys);
          intersect(set, it == imported.codes.end() ? std::set<std::string>{} : it->second);
        }
      }
    }
  }
  if (!system.empty()) result.codes[system].insert(codes.begin(), codes.end());
  return result;
}

ValueSetExpander::Expansion ValueSetExpander::expand_internal(const std::string& url,
                                                              std::set<std::string>& in_progress) {
  if (const auto cached = cache_.find(url); cached != cache_.end()) return cached->second;
  Expansion result;
  const auto it = value_sets_.find(url);
  if (it == value_sets_.end() || !in_progress.insert(url).second) {
    result.complete = false;  // unknown (external) value set, or an import cycle
    return result;
  }
  const json::Node& vs = *it->second;
  if (const json::Node* compose = vs.find("compose"); compose != nullptr && compose->is_object()) {
    if (const json::Node* includes = compose->find("include"); includes != nullptr && includes->is_array()) {
      for (const json::Node& inc : includes->items()) {
        Expansion part = expand_include(inc, in_progress);
        result.complete = result.complete && part.complete;
        for (auto& [sys, codes] : part.codes) result.codes[sys].insert(codes.begin(), codes.end());
      }
    }
    if (const json::Node* excludes = compose->find("exclude"); excludes != nullptr && excludes->is_array()) {
      for (const json::Node& exc : excludes->items()) {
        Expansion part = expand_include(exc, in_progress);
        // An exclusion we cannot enumerate leaves a superset: no longer exact.
        result.complete = result.complete && part.complete;
        for (const auto& [sys, codes] : part.codes) {
          if (auto target = result.codes.find(sys); target != result.codes.end()) {
            for (const std::string& c : codes) target->second.erase(c);
          }
        }
      }
    }
  } else if (const json::Node* expansion = vs.find("expansion"); expansion != nullptr && expansion->is_object()) {
    // A pre-computed expansion (a few value sets carry one instead of a compose).
    std::vector<const json::Node*> stack{expansion->find("contains")};
    while (!stack.empty()) {
      const json::Node* contains = stack.back();
      stack.pop_back();
      if (contains == nullptr || !contains->is_array()) continue;
      for (const json::Node& c : contains->items()) {
        const std::string system = text_of(c, "system");
        const std::string code = text_of(c, "code");
        if (!system.empty() && !code.empty()) result.codes[system].insert(code);
        stack.push_back(c.find("contains"));
      }
    }
  } else {
    result.complete = false;
  }
  in_progress.erase(url);
  cache_[url] = result;
  return result;
}

std::unique_ptr<model::ValueSetExpansion> ValueSetExpander::expand(const std::string& url) {
  if (value_sets_.count(url) == 0) return nullptr;
  std::set<std::string> in_progress;
  Expansion e = expand_internal(url, in_progress);
  auto out = std::make_unique<model::ValueSetExpansion>();
  out->url = url;
  out->complete = e.complete;
  for (auto& [sys, codes] : e.codes) out->codes_by_system[sys].assign(codes.begin(), codes.end());
  return out;
}

}  // namespace fhir::tools
