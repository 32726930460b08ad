// Strict RFC 8259 JSON parsing into json::Node, as FHIR requires: no comments, no trailing commas, no NaN,
// no leading zeros, valid UTF-8 only, no lone surrogates, no duplicate object keys, bounded nesting depth.
// Numbers keep their exact lexical text. Errors carry byte offset, line and column (1-based).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json/node.h"

namespace fhir::json {

struct ParseOptions {
  std::size_t max_depth = 256;  // deeper nesting is an error, never a stack overflow
  std::size_t max_bytes = 0;    // 0 = no limit
};

struct SourceLocation {
  std::uint32_t line = 0;    // 1-based; 0 = unknown
  std::uint32_t column = 0;  // 1-based, in bytes
};

struct ParseError {
  std::string message;     // e.g. "duplicate key 'status'"
  std::size_t offset = 0;  // byte offset of the problem
  SourceLocation location;
};

// Maps byte offsets to line/column.
class LineIndex {
 public:
  LineIndex() = default;
  explicit LineIndex(std::string_view source);
  // From precomputed line start offsets (first entry 0), as the parser collects them.
  explicit LineIndex(std::vector<std::uint32_t> line_starts) : line_starts_(std::move(line_starts)) {}
  SourceLocation locate(std::size_t offset) const noexcept;

 private:
  std::vector<std::uint32_t> line_starts_;
};

// A parsed document: the root node lives in an arena owned by the document.
class Document {
 public:
  Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Node& root() noexcept { return *root_; }
  const Node& root() const noexcept { return *root_; }
  const LineIndex& lines() const noexcept { return lines_; }
  SourceLocation locate(std::uint32_t offset) const noexcept { return lines_.locate(offset); }
  Node::allocator_type allocator() const noexcept { return Node::allocator_type(arena_.get()); }

 private:
  friend class ParserAccess;
  std::unique_ptr<std::pmr::monotonic_buffer_resource> arena_;
  Node* root_ = nullptr;  // lives in the arena, so its address is stable across moves
  LineIndex lines_;
};

struct ParseResult {
  std::optional<Document> document;  // set on success
  std::optional<ParseError> error;   // set on failure
  explicit operator bool() const noexcept { return document.has_value(); }
};

// The std::string and C-string overloads parse in place; the string_view one copies the text first.
ParseResult parse(const std::string& text, const ParseOptions& options = {});
ParseResult parse(const char* text, const ParseOptions& options = {});
ParseResult parse(std::string_view text, const ParseOptions& options = {});

namespace detail {
// What the strict scanner both parsers try first says of a text (see src/json/scanner.h); texts it does not
// accept are parsed again by the RapidJSON-based reference parser, which reports the error.
enum class ScanResult : std::uint8_t {
  Accepted,  // a complete tree was built
  Refused,   // not strict JSON
  Declined,  // maybe valid: a number RapidJSON may call too big (exponent above 308, > 300 integer digits)
};
// For the tests and the fuzz target: the RapidJSON-based reference parser alone.
ParseResult parse_reference(std::string_view text, const ParseOptions& options = {});
}  // namespace detail

}  // namespace fhir::json
