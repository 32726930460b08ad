// Strict JSON parsing on top of RapidJSON's SAX reader (iterative mode: no recursion, so nesting depth
// can never overflow the stack). RapidJSON already rejects comments, trailing commas, NaN/Infinity and
// leading zeros with the flags used here; UTF-8, duplicate keys, lone surrogates and the depth cap are
// checked by the shared strict checks (strict.h).
#include "fhir/json/parser.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "block_pool.h"
#include "strict.h"

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

class TreeBuilder : public StrictHandler<const rapidjson::StringStream> {
 public:
  TreeBuilder(std::pmr::memory_resource* arena, const rapidjson::StringStream& stream, const Prepared& prepared,
              std::size_t max_depth)
      : StrictHandler(stream, prepared, max_depth), alloc_(arena) {}

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
    return string_ok(s, len, false) && scalar(Kind::String, std::string_view(s, len), position());
  }
  bool Key(const char* s, rapidjson::SizeType len, bool) {
    if (!string_ok(s, len, true)) return false;
    Frame& f = frames_.back();
    const std::string_view key(s, len);
    const std::size_t first = f.first_key;
    if (f.keys.duplicate(key, keys_.size() - first, [&](std::size_t i) { return std::string_view(keys_[first + i]); }))
      return duplicate_key(key);
    keys_.emplace_back(key, alloc_);
    return true;
  }
  bool StartObject() { return open(Kind::Object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(Kind::Array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  Node take_root() { return std::move(values_.front()); }

 private:
  struct Frame {
    Kind kind;
    std::uint32_t offset;
    std::size_t first_value;
    std::size_t first_key;
    KeyCheck keys;
  };

  bool scalar(Kind kind, std::string_view text, std::uint32_t offset) {
    Node& n = values_.emplace_back(kind, alloc_);
    n.offset_ = offset;
    if (kind == Kind::Number || kind == Kind::String) n.text_.assign(text.data(), text.size());
    return true;
  }

  bool open(Kind kind) {
    if (!depth_ok(frames_.size())) return false;
    frames_.push_back(Frame{kind, position(), values_.size(), keys_.size(), {}});
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
  std::vector<Frame> frames_;
  std::vector<Node> values_;             // finished values waiting for their container
  std::vector<std::pmr::string> keys_;   // keys of the open objects
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------

namespace {

// `data` must be NUL-terminated at data[text.size()].
ParseResult parse_terminated(std::string_view text, const char* data, const ParseOptions& options) {
  ParseResult r;
  detail::Prepared prepared;
  if (auto error = detail::prepare(text, options, prepared)) {
    r.error = std::move(error);
    return r;
  }
  Document doc;
  rapidjson::StringStream stream(data + prepared.skip);
  detail::TreeBuilder builder(ParserAccess::arena(doc), stream, prepared, options.max_depth);
  rapidjson::Reader reader;
  const rapidjson::ParseResult ok = reader.Parse<detail::kStrictFlags>(stream, builder);
  if (!ok) {
    r.error = detail::reader_error(ok, builder, prepared);
    return r;
  }
  ParserAccess::root(doc) = builder.take_root();
  ParserAccess::set_lines(doc, LineIndex(std::move(prepared.line_starts)));
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
