// Profile validation (meta.profile and ValidateOptions::profiles): see check_profiles.
#include <string>

#include "walker.h"

namespace fhir::validation::detail {

using json::Node;

void Walker::check_profiles(const Node& obj, const model::TypeDef& def, const PathSeg* path, ResourceCtx& rc) {
  (void)rc;
  std::vector<std::string_view> urls;
  if (const Node* meta = obj.find("meta"); meta != nullptr && meta->is_object()) {
    if (const Node* profiles = meta->find("profile"); profiles != nullptr && profiles->is_array())
      for (const Node& p : profiles->items())
        if (p.is_string()) urls.push_back(p.text());
  }
  if (depth_ == 1)  // options name profiles for the resource given to validate(), not for what it contains
    for (const std::string& p : options_.profiles) urls.push_back(p);
  for (std::string_view url : urls) {
    const model::TypeDef* profile = registry_.find_by_url(url);
    if (profile == nullptr) {
      report(Severity::Warning, "not-supported",
             "profile " + std::string(url) +
                 " is not known: only the core checks were applied (its cardinalities, fixed and pattern values,"
                 " bindings, slices and invariants were skipped)",
             path, &obj);
      continue;
    }
    if (!profile->is_profile) continue;  // a core definition: already checked
    (void)def;
  }
}

}  // namespace fhir::validation::detail
