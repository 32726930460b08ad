// A read-only JSON tree for code that only reads what it parsed (the mappings read records and Bundles this
// way): the same strict parser as json::parse (same accepted texts, same error messages and locations), but
// each value is a 32-byte CompactNode, the children of a container are one contiguous array built once, and
// strings, keys and number texts stay in the document's copy of the source text (strings with escapes are decoded
// into the document's arena). Lookups
// and iteration follow json::Node's names (find, items, members, text, offset), so code reading either tree
// looks the same; an object's members are its children, each carrying its key().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fhir/json/node.h"
#include "fhir/json/parser.h"

namespace fhir::json {

namespace detail {
class CompactBuilder;
}

class CompactNode {
 public:
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
  // The member name when this value is a member of an object, else "".
  std::string_view key() const noexcept { return {key_, key_size_}; }
  // Byte offset of the value in the source text.
  std::uint32_t offset() const noexcept { return offset_; }

  // Object members (each with its key()) or array items, in source order; empty for primitives.
  std::span<const CompactNode> members() const noexcept { return children(Kind::Object); }
  std::span<const CompactNode> items() const noexcept { return children(Kind::Array); }
  // The member named `key` of an object (nullptr if absent or not an object).
  const CompactNode* find(std::string_view key) const noexcept;
  // Number of members (object) or items (array); 0 for primitives.
  std::size_t size() const noexcept { return is_primitive() ? 0 : size_; }

  // A json::Node copy of this value (allocated with `alloc`), for code that needs a mutable tree.
  Node to_node(const Node::allocator_type& alloc = {}) const;

 private:
  friend class detail::CompactBuilder;
  std::span<const CompactNode> children(Kind kind) const noexcept {
    return kind_ == kind ? std::span<const CompactNode>(static_cast<const CompactNode*>(data_), size_)
                         : std::span<const CompactNode>{};
  }

  const char* key_ = nullptr;
  const void* data_ = nullptr;  // text bytes (primitives, literals too) or the first child (object, array)
  std::uint32_t key_size_ = 0;
  std::uint32_t size_ = 0;  // text length or number of children
  std::uint32_t offset_ = 0;
  Kind kind_ = Kind::Null;
  // The key's first two bytes (0 past its end), kept in the node's padding: with key_size_ they let find()
  // pass over other members without reading their key text, which for large documents is long out of cache.
  char key_head_[2] = {0, 0};
};
static_assert(sizeof(CompactNode) <= 32, "a CompactNode stays 32 bytes");

// A parsed document: owns the source copy the values point into and the arena of their child arrays.
class CompactDocument {
 public:
  CompactDocument();
  CompactDocument(CompactDocument&&) noexcept;
  CompactDocument& operator=(CompactDocument&&) noexcept;
  ~CompactDocument();

  const CompactNode& root() const noexcept { return root_; }
  const LineIndex& lines() const noexcept { return lines_; }
  SourceLocation locate(std::uint32_t offset) const noexcept { return lines_.locate(offset); }

 private:
  friend class detail::CompactBuilder;
  std::unique_ptr<std::string> text_;  // the source copy (none when borrowed); never moves (views point into it)
  std::unique_ptr<std::pmr::monotonic_buffer_resource> arena_;
  CompactNode root_;
  LineIndex lines_;
};

struct CompactParseResult {
  std::optional<CompactDocument> document;  // set on success
  std::optional<ParseError> error;          // set on failure
  explicit operator bool() const noexcept { return document.has_value(); }
};

// Strict parse exactly as json::parse (same options, same errors); `text` is copied into the document.
CompactParseResult parse_compact(std::string_view text, const ParseOptions& options = {});
// The same without the copy: the document takes `text` over (its content is changed by the in-place decoding).
CompactParseResult parse_compact(std::string&& text, const ParseOptions& options = {});
// Without any copy: the document points into `text`, which must outlive it unchanged (a std::string, because the
// scanner relies on the NUL after the text). Only a text the scanner does not accept is copied, for the reference.
CompactParseResult parse_compact_borrowed(const std::string& text, const ParseOptions& options = {});
inline CompactParseResult parse_compact(const char* text, const ParseOptions& options = {}) {
  return parse_compact(std::string_view(text), options);
}

// Streaming read of a document whose bulk is the items of one array member of its root object (a Bundle's
// "entry"), so that a large one is never held whole: the same strict scanner as parse_compact_borrowed (`text` must
// outlive the trees), but each object or array item of root.<array_key> goes to `on_item` as soon as it is complete,
// with its byte range [begin, end) in `text`. The item's tree is valid during the call (and, with keep_items, while
// that many later items are read); its memory is then reused. Strings without escapes point into `text`. The rest of
// the root is kept in `envelope` (the array there is empty; primitive items are not delivered). Returns false when the
// scanner does not accept the text — items may have been delivered by then — and the caller then uses
// parse_compact_borrowed for the authoritative result or error report.
using CompactItemFn = std::function<void(const CompactNode& item, std::uint32_t begin, std::uint32_t end)>;
using CompactKeyFilter = bool (*)(std::size_t depth, std::string_view key);
struct CompactStreamOptions {
  ParseOptions parse;
  // When set, an item's tree holds only the members for which keep(depth, key) is true (depth 1: the item's own
  // members, 2: theirs, ...); the others are scanned and checked like the rest but not built — and, not being
  // built, not checked for duplicate keys either (a later full parse of the item checks them).
  CompactKeyFilter keep = nullptr;
  // With keep: the members it leaves out are skimmed instead (brackets and strings followed to the value's end,
  // nothing checked, no line counted), several times faster. Then a true return no longer means the text is valid
  // JSON, only that the items kept read well: for a pass whose text a later full pass checks anyway. On a valid
  // text the items are exactly those without skimming.
  bool skim_left_out = false;
  // The trees of this many items before the current one stay valid too (a window for looking ahead).
  std::size_t keep_items = 0;
};
bool stream_compact_items(const std::string& text, std::string_view array_key, const CompactItemFn& on_item,
                          CompactDocument& envelope, const CompactStreamOptions& options = {});
// One value of `text` that was accepted before (an item range from stream_compact_items), parsed where it stands.
// Its offsets are relative to `begin`.
CompactParseResult parse_compact_slice(const std::string& text, std::uint32_t begin, std::uint32_t end);

namespace detail {
// For the tests and the fuzz target: the scanner alone (a document only when Accepted) and the RapidJSON-based
// reference parser alone. parse_compact is the first, then the second for any text the first does not accept.
struct CompactScan {
  ScanResult result = ScanResult::Refused;
  std::optional<CompactDocument> document;
};
CompactScan scan_compact_only(std::string_view text, const ParseOptions& options = {});
CompactParseResult parse_compact_reference(std::string_view text, const ParseOptions& options = {});
}  // namespace detail

}  // namespace fhir::json
