// Small helpers to build json::Node trees with one allocator (internal to the mappings library): the records
// of fhir_to_records (fhir_to_ndjson writes them as text, json_out.h, as does the FHIR output). Inputs are read as
// json::CompactNode trees.
#pragma once

#include <string>
#include <string_view>

#include "fhir/json/compact.h"
#include "fhir/json/node.h"

namespace fhir::mappings {

class NodeBuilder {
 public:
  using Node = json::Node;
  explicit NodeBuilder(const Node::allocator_type& a) : a_(a) {}

  Node obj(std::size_t reserve = 4) const {
    Node o = Node::object(a_);
    o.reserve(reserve);  // fewer reallocations of the member vector (cheap in an arena)
    return o;
  }
  Node arr() const { return Node::array(a_); }
  Node str(std::string_view s) const { return Node::string(s, a_); }
  Node num(std::string_view lexical) const { return Node::number(lexical, a_); }
  Node boolean(bool b) const { return Node::boolean(b, a_); }
  const Node::allocator_type& alloc() const { return a_; }

  static void add(Node& o, std::string_view key, Node v) { o.append_member(key, std::move(v)); }
  void add_str(Node& o, std::string_view key, std::string_view v) const { o.append_member(key, str(v)); }

 private:
  Node::allocator_type a_;
};

// Lookups in a json::Node or a json::CompactNode (the parsed input of both directions).
template <typename N>
const N* member(const N& o, std::string_view key) {
  return o.is_object() ? o.find(key) : nullptr;
}
template <typename N>
std::string_view member_text(const N& o, std::string_view key) {
  const N* n = member(o, key);
  return n && (n->is_string() || n->is_number()) ? n->text() : std::string_view{};
}

}  // namespace fhir::mappings
