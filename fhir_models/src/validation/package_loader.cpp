// Package loading for profile validation: StructureDefinitions, CodeSystems and ValueSet expansion.
#include "fhir/validation/package_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fhir/json/parser.h"

namespace fhir::validation {
namespace {

using json::Node;

std::string_view text_of(const Node& obj, std::string_view key) {
  const Node* n = obj.find(key);
  return n != nullptr && n->is_string() ? n->text() : std::string_view{};
}

std::string strip_version(std::string_view url) {
  const auto bar = url.find('|');
  return std::string(bar == std::string_view::npos ? url : url.substr(0, bar));
}

void collect_concepts(const Node& owner, model::CodeSystemInfo& cs) {
  const Node* concepts = owner.find("concept");
  if (concepts == nullptr || !concepts->is_array()) return;
  for (const Node& c : concepts->items()) {
    if (!c.is_object()) continue;
    const std::string_view code = text_of(c, "code");
    if (!code.empty()) cs.codes.emplace(std::string(code), std::string(text_of(c, "display")));
    collect_concepts(c, cs);
  }
}

void add_code(model::ValueSetExpansion& vs, std::string_view system, std::string_view code) {
  auto& codes = vs.codes_by_system[std::string(system)];
  if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.emplace_back(code);
}

// Expands one ValueSet; returns false when a value set it includes is not known yet (try again later).
bool expand(const model::Registry& registry, const Node& vs_json, model::ValueSetExpansion& out) {
  out.complete = true;
  if (const Node* expansion = vs_json.find("expansion"); expansion != nullptr && expansion->is_object()) {
    const Node* contains = expansion->find("contains");
    if (contains != nullptr && contains->is_array()) {
      for (const Node& c : contains->items())
        if (c.is_object()) add_code(out, text_of(c, "system"), text_of(c, "code"));
      return true;
    }
  }
  const Node* compose = vs_json.find("compose");
  const Node* includes = compose != nullptr ? compose->find("include") : nullptr;
  if (includes == nullptr || !includes->is_array()) {
    out.complete = false;
    return true;
  }
  for (const Node& inc : includes->items()) {
    if (!inc.is_object()) continue;
    const std::string_view system = text_of(inc, "system");
    if (inc.find("filter") != nullptr) out.complete = false;
    if (const Node* vss = inc.find("valueSet"); vss != nullptr && vss->is_array()) {
      for (const Node& ref : vss->items()) {
        const model::ValueSetExpansion* other =
            ref.is_string() ? registry.find_value_set(strip_version(ref.text())) : nullptr;
        if (other == nullptr) return false;
        if (!other->complete) out.complete = false;
        for (const auto& [sys, codes] : other->codes_by_system)
          for (const std::string& code : codes) add_code(out, sys, code);
      }
    }
    if (const Node* concepts = inc.find("concept"); concepts != nullptr && concepts->is_array()) {
      for (const Node& c : concepts->items())
        if (c.is_object()) add_code(out, system, text_of(c, "code"));
    } else if (!system.empty() && inc.find("filter") == nullptr) {
      const model::CodeSystemInfo* cs = registry.find_code_system(system);
      if (cs == nullptr || cs->content != "complete") {
        out.complete = false;
      } else {
        for (const auto& [code, display] : cs->codes) add_code(out, system, code);
      }
    }
  }
  if (compose->find("exclude") != nullptr) out.complete = false;  // exclusions are not applied: stay cautious
  return true;
}

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

PackageLoadResult load_package(model::Registry& registry, const std::string& folder) {
  PackageLoadResult result;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  if (ec) {
    result.errors.push_back(folder + ": " + ec.message());
    return result;
  }
  std::sort(files.begin(), files.end());
  std::vector<json::Document> value_sets;
  for (const auto& file : files) {
    std::string text;
    if (!read_file(file, text)) {
      result.errors.push_back(file.string() + ": cannot read");
      continue;
    }
    if (text.find("\"StructureDefinition\"") == std::string::npos && text.find("\"CodeSystem\"") == std::string::npos &&
        text.find("\"ValueSet\"") == std::string::npos)
      continue;
    json::ParseResult parsed = json::parse(text);
    if (!parsed) {
      result.errors.push_back(file.string() + ": " + parsed.error->message);
      continue;
    }
    const Node& root = parsed.document->root();
    const std::string_view type = text_of(root, "resourceType");
    const std::string url = strip_version(text_of(root, "url"));
    if (type == "StructureDefinition") {
      if (root.find("snapshot") == nullptr || registry.find_by_url(url) != nullptr) continue;
      std::string error;
      auto def = model::compile_structure_definition(root, &error);
      if (!def) {
        result.errors.push_back(file.string() + ": " + error);
        continue;
      }
      registry.add_type(std::move(def));
      ++result.profiles;
    } else if (type == "CodeSystem") {
      if (url.empty() || registry.find_code_system(url) != nullptr) continue;
      auto cs = std::make_unique<model::CodeSystemInfo>();
      cs->url = url;
      cs->content = std::string(text_of(root, "content"));
      if (const Node* sensitive = root.find("caseSensitive")) cs->case_sensitive = sensitive->as_bool();
      collect_concepts(root, *cs);
      registry.add_code_system(std::move(cs));
      ++result.code_systems;
    } else if (type == "ValueSet") {
      if (url.empty() || registry.find_value_set(url) != nullptr) continue;
      value_sets.push_back(std::move(*parsed.document));
    }
  }
  // Value sets may include each other: expand in rounds until nothing more resolves.
  std::vector<bool> done(value_sets.size(), false);
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t i = 0; i < value_sets.size(); ++i) {
      if (done[i]) continue;
      auto vs = std::make_unique<model::ValueSetExpansion>();
      vs->url = strip_version(text_of(value_sets[i].root(), "url"));
      if (!expand(registry, value_sets[i].root(), *vs)) continue;
      if (vs->complete) ++result.complete_value_sets;
      registry.add_value_set(std::move(vs));
      ++result.value_sets;
      done[i] = progress = true;
    }
  }
  for (std::size_t i = 0; i < value_sets.size(); ++i) {
    if (done[i]) continue;
    auto vs = std::make_unique<model::ValueSetExpansion>();
    vs->url = strip_version(text_of(value_sets[i].root(), "url"));
    vs->complete = false;  // includes a value set that is not available
    registry.add_value_set(std::move(vs));
    ++result.value_sets;
  }
  return result;
}

}  // namespace fhir::validation
