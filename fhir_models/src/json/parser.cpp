// Strict JSON parsing on top of RapidJSON's SAX reader (iterative mode: no recursion, so nesting depth
// can never overflow the stack). RapidJSON already rejects comments, trailing commas, NaN/Infinity,
// leading zeros and invalid UTF-8 with the flags used here; duplicate keys, lone surrogates and the
// depth cap are checked by the tree builder.
#include "fhir/json/parser.h"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_set>
#include <utility>

#include "block_pool.h"

namespace fhir::json {

// ---------------------------------------------------------------------------------------------
// LineIndex

LineIndex::LineIndex(std::string_view source) {
  line_starts_.push_back(0);
  const char* begin = source.data();
  const char* end = begin + source.size();
  for (const char* p = begin; p < end;) {
    const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    if (nl == nullptr) break;
    p = static_cast<const char*>(nl) + 1;
    line_starts_.push_back(static_cast<std::uint32_t>(p - begin));
  }
}

SourceLocation LineIndex::locate(std::size_t offset) const noexcept {
  if (line_starts_.empty() || offset == Node::kNoOffset) return {};
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const auto line = static_cast<std::uint32_t>(it - line_starts_.begin());  // 1-based
  const std::uint32_t start = line_starts_[line - 1];
  return {line, static_cast<std::uint32_t>(offset - start + 1)};
}

// ---------------------------------------------------------------------------------------------
// Document

// Every allocation of a document's tree, the root node included, comes from its arena, and pmr
// containers copy foreign nodes into their own arena. So destroying the tree node by node is pure
// overhead: releasing the arena frees everything at once.
Document::Document() : arena_(std::make_unique<std::pmr::monotonic_buffer_resource>(4096, detail::block_pool())) {
  void* p = arena_->allocate(sizeof(Node), alignof(Node));
  root_ = new (p) Node(Node::allocator_type(arena_.get()));
}
Document::Document(Document&& other) noexcept
    : arena_(std::move(other.arena_)), root_(std::exchange(other.root_, nullptr)), lines_(std::move(other.lines_)) {}
Document& Document::operator=(Document&& other) noexcept {
  if (this != &other) {
    arena_ = std::move(other.arena_);
    root_ = std::exchange(other.root_, nullptr);
    lines_ = std::move(other.lines_);
  }
  return *this;
}
Document::~Document() = default;

class ParserAccess {
 public:
  static Node& root(Document& d) { return *d.root_; }
  static std::pmr::memory_resource* arena(Document& d) { return d.arena_.get(); }
  static void set_lines(Document& d, LineIndex lines) { d.lines_ = std::move(lines); }
};

// ---------------------------------------------------------------------------------------------
// Tree builder (SAX handler)

namespace detail {

namespace {

// A decoded string holding a UTF-16 surrogate code point (U+D800..U+DFFF, encoded as ED A0..BF xx)
// came from a lone \uD8xx-style escape: JSON text that is not valid Unicode.
bool has_encoded_surrogate(const char* s, std::size_t n) {
  for (const char* p = s; p + 1 < s + n;) {
    const void* hit = std::memchr(p, 0xED, static_cast<std::size_t>(s + n - p - 1));
    if (hit == nullptr) return false;
    const auto* q = static_cast<const unsigned char*>(hit);
    if (q[1] >= 0xA0) return true;
    p = reinterpret_cast<const char*>(q) + 1;
  }
  return false;
}

constexpr std::size_t kHashedKeyThreshold = 32;

}  // namespace

class TreeBuilder {
 public:
  // `adjust` is added to every offset (a skipped byte order mark).
  // `check_surrogates`: the text has a \u escape. The UTF-8 check already rejected raw surrogate bytes,
  // so without one no decoded string can hold a surrogate.
  TreeBuilder(std::pmr::memory_resource* arena, const rapidjson::StringStream& stream, std::uint32_t adjust,
              std::size_t max_depth, bool check_surrogates)
      : alloc_(arena), stream_(stream), adjust_(adjust), max_depth_(max_depth), check_surrogates_(check_surrogates) {}

