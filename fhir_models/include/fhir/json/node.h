// A lossless JSON tree: numbers keep their lexical text, object members keep their source order and every
// node remembers its byte offset in the source (for line/column in error reports).
//
// Nodes are allocator-aware (std::pmr). The parser builds them in an arena owned by json::Document; nodes
// built by hand use the default memory resource. Never let a node outlive the arena it was built in.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fhir::json {

enum class Kind : std::uint8_t { Null, False, True, Number, String, Array, Object };

struct Member;

// Equality for short keys and names: length and first byte reject most candidates without calling memcmp.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a.compare(b) == 0));
}

namespace detail {
class TreeBuilder;
}

class Node {
 public:
  using allocator_type = std::pmr::polymorphic_allocator<std::byte>;
  static constexpr std::uint32_t kNoOffset = 0xFFFFFFFFu;

  Node() noexcept : Node(allocator_type{}) {}
  explicit Node(const allocator_type& alloc) noexcept;
  Node(Kind kind, const allocator_type& alloc = {});
  Node(const Node& other, const allocator_type& alloc = {});
  Node(Node&& other) noexcept = default;
  Node(Node&& other, const allocator_type& alloc);
  Node& operator=(const Node& other);
  Node& operator=(Node&& other) noexcept(false);
  ~Node();

  // Factories (default memory resource unless an allocator is given).
  static Node null(const allocator_type& a = {}) { return Node(Kind::Null, a); }
  static Node boolean(bool v, const allocator_type& a = {}) { return Node(v ? Kind::True : Kind::False, a); }
  static Node string(std::string_view s, const allocator_type& a = {});
  // `lexical` must be a valid JSON number text; it is stored verbatim ("12.50" stays "12.50").
  static Node number(std::string_view lexical, const allocator_type& a = {});
  static Node object(const allocator_type& a = {}) { return Node(Kind::Object, a); }
  static Node array(const allocator_type& a = {}) { return Node(Kind::Array, a); }

  Kind kind() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == Kind::Null; }
  bool is_bool() const noexcept { return kind_ == Kind::True || kind_ == Kind::False; }
  bool is_number() const noexcept { return kind_ == Kind::Number; }
  bool is_string() const noexcept { return kind_ == Kind::String; }
  bool is_array() const noexcept { return kind_ == Kind::Array; }
  bool is_object() const noexcept { return kind_ == Kind::Object; }
  bool is_primitive() const noexcept { return kind_ != Kind::Array && kind_ != Kind::Object; }

  // String: the decoded UTF-8 text. Number: the lexical text. True/False: "true"/"false". Null: "null".
  std::string_view text() const noexcept;
  bool as_bool() const noexcept { return kind_ == Kind::True; }

  // Byte offset of the value in its source document, kNoOffset for nodes built in code.
  std::uint32_t offset() const noexcept { return offset_; }
  void set_offset(std::uint32_t off) noexcept { offset_ = off; }

  // --- objects (members in insertion/source order) ---
  std::span<const Member> members() const noexcept;
  std::span<Member> members() noexcept;
  const Node* find(std::string_view key) const noexcept;
  Node* find(std::string_view key) noexcept;
  // Replaces the value of `key` if present, else appends. Returns the stored value.
  Node& set(std::string_view key, Node value);
  // Appends without checking for an existing key (the parser checks duplicates itself).
  Node& append_member(std::string_view key, Node value);
  bool erase(std::string_view key);

  // --- arrays ---
  std::span<const Node> items() const noexcept { return items_; }
  std::span<Node> items() noexcept { return items_; }
  Node& push_back(Node value);

  // Number of members (object) or items (array); 0 for primitives.
  std::size_t size() const noexcept;
  void reserve(std::size_t n);

  // Deep structural equality; numbers compare by exact lexical text, object member order ignored.
  friend bool operator==(const Node& a, const Node& b) noexcept;

  allocator_type get_allocator() const noexcept { return text_.get_allocator(); }

 private:
  friend class detail::TreeBuilder;  // the parser fills nodes in place
  void set_text(std::string_view s) { text_.assign(s.data(), s.size()); }

  Kind kind_ = Kind::Null;
  std::uint32_t offset_ = kNoOffset;
  std::pmr::string text_;
  std::pmr::vector<Node> items_;
  std::pmr::vector<Member> members_;
};

struct Member {
  using allocator_type = std::pmr::polymorphic_allocator<std::byte>;
  Member(std::string_view k, Node v, const allocator_type& a = {}) : key(k, a), value(std::move(v), a) {}
  Member(std::pmr::string&& k, Node&& v, const allocator_type& a) : key(std::move(k), a), value(std::move(v), a) {}
  Member(const Member& o, const allocator_type& a = {}) : key(o.key, a), value(o.value, a) {}
  Member(Member&& o) noexcept = default;
  Member(Member&& o, const allocator_type& a) : key(std::move(o.key), a), value(std::move(o.value), a) {}
  Member& operator=(const Member&) = default;
  Member& operator=(Member&&) = default;

  std::pmr::string key;
  Node value;
};

}  // namespace fhir::json
