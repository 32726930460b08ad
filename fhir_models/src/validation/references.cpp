// Reference checks: the format of Reference.reference (Type/id, absolute URL, urn:uuid:, urn:oid:, #id),
// local (#id) and in-Bundle (urn:uuid:) resolution, and the allowed target types (targetProfile).
#include <string>

#include "fhir/validation/primitives.h"
#include "walker.h"

namespace fhir::validation::detail {
namespace {

using json::Node;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "http://x/y" -> true: a scheme of letters, digits, '+', '-', '.' followed by ':'.
bool has_scheme(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return false;
  }
  return true;
}

// Splits "[base/]Type/id[/_history/vid]" into its type and id. Returns false if the tail is not of that form.
bool split_rest_reference(std::string_view s, std::string_view& type, std::string_view& id) {
  if (const auto h = s.find("/_history/"); h != std::string_view::npos) s = s.substr(0, h);
  const auto slash = s.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  id = s.substr(slash + 1);
  const std::string_view head = s.substr(0, slash);
  const auto prev = head.rfind('/');
  type = prev == std::string_view::npos ? head : head.substr(prev + 1);
  return true;
}

const Node* contained_with_id(const Node& container, std::string_view id) {
  const Node* contained = container.find("contained");
  if (contained == nullptr || !contained->is_array()) return nullptr;
  for (const Node& r : contained->items()) {
    if (!r.is_object()) continue;
    const Node* rid = r.find("id");
    if (rid != nullptr && rid->is_string() && rid->text() == id) return &r;
  }
  return nullptr;
}

std::string_view resource_type_of(const Node& r) {
  const Node* rt = r.find("resourceType");
  return rt != nullptr && rt->is_string() ? rt->text() : std::string_view{};
}

}  // namespace

void Walker::check_canonical_or_uri(std::string_view text, ResourceCtx& rc) {
  if (!text.empty() && text[0] == '#') {
    rc.root().local_refs.push_back(text);
    if (text.size() == 1 && rc.container != nullptr) rc.root().refers_to_container.push_back(rc.node);
  }
}

void Walker::check_reference(const Node& ref, const Slot& slot, const PathSeg* path, ResourceCtx& rc) {
  const Node* r = ref.find("reference");
  if (r == nullptr || !r->is_string()) return;  // identifier- or display-only references are fine
  const std::string_view s = r->text();
  const PathSeg seg{path, "reference", -1};
  std::string_view target_type;
  auto bad_format = [&](const char* why) {
    report(Severity::Error, "value", "invalid reference '" + std::string(s) + "': " + why, &seg, r);
  };
  if (s.empty()) return;  // reported as an empty string already
  if (s[0] == '#') {
    ResourceCtx& root = rc.root();
    root.local_refs.push_back(s);
    if (s.size() == 1) {
      if (rc.container != nullptr) root.refers_to_container.push_back(rc.node);
      target_type = root.type->name;
    } else if (const Node* target = contained_with_id(*root.node, s.substr(1))) {
      target_type = resource_type_of(*target);
    } else {
      report(Severity::Error, "not-found",
             "ref-1: local reference '" + std::string(s) + "' does not match the id of a contained resource", &seg, r);
      return;
    }
  } else if (starts_with(s, "urn:uuid:")) {
    if (const char* why = check_uuid(s)) return bad_format(why);
    if (rc.bundle != nullptr) {
      if (const BundleCtx::Entry* e = rc.bundle->find(s)) {
        target_type = e->resource_type;
      } else {
        report(Severity::Error, "not-found",
               "reference '" + std::string(s) + "' does not resolve to an entry fullUrl of the Bundle", &seg, r);
        return;
      }
    }
  } else if (starts_with(s, "urn:oid:")) {
    if (const char* why = check_oid(s)) return bad_format(why);
  } else if (has_scheme(s)) {
    if (const char* why = check_uri(s)) return bad_format(why);
    std::string_view type, id;
    if (rc.bundle != nullptr) {
      if (const BundleCtx::Entry* e = rc.bundle->find(s)) target_type = e->resource_type;
    }
    if (target_type.empty() && split_rest_reference(s, type, id) && registry_.is_resource_type(type))
      target_type = type;
  } else {
    if (const char* why = check_uri(s)) return bad_format(why);
    const auto q = s.find('?');
    if (q != std::string_view::npos) {
      // Conditional reference "Type?query" (used in transactions).
      const std::string_view type = s.substr(0, q);
      if (!registry_.is_resource_type(type)) return bad_format("expected Type?criteria with a known resource type");
      target_type = type;
    } else {
      std::string_view type, id;
      const auto first = s.find('/');
      if (first == std::string_view::npos)
        return bad_format("expected Type/id, an absolute URL, urn:uuid:, urn:oid: or #id");
      type = s.substr(0, first);
      std::string_view rest = s.substr(first + 1);
      const auto hist = rest.find("/_history/");
      id = hist == std::string_view::npos ? rest : rest.substr(0, hist);
      if (!registry_.is_resource_type(type)) {
        // Relative URLs with a service base path ("fhir/Patient/1") are legal too.
        if (!split_rest_reference(s, type, id) || !registry_.is_resource_type(type))
          return bad_format("unknown resource type in a relative reference");
      }
      if (const char* why = check_id(id)) return bad_format(why);
      if (hist != std::string_view::npos && check_id(rest.substr(hist + 10)) != nullptr)
        return bad_format("invalid version id after /_history/");
      target_type = type;
      if (rc.bundle != nullptr) {
        if (const BundleCtx::Entry* e = rc.bundle->find(s)) target_type = e->resource_type;
      }
    }
  }
  // Reference.type must agree with the resolved target.
  const Node* declared = ref.find("type");
  if (declared != nullptr && declared->is_string()) {
    std::string_view declared_type = declared->text();
    constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";
    if (starts_with(declared_type, kCore)) declared_type.remove_prefix(kCore.size());
    if (!target_type.empty() && registry_.is_resource_type(declared_type) && declared_type != target_type) {
      report(Severity::Error, "value",
             "Reference.type '" + std::string(declared->text()) + "' does not match the referenced resource type '" +
                 std::string(target_type) + "'",
             &seg, declared);
    }
    if (target_type.empty() && registry_.is_resource_type(declared_type)) target_type = declared_type;
  }
  if (target_type.empty() || slot.type == nullptr || slot.type->target_profiles.empty()) return;
  if (!registry_.is_resource_type(target_type)) return;
  std::string allowed;
  for (const std::string& tp : slot.type->target_profiles) {
    const std::string_view t = type_of_profile(registry_, tp);
    if (t.empty() || t == "Resource" || t == target_type || registry_.is_a(target_type, t)) return;
    if (!allowed.empty()) allowed += ", ";
    allowed += std::string(t);
  }
  report(Severity::Error, "structure",
         "reference to a " + std::string(target_type) + " is not allowed here (allowed: " + allowed + ")", &seg, r);
}