  bool Null() { return scalar(Kind::Null, {}, offset_back(4)); }
  bool Bool(bool b) { return scalar(b ? Kind::True : Kind::False, {}, offset_back(b ? 4 : 5)); }
  // Only RawNumber is used (kParseNumbersAsStringsFlag); the typed callbacks are never called.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType len, bool) {
    return scalar(Kind::Number, std::string_view(s, len), position());
  }
  bool String(const char* s, rapidjson::SizeType len, bool) {
    if (check_surrogates_ && has_encoded_surrogate(s, len)) return fail("string contains a lone UTF-16 surrogate escape");
    return scalar(Kind::String, std::string_view(s, len), position());
  }
  bool Key(const char* s, rapidjson::SizeType len, bool) {
    if (check_surrogates_ && has_encoded_surrogate(s, len)) return fail("object key contains a lone UTF-16 surrogate escape");
    Frame& f = frames_.back();
    const std::string_view key(s, len);
    const std::size_t count = keys_.size() - f.first_key;
    if (count < kHashedKeyThreshold) {
      for (std::size_t i = f.first_key; i < keys_.size(); ++i) {
        if (keys_[i] == key) return fail("duplicate key '" + std::string(key) + "'");
      }
    } else {
      if (!f.key_set) {
        f.key_set = std::make_unique<std::unordered_set<std::string>>();
        for (std::size_t i = f.first_key; i < keys_.size(); ++i) f.key_set->emplace(keys_[i]);
      }
      if (!f.key_set->emplace(key).second) return fail("duplicate key '" + std::string(key) + "'");
    }
    keys_.emplace_back(key, alloc_);
    return true;
  }
  bool StartObject() { return open(Kind::Object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(Kind::Array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  Node take_root() { return std::move(values_.front()); }
  const std::string& error() const { return error_; }
  std::size_t error_offset() const { return error_offset_; }

 private:
  struct Frame {
    Kind kind;
    std::uint32_t offset;
    std::size_t first_value;
    std::size_t first_key;
    std::unique_ptr<std::unordered_set<std::string>> key_set;  // only for large objects
  };

  // RapidJSON calls the handler with the stream still at the start of a string, number, object or
  // array (it parses those through a local copy of the stream), but after a true/false/null literal.
  std::uint32_t position() const { return static_cast<std::uint32_t>(stream_.Tell()) + adjust_; }
  std::uint32_t offset_back(std::size_t n) const { return position() - static_cast<std::uint32_t>(n); }

  bool fail(std::string message) {
    error_ = std::move(message);
    error_offset_ = position();
    return false;
  }

  bool scalar(Kind kind, std::string_view text, std::uint32_t offset) {
    Node& n = values_.emplace_back(kind, alloc_);
    n.offset_ = offset;
    if (kind == Kind::Number || kind == Kind::String) n.text_.assign(text.data(), text.size());
    return true;
  }

  bool open(Kind kind) {
    if (frames_.size() >= max_depth_) {
      return fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
    }
    frames_.push_back(Frame{kind, position(), values_.size(), keys_.size(), nullptr});
    return true;
  }

  bool close() {
    Frame& f = frames_.back();
    Node container(f.kind, alloc_);
    container.offset_ = f.offset;
    const std::size_t n = values_.size() - f.first_value;
    if (f.kind == Kind::Object) {
      container.members_.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        container.members_.emplace_back(std::move(keys_[f.first_key + i]), std::move(values_[f.first_value + i]));
      }
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(f.first_key), keys_.end());
    } else {
      container.items_.reserve(n);
      for (std::size_t i = 0; i < n; ++i) container.items_.push_back(std::move(values_[f.first_value + i]));
    }
    values_.erase(values_.begin() + static_cast<std::ptrdiff_t>(f.first_value), values_.end());
    frames_.pop_back();
    values_.push_back(std::move(container));
    return true;
  }

  Node::allocator_type alloc_;
  const rapidjson::StringStream& stream_;
  std::uint32_t adjust_;
  std::size_t max_depth_;
  bool check_surrogates_;
  std::vector<Frame> frames_;
  std::vector<Node> values_;             // finished values waiting for their container
  std::vector<std::pmr::string> keys_;   // keys of the open objects
  std::string error_;
  std::size_t error_offset_ = 0;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------

namespace {

// UTF-8 is validated up front (validate_utf8, much faster than RapidJSON's per-character check), so
// kParseValidateEncodingFlag is not needed.
constexpr unsigned kStrictFlags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

struct TextScan {
  std::size_t bad_utf8 = std::string_view::npos;  // first byte that is not well-formed UTF-8
  std::size_t nul = std::string_view::npos;       // first NUL byte
};

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
// Non-zero iff some byte of v is zero (exact for the "is there one" question).
constexpr std::uint64_t zero_byte_mask(std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; }

// One pass over the text: UTF-8 well-formedness (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), NUL bytes, and line starts for the LineIndex. ASCII runs go eight bytes at a time.
TextScan scan_text(std::string_view text, std::vector<std::uint32_t>& line_starts) {
  TextScan scan;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  line_starts.push_back(0);
  std::size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s + i, 8);
      if ((chunk & kHighBits) != 0 || zero_byte_mask(chunk) != 0) break;
      if (zero_byte_mask(chunk ^ (kOnes * '\n')) != 0) {
        for (std::size_t k = 0; k < 8; ++k) {
          if (s[i + k] == '\n') line_starts.push_back(static_cast<std::uint32_t>(i + k + 1));
        }
      }
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (c == '\n') line_starts.push_back(static_cast<std::uint32_t>(i + 1));
      if (c == 0 && scan.nul == std::string_view::npos) scan.nul = i;
      ++i;
      continue;
    }
    std::size_t len;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      len = 0;
    }
    bool ok = len != 0 && i + len <= n && s[i + 1] >= lo && s[i + 1] <= hi;
    for (std::size_t k = 2; ok && k < len; ++k) ok = s[i + k] >= 0x80 && s[i + k] <= 0xBF;
    if (!ok) {
      scan.bad_utf8 = i;
      return scan;
    }
    i += len;
  }
  return scan;
}

