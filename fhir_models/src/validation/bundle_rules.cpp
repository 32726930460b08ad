// Bundle rules bdl-1..bdl-12 (R4), fullUrl uniqueness and request/response presence per Bundle type.
// The entries' fullUrls are indexed before the entries are walked so urn:uuid references resolve.
#include <algorithm>
#include <string>

#include "walker.h"

namespace fhir::validation::detail {
namespace {

using json::Node;

std::string_view text_of(const Node* obj, std::string_view key) {
  if (obj == nullptr || !obj->is_object()) return {};
  const Node* n = obj->find(key);
  return n != nullptr && n->is_string() ? n->text() : std::string_view{};
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

void Walker::prepare_bundle(const Node& bundle, BundleCtx& ctx) {
  ctx.node = &bundle;
  ctx.type = text_of(&bundle, "type");
  const Node* entries = bundle.find("entry");
  if (entries == nullptr || !entries->is_array()) return;
  ctx.entries.reserve(entries->size());
  for (const Node& e : entries->items()) {
    const std::string_view full_url = text_of(&e, "fullUrl");
    if (full_url.empty()) continue;
    const Node* r = e.is_object() ? e.find("resource") : nullptr;
    ctx.entries.push_back({full_url, text_of(r, "resourceType")});
  }
  std::stable_sort(ctx.entries.begin(), ctx.entries.end(),
                   [](const BundleCtx::Entry& a, const BundleCtx::Entry& b) { return a.full_url < b.full_url; });
}

void Walker::check_bundle(const Node& bundle, const PathSeg* path, BundleCtx& ctx) {
  const std::string_view type = ctx.type;
  if (const Node* total = bundle.find("total"); total != nullptr && !one_of(type, {"searchset", "history"})) {
    const PathSeg seg{path, "total", -1};
    report(Severity::Error, "invariant", "bdl-1: total only when a search or history", &seg, total);
  }
  const bool needs_request = one_of(type, {"batch", "transaction", "history"});
  const bool needs_response = one_of(type, {"batch-response", "transaction-response", "history"});
  const Node* entries = bundle.find("entry");
  const auto items = entries != nullptr && entries->is_array() ? entries->items() : std::span<const Node>{};
  struct Key {
    std::string_view full_url, version;
    std::size_t index;
  };
  std::vector<Key> keys;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Node& e = items[i];
    if (!e.is_object()) continue;
    const PathSeg seg{path, "entry", static_cast<std::int64_t>(i)};
    if (const Node* s = e.find("search"); s != nullptr && type != "searchset")
      report(Severity::Error, "invariant", "bdl-2: entry.search only when a search", &seg, s);
    const Node* request = e.find("request");
    const Node* response = e.find("response");
    const Node* resource = e.find("resource");
    if (needs_request && request == nullptr)
      report(Severity::Error, "invariant", "bdl-3: entry.request is mandatory in a " + std::string(type) + " Bundle",
             &seg, &e);
    if (!needs_request && request != nullptr)
      report(Severity::Error, "invariant",
             "bdl-3: entry.request is only allowed in batch, transaction and history Bundles", &seg, request);
    if (needs_response && response == nullptr)
      report(Severity::Error, "invariant", "bdl-4: entry.response is mandatory in a " + std::string(type) + " Bundle",
             &seg, &e);
    if (!needs_response && response != nullptr)
      report(Severity::Error, "invariant",
             "bdl-4: entry.response is only allowed in batch-response, transaction-response and history Bundles", &seg,
             response);
    if (resource == nullptr && request == nullptr && response == nullptr)
      report(Severity::Error, "invariant", "bdl-5: an entry must have a resource unless there's a request or response",
             &seg, &e);
    const std::string_view full_url = text_of(&e, "fullUrl");
    if (!full_url.empty()) {
      if (full_url.find("/_history/") != std::string_view::npos) {
        const PathSeg fseg{&seg, "fullUrl", -1};
        report(Severity::Error, "invariant", "bdl-8: fullUrl cannot be a version specific reference", &fseg,
               e.find("fullUrl"));
      }
      const Node* meta = resource != nullptr && resource->is_object() ? resource->find("meta") : nullptr;
      keys.push_back({full_url, text_of(meta, "versionId"), i});
    }
  }
  if (type != "history" && keys.size() > 1) {
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return a.full_url != b.full_url ? a.full_url < b.full_url
             : a.version != b.version ? a.version < b.version
                                      : a.index < b.index;
    });
    for (std::size_t k = 1; k < keys.size(); ++k) {
      if (keys[k].full_url != keys[k - 1].full_url || keys[k].version != keys[k - 1].version) continue;
      const PathSeg seg{path, "entry", static_cast<std::int64_t>(keys[k].index)};
      const PathSeg fseg{&seg, "fullUrl", -1};
      report(Severity::Error, "invariant",
             "bdl-7: fullUrl '" + std::string(keys[k].full_url) +
                 "' is not unique in the Bundle (same fullUrl and meta.versionId as entry[" +
                 std::to_string(keys[k - 1].index) + "])",
             &fseg, items[keys[k].index].find("fullUrl"));
    }
  }
  auto first_resource_type = [&]() -> std::string_view {
    if (items.empty()) return {};
    const Node* r = items[0].is_object() ? items[0].find("resource") : nullptr;
    return text_of(r, "resourceType");
  };
  if (type == "document") {
    const Node* id = bundle.find("identifier");
    if (text_of(id, "system").empty() || text_of(id, "value").empty())
      report(Severity::Error, "invariant", "bdl-9: a document must have an identifier with a system and a value", path,
             &bundle);
    if (bundle.find("timestamp") == nullptr)
      report(Severity::Error, "invariant", "bdl-10: a document must have a date (timestamp)", path, &bundle);
    if (first_resource_type() != "Composition")
      report(Severity::Error, "invariant", "bdl-11: a document must have a Composition as the first resource", path,
             &bundle);
  } else if (type == "message") {
    if (first_resource_type() != "MessageHeader")
      report(Severity::Error, "invariant", "bdl-12: a message must have a MessageHeader as the first resource", path,
             &bundle);
  }
}

}  // namespace fhir::validation::detail
