// Lazily built element paths: the walker keeps a chain of stack frames and turns it into text
// ("Bundle.entry[3].resource.component[1].valueQuantity.value") only when it reports an issue.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fhir::validation::detail {

struct PathSeg {
  const PathSeg* parent = nullptr;
  std::string_view name;    // JSON member name (the resource type for a root)
  std::int64_t index = -1;  // array index, -1 for single values
};

inline void append_path(const PathSeg* seg, std::string& out) {
  if (seg == nullptr) return;
  append_path(seg->parent, out);
  if (!seg->name.empty()) {
    if (!out.empty()) out.push_back('.');
    out.append(seg->name);
  }
  if (seg->index >= 0) {
    out.push_back('[');
    out.append(std::to_string(seg->index));
    out.push_back(']');
  }
}

inline std::string path_string(const PathSeg* seg) {
  std::string out;
  append_path(seg, out);
  return out;
}

}  // namespace fhir::validation::detail