ParseResult make_error(std::string message, std::size_t offset, std::string_view text) {
  ParseResult r;
  LineIndex lines(text);
  r.error = ParseError{std::move(message), offset, lines.locate(offset)};
  return r;
}

}  // namespace

namespace {

// `data` must be NUL-terminated at data[text.size()].
ParseResult parse_terminated(std::string_view text, const char* data, const ParseOptions& options) {
  if (options.max_bytes != 0 && text.size() > options.max_bytes) {
    return make_error("document of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                          std::to_string(options.max_bytes) + " bytes",
                      0, {});
  }
  if (text.size() >= 0xFFFFFFF0u) return make_error("document larger than 4 GiB", 0, {});
  std::vector<std::uint32_t> line_starts;
  const TextScan scan = scan_text(text, line_starts);
  if (scan.bad_utf8 != std::string_view::npos) return make_error("invalid UTF-8 byte sequence", scan.bad_utf8, text);
  if (scan.nul != std::string_view::npos) return make_error("NUL byte in JSON text", scan.nul, text);
  // A UTF-8 byte order mark is tolerated and skipped (offsets stay relative to the original text).
  std::uint32_t skip = 0;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    skip = 3;
  }

  Document doc;
  rapidjson::StringStream stream(data + skip);
  const bool has_unicode_escape = text.find("\\u") != std::string_view::npos;
  detail::TreeBuilder builder(ParserAccess::arena(doc), stream, skip, options.max_depth, has_unicode_escape);
  rapidjson::Reader reader;
  rapidjson::ParseResult ok = reader.Parse<kStrictFlags>(stream, builder);
  if (!ok) {
    if (!builder.error().empty()) return make_error(builder.error(), builder.error_offset(), text);
    std::string message = rapidjson::GetParseError_En(ok.Code());
    if (!message.empty() && message.back() == '.') message.pop_back();
    return make_error(message, ok.Offset() + skip, text);
  }
  ParserAccess::root(doc) = builder.take_root();
  ParserAccess::set_lines(doc, LineIndex(std::move(line_starts)));
  ParseResult r;
  r.document = std::move(doc);
  return r;
}

}  // namespace

ParseResult parse(const std::string& text, const ParseOptions& options) {
  return parse_terminated(text, text.c_str(), options);
}

ParseResult parse(const char* text, const ParseOptions& options) {
  return parse_terminated(text, text, options);
}

ParseResult parse(std::string_view text, const ParseOptions& options) {
  const std::string copy(text);  // RapidJSON reads a NUL-terminated buffer; a view may not be one
  return parse_terminated(copy, copy.c_str(), options);
}

}  // namespace fhir::json
