#include "fhir/json/node.h"

#include <algorithm>
#include <utility>

namespace fhir::json {

Node::Node(const allocator_type& alloc) noexcept : text_(alloc), items_(alloc), members_(alloc) {}

Node::Node(Kind kind, const allocator_type& alloc) : kind_(kind), text_(alloc), items_(alloc), members_(alloc) {}

Node::Node(const Node& other, const allocator_type& alloc)
    : kind_(other.kind_),
      offset_(other.offset_),
      text_(other.text_, alloc),
      items_(other.items_, alloc),
      members_(other.members_, alloc) {}

Node::Node(Node&& other, const allocator_type& alloc)
    : kind_(other.kind_),
      offset_(other.offset_),
      text_(std::move(other.text_), alloc),
      items_(std::move(other.items_), alloc),
      members_(std::move(other.members_), alloc) {}

Node& Node::operator=(const Node& other) {
  if (this != &other) {
    kind_ = other.kind_;
    offset_ = other.offset_;
    text_ = other.text_;
    items_ = other.items_;
    members_ = other.members_;
  }
  return *this;
}

// Not noexcept: with different memory resources, pmr containers copy element-wise.
Node& Node::operator=(Node&& other) noexcept(false) {
  if (this != &other) {
    kind_ = other.kind_;
    offset_ = other.offset_;
    text_ = std::move(other.text_);
    items_ = std::move(other.items_);
    members_ = std::move(other.members_);
  }
  return *this;
}

Node::~Node() = default;

Node Node::string(std::string_view s, const allocator_type& a) {
  Node n(Kind::String, a);
  n.set_text(s);
  return n;
}

Node Node::number(std::string_view lexical, const allocator_type& a) {
  Node n(Kind::Number, a);
  n.set_text(lexical);
  return n;
}

std::string_view Node::text() const noexcept {
  switch (kind_) {
    case Kind::Null: return "null";
    case Kind::True: return "true";
    case Kind::False: return "false";
    case Kind::Number:
    case Kind::String: return text_;
    default: return {};
  }
}

std::span<const Member> Node::members() const noexcept { return members_; }
std::span<Member> Node::members() noexcept { return members_; }

const Node* Node::find(std::string_view key) const noexcept {
  for (const Member& m : members_) {
    if (same_text(m.key, key)) return &m.value;
  }
  return nullptr;
}

Node* Node::find(std::string_view key) noexcept {
  for (Member& m : members_) {
    if (same_text(m.key, key)) return &m.value;
  }
  return nullptr;
}

Node& Node::set(std::string_view key, Node value) {
  if (Node* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  return append_member(key, std::move(value));
}

Node& Node::append_member(std::string_view key, Node value) {
  kind_ = Kind::Object;
  members_.emplace_back(key, std::move(value));
  return members_.back().value;
}

bool Node::erase(std::string_view key) {
  auto it = std::find_if(members_.begin(), members_.end(), [&](const Member& m) { return m.key == key; });
  if (it == members_.end()) return false;
  members_.erase(it);
  return true;
}

Node& Node::push_back(Node value) {
  kind_ = Kind::Array;
  items_.push_back(std::move(value));
  return items_.back();
}

std::size_t Node::size() const noexcept {
  if (kind_ == Kind::Object) return members_.size();
  if (kind_ == Kind::Array) return items_.size();
  return 0;
}

void Node::reserve(std::size_t n) {
  if (kind_ == Kind::Object) members_.reserve(n);
  if (kind_ == Kind::Array) items_.reserve(n);
}

bool operator==(const Node& a, const Node& b) noexcept {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Kind::Null:
    case Kind::True:
    case Kind::False: return true;
    case Kind::Number:
    case Kind::String: return a.text_ == b.text_;
    case Kind::Array: return std::equal(a.items_.begin(), a.items_.end(), b.items_.begin(), b.items_.end());
    case Kind::Object: {
      if (a.members_.size() != b.members_.size()) return false;
      for (std::size_t i = 0; i < a.members_.size(); ++i) {
        const Member& m = a.members_[i];
        // Fast path: same position (the common case for canonical data).
        const Node* other = (b.members_[i].key == m.key) ? &b.members_[i].value : b.find(m.key);
        if (other == nullptr || !(m.value == *other)) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace fhir::json