std::string_view Walker::reference_target_type(const Node& ref, ResourceCtx& rc) const {
  const Node* declared = ref.find("type");
  if (declared != nullptr && declared->is_string()) {
    std::string_view t = declared->text();
    constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";
    if (starts_with(t, kCore)) t.remove_prefix(kCore.size());
    if (registry_.is_resource_type(t)) return t;
  }
  const Node* r = ref.find("reference");
  if (r == nullptr || !r->is_string() || r->text().empty()) return {};
  const std::string_view s = r->text();
  if (s[0] == '#') {
    if (s.size() == 1) return rc.root().type->name;
    const Node* target = contained_with_id(*rc.root().node, s.substr(1));
    return target != nullptr ? resource_type_of(*target) : std::string_view{};
  }
  if (rc.bundle != nullptr) {
    if (const BundleCtx::Entry* e = rc.bundle->find(s)) return e->resource_type;
  }
  if (const auto q = s.find('?'); q != std::string_view::npos && !has_scheme(s)) {
    return registry_.is_resource_type(s.substr(0, q)) ? s.substr(0, q) : std::string_view{};
  }
  std::string_view type, id;
  if (split_rest_reference(s, type, id) && registry_.is_resource_type(type)) return type;
  return {};
}

void Walker::check_reference_target(const Node& ref, const model::TypeRef& type, const std::string& profile_url,
                                    const PathSeg* path, ResourceCtx& rc) {
  const std::string_view target = reference_target_type(ref, rc);
  if (target.empty()) return;
  std::string allowed;
  for (const std::string& tp : type.target_profiles) {
    const std::string_view t = type_of_profile(registry_, tp);
    if (t.empty() || t == "Resource" || t == target || registry_.is_a(target, t)) return;
    if (!allowed.empty()) allowed += ", ";
    allowed += tp;
  }
  const PathSeg seg{path, "reference", -1};
  report(Severity::Error, "structure",
         "profile " + profile_url + ": reference to a " + std::string(target) +
             " is not allowed here (allowed: " + allowed + ")",
         &seg, ref.find("reference") != nullptr ? ref.find("reference") : &ref);
}

}  // namespace fhir::validation::detail
