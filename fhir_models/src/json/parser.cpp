// Strict JSON parsing: the strict scanner (scanner.h) first; any text it does not accept goes to the reference
// parser on top of RapidJSON's SAX reader (iterative mode: no recursion, so nesting depth can never overflow the
// stack), which gives the result and the error report. RapidJSON rejects comments, trailing commas, NaN/Infinity
// and leading zeros with the flags used here; UTF-8, duplicate keys, lone surrogates and the depth cap are
// checked by the shared strict checks (strict.h).
#include "fhir/json/parser.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "block_pool.h"
#include "scanner.h"
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

// Builds a json::Node tree from value events: finished values and the keys of open objects wait on stacks until
// their container closes. Fed by the scanner (scanner.h) or by RapidJSON (StrictReader, strict.h).
class TreeBuilder {
 public:
  explicit TreeBuilder(std::pmr::memory_resource* arena) : alloc_(arena) {}

  void scalar(Kind kind, const char* s, std::size_t len, std::uint32_t offset) {
    Node& n = values_.emplace_back(kind, alloc_);
    n.offset_ = offset;
    if (kind == Kind::Number || kind == Kind::String) n.text_.assign(s, len);
  }
  void string(const char* s, std::size_t len, std::uint32_t offset, bool /*in_scratch: always copied*/) {
    scalar(Kind::String, s, len, offset);
  }
  // False when the open object already has this key.
  bool key(const char* s, std::size_t len, bool /*in_scratch: always copied*/) {
    Frame& f = frames_.back();
    const std::string_view key(s, len);
    const std::size_t first = f.first_key;
    if (f.keys.duplicate(key, keys_.size() - first, [&](std::size_t i) { return std::string_view(keys_[first + i]); }))
      return false;
    keys_.emplace_back(key, alloc_);
    return true;
  }
  void open(Kind kind, std::uint32_t offset) {
    frames_.push_back(Frame{kind, offset, values_.size(), keys_.size(), {}});
  }
  void close(std::uint32_t /*end*/ = 0) {
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
  }

  std::size_t depth() const noexcept { return frames_.size(); }
  Node take_root() { return std::move(values_.front()); }

 private:
  struct Frame {
    Kind kind;
    std::uint32_t offset;
    std::size_t first_value;
    std::size_t first_key;
    KeyCheck keys;
  };

  Node::allocator_type alloc_;
  std::vector<Frame> frames_;
  std::vector<Node> values_;            // finished values waiting for their container
  std::vector<std::pmr::string> keys_;  // keys of the open objects
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------

namespace {

// The reference parser: RapidJSON's reader with the strict checks. `data` must be NUL-terminated at data[text.size()].
ParseResult parse_reference(std::string_view text, const char* data, const ParseOptions& options) {
  ParseResult r;
  detail::Prepared prepared;
  if (auto error = detail::prepare(text, options, prepared)) {
    r.error = std::move(error);
    return r;
  }
  Document doc;
  rapidjson::StringStream stream(data + prepared.skip);
  detail::TreeBuilder tree(ParserAccess::arena(doc));
  detail::StrictReader<const rapidjson::StringStream, detail::TreeBuilder> reader_handler(tree, stream, prepared,
                                                                                          options.max_depth);
  rapidjson::Reader reader;
  const rapidjson::ParseResult ok = reader.Parse<detail::kStrictFlags>(stream, reader_handler);
  if (!ok) {
    r.error = detail::reader_error(ok, reader_handler, prepared);
    return r;
  }
  ParserAccess::root(doc) = tree.take_root();
  ParserAccess::set_lines(doc, LineIndex(std::move(prepared.line_starts)));
  r.document = std::move(doc);
  return r;
}

// The scanner first; the reference parser for every text the scanner does not accept (and for its error report).
ParseResult parse_terminated(std::string_view text, const ParseOptions& options) {
  {
    ParseResult r;
    Document doc;
    detail::TreeBuilder tree(ParserAccess::arena(doc));
    std::vector<std::uint32_t> line_starts;
    if (detail::scan(text, options, tree, line_starts) == detail::ScanResult::Accepted) {
      ParserAccess::root(doc) = tree.take_root();
      ParserAccess::set_lines(doc, LineIndex(std::move(line_starts)));
      r.document = std::move(doc);
      return r;
    }
  }
  return parse_reference(text, text.data(), options);
}

}  // namespace

ParseResult parse(const std::string& text, const ParseOptions& options) { return parse_terminated(text, options); }

ParseResult parse(const char* text, const ParseOptions& options) { return parse_terminated(text, options); }

ParseResult parse(std::string_view text, const ParseOptions& options) {
  const std::string copy(text);  // both parsers read a NUL-terminated buffer; a view may not be one
  return parse_terminated(copy, options);
}

namespace detail {

ParseResult parse_reference(std::string_view text, const ParseOptions& options) {
  const std::string copy(text);
  return fhir::json::parse_reference(copy, copy.c_str(), options);
}

}  // namespace detail

}  // namespace fhir::json
