// What the two strict parsers share (json::parse builds json::Node trees, json::parse_compact builds
// CompactNode trees): the checks before RapidJSON's reader runs (size, UTF-8, NUL bytes, byte order mark, line
// starts), the checks a SAX handler adds (depth, duplicate keys, lone surrogate escapes) and the error reports.
// Both parsers therefore accept and reject exactly the same texts, with the same messages and locations.
#pragma once

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "fhir/json/parser.h"

namespace fhir::json::detail {

// UTF-8 is validated up front (prepare(), much faster than RapidJSON's per-character check), so
// kParseValidateEncodingFlag is not needed. Iterative mode: no recursion, nesting can never overflow the stack.
constexpr unsigned kStrictFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

struct Prepared {
  std::vector<std::uint32_t> line_starts;  // for the document's LineIndex
  std::uint32_t skip = 0;                  // bytes of a UTF-8 byte order mark (tolerated and skipped)
  bool has_unicode_escape = false;         // only then can a decoded string hold a lone surrogate
};

// Size limits, UTF-8 well-formedness and NUL bytes; fills `out` when the text passes. `text` must be followed by
// a NUL byte (text.data()[text.size()] == '\0').
std::optional<ParseError> prepare(std::string_view text, const ParseOptions& options, Prepared& out);

ParseError make_error(std::string message, std::size_t offset, std::string_view text);
ParseError make_error(std::string message, std::size_t offset, const LineIndex& lines);

// A decoded string holding a UTF-16 surrogate code point came from a lone \uD8xx-style escape.
bool has_encoded_surrogate(const char* s, std::size_t n);

// Equality of two short texts (object keys) without a call to memcmp: eight bytes at a time.
inline bool equal_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i)
      if (p[i] != q[i]) return false;
    return true;
  }
  auto load = [](const char* s) {
    std::uint64_t v;
    std::memcpy(&v, s, 8);
    return v;
  };
  for (std::size_t i = 0; i + 8 < n; i += 8)
    if (load(p + i) != load(q + i)) return false;
  return load(p + n - 8) == load(q + n - 8);  // the last eight bytes (overlapping the loop's last block)
}

// Duplicate keys of one open object: a linear scan over the first keys, a hash set for large objects.
class KeyCheck {
 public:
  // `key_at(i)` is the i-th of the `count` keys the object already has.
  template <typename KeyAt>
  bool duplicate(std::string_view key, std::size_t count, KeyAt&& key_at) {
    if (!set_ && count < kHashedKeyThreshold) {
      for (std::size_t i = 0; i < count; ++i)
        if (equal_text(key_at(i), key)) return true;
      return false;
    }
    if (!set_) {
      set_ = std::make_unique<std::unordered_set<std::string>>();
      for (std::size_t i = 0; i < count; ++i) set_->emplace(key_at(i));
    }
    return !set_->emplace(key).second;
  }

 private:
  static constexpr std::size_t kHashedKeyThreshold = 32;
  std::unique_ptr<std::unordered_set<std::string>> set_;  // only for large objects
};

// The checks and error state of a strict SAX handler reading `Stream` (a RapidJSON string stream).
template <typename Stream>
class StrictHandler {
 public:
  const std::string& error() const { return error_; }
  std::size_t error_offset() const { return error_offset_; }

 protected:
  // `adjust` is added to every offset (a skipped byte order mark).
  StrictHandler(Stream& stream, const Prepared& prepared, std::size_t max_depth)
      : stream_(stream),
        adjust_(prepared.skip),
        max_depth_(max_depth),
        check_surrogates_(prepared.has_unicode_escape) {}

  // RapidJSON calls the handler with the stream still at the start of a string, number, object or
  // array (it parses those through a local copy of the stream), but after a true/false/null literal.
  std::uint32_t position() const { return static_cast<std::uint32_t>(stream_.Tell()) + adjust_; }
  std::uint32_t offset_back(std::size_t n) const { return position() - static_cast<std::uint32_t>(n); }

  bool fail(std::string message) {
    error_ = std::move(message);
    error_offset_ = position();
    return false;
  }
  // False (after failing) when a container opened at `depth` open containers is too deep.
  bool depth_ok(std::size_t depth) {
    return depth < max_depth_ || fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
  }
  bool string_ok(const char* s, std::size_t n, bool key) {
    if (!check_surrogates_ || !has_encoded_surrogate(s, n)) return true;
    return fail(key ? "object key contains a lone UTF-16 surrogate escape"
                    : "string contains a lone UTF-16 surrogate escape");
  }
  bool duplicate_key(std::string_view key) { return fail("duplicate key '" + std::string(key) + "'"); }

 private:
  Stream& stream_;
  std::uint32_t adjust_;
  std::size_t max_depth_;
  bool check_surrogates_;
  std::string error_;
  std::size_t error_offset_ = 0;
};

// RapidJSON's SAX events, with the strict checks, into a tree builder (compact.cpp's CompactBuilder or
// parser.cpp's TreeBuilder: scalar, key, open, close, depth). Literals come with their text.
template <typename Stream, typename Builder>
class StrictReader : public StrictHandler<Stream> {
 public:
  StrictReader(Builder& tree, Stream& stream, const Prepared& prepared, std::size_t max_depth)
      : StrictHandler<Stream>(stream, prepared, max_depth), tree_(tree) {}

  bool Null() { return scalar(Kind::Null, "null", 4, this->offset_back(4)); }
  bool Bool(bool b) {
    return b ? scalar(Kind::True, "true", 4, this->offset_back(4))
             : scalar(Kind::False, "false", 5, this->offset_back(5));
  }
  // Only RawNumber is used (kParseNumbersAsStringsFlag); the typed callbacks are never called.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType len, bool) {
    return scalar(Kind::Number, s, len, this->position());
  }
  bool String(const char* s, rapidjson::SizeType len, bool) {
    return this->string_ok(s, len, false) && scalar(Kind::String, s, len, this->position());
  }
  bool Key(const char* s, rapidjson::SizeType len, bool) {
    if (!this->string_ok(s, len, true)) return false;
    return tree_.key(s, len, false) || this->duplicate_key(std::string_view(s, len));
  }
  bool StartObject() { return open(Kind::Object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(Kind::Array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

 private:
  bool scalar(Kind kind, const char* s, std::size_t len, std::uint32_t offset) {
    tree_.scalar(kind, s, len, offset);
    return true;
  }
  bool open(Kind kind) {
    if (!this->depth_ok(tree_.depth())) return false;
    tree_.open(kind, this->position());
    return true;
  }
  bool close() {
    tree_.close();
    return true;
  }

  Builder& tree_;
};

// The error of a failed reader run: the handler's own message when it set one, else RapidJSON's. Located with
// the line starts prepare() found (an in-place parse may have changed the text since).
template <typename Handler>
ParseError reader_error(const rapidjson::ParseResult& ok, const Handler& handler, const Prepared& prepared) {
  const LineIndex lines(prepared.line_starts);
  if (!handler.error().empty()) return make_error(handler.error(), handler.error_offset(), lines);
  std::string message = rapidjson::GetParseError_En(ok.Code());
  if (!message.empty() && message.back() == '.') message.pop_back();
  return make_error(message, ok.Offset() + prepared.skip, lines);
}

}  // namespace fhir::json::detail
