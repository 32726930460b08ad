#include "search/shared_index.h"

#include <algorithm>
#include <numeric>
#include <string>

namespace fhirgw::search {
namespace {

// A part's path as comparable text; `steps` limits how many of its steps count.
std::string part_key(const PathPart& part, std::size_t steps) {
  std::string key = part.root;
  for (std::size_t i = 0; i < steps; ++i) {
    const PathStep& s = part.steps[i];
    key += '.';
    key += std::to_string(static_cast<int>(s.kind));
    key += ':';
    key += s.name;
    key += '=';
    key += s.value;
  }
  return key;
}

bool applies(const PathPart& part, std::string_view type) {
  return part.root == type || part.root == "Resource" || part.root == "DomainResource";
}

// The keys of the parts that select anything in a resource of `type` (what evaluate() walks).
std::vector<std::string> keys_of(const CompiledParam& p, std::string_view type) {
  std::vector<std::string> keys;
  for (const PathPart& part : p.expression.parts()) {
    if (applies(part, type) && !part.steps.empty()) keys.push_back(part_key(part, part.steps.size()));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool contains(const std::vector<std::string>& sorted, const std::string& key) {
  return std::binary_search(sorted.begin(), sorted.end(), key);
}

}  // namespace

void share_index_rows(std::string_view type, std::vector<CompiledParam>& params) {
  std::vector<std::vector<std::string>> keys(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) keys[i] = keys_of(params[i], type);
  // Fewer parts first (a union is decided after its members), then fewer steps (a filtered path after
  // its base), then by name (of two parameters with the same expression the first keeps the rows).
  std::vector<std::size_t> steps(params.size(), 0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    for (const PathPart& part : params[i].expression.parts()) {
      if (applies(part, type)) steps[i] += part.steps.size();
    }
  }
  std::vector<std::size_t> order(params.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (keys[a].size() != keys[b].size()) return keys[a].size() < keys[b].size();
    if (steps[a] != steps[b]) return steps[a] < steps[b];
    return params[a].name < params[b].name;
  });

  std::vector<std::size_t> indexed;  // parameters that keep their rows, in decision order
  for (const std::size_t i : order) {
    CompiledParam& p = params[i];
    // A name defined twice (the package has two definitions) keeps writing its rows under both.
    if (std::count_if(params.begin(), params.end(), [&](const CompiledParam& q) { return q.name == p.name; }) > 1) {
      indexed.push_back(i);
      continue;
    }
    std::vector<storage::IndexSource> sources;
    std::vector<std::string> covered;
    // Parameters of the same kind whose every part is one of p's parts.
    for (const std::size_t j : indexed) {
      if (params[j].kind != p.kind || keys[j].empty()) continue;
      if (!std::all_of(keys[j].begin(), keys[j].end(), [&](const std::string& k) { return contains(keys[i], k); })) {
        continue;
      }
      sources.push_back({params[j].name, {}});
      covered.insert(covered.end(), keys[j].begin(), keys[j].end());
    }
    // A reference part "X.where(resolve() is T)" where another reference parameter is exactly X.
    if (p.kind == storage::ParamKind::Reference) {
      for (const PathPart& part : p.expression.parts()) {
        if (!applies(part, type) || part.steps.empty()) continue;
        const PathStep& last = part.steps.back();
        if (last.kind != PathStep::Kind::WhereResolveIs) continue;
        const std::vector<std::string> base{part_key(part, part.steps.size() - 1)};
        for (const std::size_t j : indexed) {
          if (params[j].kind == p.kind && keys[j] == base) {
            sources.push_back({params[j].name, last.name});
            covered.push_back(part_key(part, part.steps.size()));
            break;
          }
        }
      }
    }
    std::sort(covered.begin(), covered.end());
    covered.erase(std::unique(covered.begin(), covered.end()), covered.end());
    if (!keys[i].empty() && covered == keys[i]) {
      p.sources = std::move(sources);
    } else {
      indexed.push_back(i);
    }
  }
}

}  // namespace fhirgw::search
