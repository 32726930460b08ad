// FHIR -> internal: what the mapping needs to know of every resource of the input before it maps any, so that
// references resolve inside the input (fullUrl, Type/id, urn:uuid:id, identifier system|value; the last resource
// with a key wins) and a reference's record id or patient MRN needs no second look at the target.
// For a large Bundle read as a stream, the index is all that is kept of the entries between the two passes
// (from_fhir.cpp): a target whose content is needed is taken from the trees the stream still holds, or parsed
// again from its range of the text.
#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fhir/json/arena.h"
#include "fhir/json/compact.h"
#include "key_table.h"
#include "node_build.h"

namespace fhir::mappings {

class ResourceIndex {
 public:
  using Node = json::CompactNode;
  static constexpr std::uint32_t kNone = KeyTable::kNone;

  struct Entry {
    std::string_view full_url;   // Bundle.entry.fullUrl
    std::string_view id;         // Resource.id
    std::string_view record_id;  // value of its first gateway record identifier (may be ""); none: id
    std::string_view mrn;        // its first non-empty MRN identifier value
    bool has_record_id = false;
    const Node* node = nullptr;        // the resource, when the whole input is parsed (else read from the text)
    std::uint32_t begin = 0, end = 0;  // streamed: the range of its Bundle entry in the text
  };

  // `record_prefix`: <local-base>/record/; `mrn_system`: the MRN identifier system.
  // `text`: the text the views of a streamed input point into (empty when every node outlives the index).
  ResourceIndex(std::string record_prefix, std::string mrn_system, const std::string* text = nullptr);

  // Adds the next resource (its views are copied unless they point into `text` or `stable` is set).
  void add(const Node& resource, std::string_view full_url, const Node* node, std::uint32_t begin, std::uint32_t end);
  void reserve(std::size_t resources);

  std::size_t size() const noexcept { return entries_.size(); }
  const Entry& operator[](std::uint32_t i) const noexcept { return entries_[i]; }
  // The entry a Reference points to (kNone if it is not in the input).
  std::uint32_t find(const Node& ref);
  // The resource of entry i: its node, the tree the stream still holds (see hold()), or its entry parsed again,
  // kept until forget_parsed().
  const Node* resource(std::uint32_t i);
  // Streamed: the stream holds the trees of its last `slots` items (json::CompactStreamOptions::keep_items + 1);
  // item number `item` is entry i's (kNone: no entry), with this resource tree. clear_held(): none any more.
  void hold(std::size_t slots, std::size_t item, std::uint32_t i, const Node* resource);
  void clear_held() { held_.clear(); }
  // Between two resources being mapped: drops the resources parsed again once there are many of them.
  void forget_parsed();

  const std::string& record_prefix() const noexcept { return record_prefix_; }
  const std::string& mrn_system() const noexcept { return mrn_system_; }

 private:
  std::string_view keep(std::string_view s);
  std::string_view join(std::initializer_list<std::string_view> parts);

  std::string record_prefix_;
  std::string mrn_system_;
  const std::string* text_;
  // Everything below in blocks of the JSON block pool: reused by the next mapping, no fresh pages to fault in.
  std::unique_ptr<std::pmr::memory_resource> arena_ = json::make_arena();
  std::pmr::vector<Entry> entries_{arena_.get()};
  // Keys joined from parts ("Patient/p1", "urn:uuid:...", "system|value") and copied texts live in one arena:
  // the maps hold views, and a lookup by a reference's text needs no string at all.
  KeyTable by_ref_{arena_.get()};         // fullUrl, Type/id, urn:uuid:id
  KeyTable by_identifier_{arena_.get()};  // system|value
  std::string key_;                       // a lookup key being joined
  std::unordered_map<std::uint32_t, json::CompactDocument> parsed_;
  std::vector<std::pair<std::uint32_t, const Node*>> held_;  // per stream slot: (entry, its resource tree)
};

// Calls fn(system, value) for each identifier of a resource (an array, or one object).
template <typename Fn>
void for_each_identifier(const json::CompactNode& r, Fn&& fn) {
  const json::CompactNode* ids = r.find("identifier");
  if (!ids) return;
  if (ids->is_object()) {
    fn(member_text(*ids, "system"), member_text(*ids, "value"));
    return;
  }
  if (!ids->is_array()) return;
  for (const json::CompactNode& i : ids->items()) fn(member_text(i, "system"), member_text(i, "value"));
}

}  // namespace fhir::mappings
