// Rules of resources as a whole: contained resources (dom-2..dom-5) and extensions (ext-1, url).
#include <algorithm>
#include <string>
#include <vector>

#include "walker.h"

namespace fhir::validation::detail {

using json::Node;

void Walker::check_contained(const Node& obj, const PathSeg* path, ResourceCtx& rc) {
  const Node* contained = obj.find("contained");
  if (contained == nullptr || !contained->is_array()) return;
  const auto items = contained->items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Node& r = items[i];
    if (!r.is_object()) continue;
    const PathSeg seg{path, "contained", static_cast<std::int64_t>(i)};
    if (const Node* nested = r.find("contained"))
      report(Severity::Error, "invariant",
             "dom-2: a contained resource SHALL NOT contain additional contained resources", &seg, nested);
    if (const Node* meta = r.find("meta"); meta != nullptr && meta->is_object()) {
      if (meta->find("versionId") != nullptr || meta->find("lastUpdated") != nullptr)
        report(Severity::Error, "invariant",
               "dom-4: a contained resource SHALL NOT have a meta.versionId or a meta.lastUpdated", &seg, meta);
      if (meta->find("security") != nullptr)
        report(Severity::Error, "invariant", "dom-5: a contained resource SHALL NOT have a security label", &seg, meta);
    }
    const Node* id = r.find("id");
    bool referenced = false;
    if (id != nullptr && id->is_string()) {
      for (std::string_view ref : rc.local_refs) {
        if (ref.size() == id->text().size() + 1 && ref.substr(1) == id->text()) {
          referenced = true;
          break;
        }
      }
    }
    for (const Node* n : rc.refers_to_container) referenced = referenced || n == &r;
    if (!referenced)
      report(Severity::Error, "invariant",
             "dom-3: a contained resource SHALL be referenced from elsewhere in the resource or refer to its container"
             " (no reference to '#" +
                 std::string(id != nullptr ? id->text() : std::string_view{}) + "')",
             &seg, &r);
  }
}

namespace {

void collect_codes(const Node& owner, std::vector<std::string_view>& codes) {
  const Node* concepts = owner.find("concept");
  if (concepts == nullptr || !concepts->is_array()) return;
  for (const Node& c : concepts->items()) {
    if (!c.is_object()) continue;
    if (const Node* code = c.find("code"); code != nullptr && code->is_string()) codes.push_back(code->text());
    collect_codes(c, codes);
  }
}

}  // namespace

void Walker::check_code_system(const Node& cs, const PathSeg* path) {
  std::vector<std::string_view> codes;
  collect_codes(cs, codes);
  std::sort(codes.begin(), codes.end());
  const auto dup = std::adjacent_find(codes.begin(), codes.end());
  if (dup != codes.end())
    report(
        Severity::Error, "invariant",
        "csd-1: within a code system definition, all the codes SHALL be unique (duplicate '" + std::string(*dup) + "')",
        path, &cs);
}

void Walker::check_extension(const Node& ext, const PathSeg* path) {
  bool has_value = false;
  for (const json::Member& m : ext.members()) {
    const std::string_view k = m.key;
    if (k.size() > 5 && (k.substr(0, 5) == "value" || k.substr(0, 6) == "_value")) has_value = true;
  }
  const bool has_extensions = ext.find("extension") != nullptr;
  if (has_value == has_extensions) {
    report(Severity::Error, "invariant",
           has_value ? "ext-1: an extension must have either extensions or a value[x], not both"
                     : "ext-1: an extension must have either extensions or a value[x]",
           path, &ext);
  }
}

}  // namespace fhir::validation::detail
