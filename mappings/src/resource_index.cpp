#include "resource_index.h"

namespace fhir::mappings {

ResourceIndex::ResourceIndex(std::string record_prefix, std::string mrn_system, const std::string* text)
    : record_prefix_(std::move(record_prefix)), mrn_system_(std::move(mrn_system)), text_(text) {}

void ResourceIndex::reserve(std::size_t resources) {
  entries_.reserve(resources);
  by_ref_.reserve(resources * 2);  // fullUrl (= urn:uuid:id for the gateway's) and Type/id per resource
  by_identifier_.reserve(resources);
}

std::string_view ResourceIndex::keep(std::string_view s) {
  if (!text_ || s.empty()) return s;
  // Strings without escapes point into the text; decoded ones live in the streamed entry's memory.
  if (s.data() >= text_->data() && s.data() + s.size() <= text_->data() + text_->size()) return s;
  return join({s});
}

std::string_view ResourceIndex::join(std::initializer_list<std::string_view> parts) {
  std::size_t n = 0;
  for (auto part : parts) n += part.size();
  char* p = static_cast<char*>(arena_->allocate(n, 1));
  std::size_t at = 0;
  for (auto part : parts) {
    part.copy(p + at, part.size());
    at += part.size();
  }
  return {p, n};
}

void ResourceIndex::add(const Node& r, std::string_view full_url, const Node* node, std::uint32_t begin,
                        std::uint32_t end) {
  const auto i = static_cast<std::uint32_t>(entries_.size());
  Entry& e = entries_.emplace_back();
  e.node = node;
  e.begin = begin;
  e.end = end;
  e.id = keep(member_text(r, "id"));
  const auto type = member_text(r, "resourceType");
  e.full_url = keep(full_url);
  if (!full_url.empty()) by_ref_.put(e.full_url, i);
  if (!e.id.empty()) {
    by_ref_.put(join({type, "/", e.id}), i);
    // (the gateway's fullUrl is that key already)
    if (!(full_url.size() == 9 + e.id.size() && full_url.starts_with("urn:uuid:") && full_url.ends_with(e.id)))
      by_ref_.put(join({"urn:uuid:", e.id}), i);
  }
  for_each_identifier(r, [&](std::string_view sys, std::string_view val) {
    by_identifier_.put(join({sys, "|", val}), i);
    // The record identifier is <record_prefix><source>/<type>; its value is the record id.
    if (!e.has_record_id && sys.starts_with(record_prefix_) &&
        sys.find('/', record_prefix_.size()) != std::string_view::npos) {
      e.has_record_id = true;
      e.record_id = keep(val);
    }
    if (e.mrn.empty() && sys == mrn_system_) e.mrn = keep(val);
  });
}

std::uint32_t ResourceIndex::find(const Node& ref) {
  const auto r = member_text(ref, "reference");
  if (r.empty()) {
    if (const Node* idn = ref.find("identifier")) {
      key_.assign(member_text(*idn, "system")).append("|").append(member_text(*idn, "value"));
      return by_identifier_.get(key_);
    }
    return kNone;
  }
  if (const auto i = by_ref_.get(r); i != kNone) return i;
  // absolute URL ending in Type/id
  const auto last = r.rfind('/');
  if (last != std::string_view::npos && last > 0) {
    const auto prev = r.rfind('/', last - 1);
    return by_ref_.get(r.substr(prev == std::string_view::npos ? 0 : prev + 1));
  }
  return kNone;
}

const ResourceIndex::Node* ResourceIndex::resource(std::uint32_t i) {
  const Entry& e = entries_[i];
  if (e.node) return e.node;
  for (const auto& [entry, tree] : held_)
    if (entry == i) return tree;
  auto it = parsed_.find(i);
  if (it == parsed_.end()) {
    auto entry = json::parse_compact_slice(*text_, e.begin, e.end);
    if (!entry) return nullptr;  // cannot happen: the text was accepted as a whole
    it = parsed_.emplace(i, std::move(*entry.document)).first;
  }
  return member(it->second.root(), "resource");
}

void ResourceIndex::hold(std::size_t slots, std::size_t item, std::uint32_t i, const Node* resource) {
  if (held_.size() != slots) held_.assign(slots, {kNone, nullptr});
  held_[item % slots] = {i, resource};
}

void ResourceIndex::forget_parsed() {
  if (parsed_.size() > 64) parsed_.clear();  // targets are read again by nearby entries: keep a few
}

}  // namespace fhir::mappings
