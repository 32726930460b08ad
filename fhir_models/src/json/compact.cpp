// json::parse_compact: RapidJSON's in-situ SAX reader over the document's own copy of the text (strings are
// decoded where they stand, so no string is copied), the strict checks of strict.h, and a builder that keeps
// finished values on one stack and moves the children of a container into the arena when it closes.
#include "fhir/json/compact.h"

#include <memory>
#include <utility>
#include <vector>

#include "block_pool.h"
#include "strict.h"

namespace fhir::json {

std::string_view CompactNode::text() const noexcept {
  // Literals point at their text too (see CompactBuilder::Null/Bool): one rule for every primitive.
  return is_primitive() ? std::string_view(static_cast<const char*>(data_), size_) : std::string_view{};
}

const CompactNode* CompactNode::find(std::string_view key) const noexcept {
  for (const CompactNode& m : members())
    if (detail::equal_text(m.key(), key)) return &m;
  return nullptr;
}

Node CompactNode::to_node(const Node::allocator_type& alloc) const {
  switch (kind_) {
    case Kind::Null:
    case Kind::True:
    case Kind::False: {
      Node n(kind_, alloc);
      n.set_offset(offset_);
      return n;
    }
    case Kind::Number:
    case Kind::String: {
      Node n = kind_ == Kind::Number ? Node::number(text(), alloc) : Node::string(text(), alloc);
      n.set_offset(offset_);
      return n;
    }
    case Kind::Array:
    case Kind::Object: {
      Node n(kind_, alloc);
      n.set_offset(offset_);
      n.reserve(size_);
      for (const CompactNode& c : children(kind_)) {
        if (kind_ == Kind::Object) n.append_member(c.key(), c.to_node(alloc));
        else n.push_back(c.to_node(alloc));
      }
      return n;
    }
  }
  return Node(alloc);
}

CompactDocument::CompactDocument()
    : arena_(std::make_unique<std::pmr::monotonic_buffer_resource>(4096, detail::block_pool())) {}
CompactDocument::CompactDocument(CompactDocument&&) noexcept = default;
CompactDocument& CompactDocument::operator=(CompactDocument&&) noexcept = default;
CompactDocument::~CompactDocument() = default;

namespace detail {

class CompactBuilder : public StrictHandler<rapidjson::InsituStringStream> {
 public:
  CompactBuilder(CompactDocument& doc, rapidjson::InsituStringStream& stream, const Prepared& prepared,
                 std::size_t max_depth)
      : StrictHandler(stream, prepared, max_depth), arena_(doc.arena_.get()) {}

  bool Null() { return scalar(Kind::Null, "null", 4, offset_back(4)); }
  bool Bool(bool b) {
    return b ? scalar(Kind::True, "true", 4, offset_back(4)) : scalar(Kind::False, "false", 5, offset_back(5));
  }
  // Only RawNumber is used (kParseNumbersAsStringsFlag); the typed callbacks are never called.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType len, bool) { return scalar(Kind::Number, s, len, position()); }
  bool String(const char* s, rapidjson::SizeType len, bool) {
    return string_ok(s, len, false) && scalar(Kind::String, s, len, position());
  }
  bool Key(const char* s, rapidjson::SizeType len, bool) {
    if (!string_ok(s, len, true)) return false;
    Frame& f = frames_.back();
    const std::string_view key(s, len);
    const std::size_t first = f.first_value;
    if (f.keys.duplicate(key, values_.size() - first, [&](std::size_t i) { return values_[first + i].key(); }))
      return duplicate_key(key);
    key_ = s;
    key_size_ = len;
    return true;
  }
  bool StartObject() { return open(Kind::Object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(Kind::Array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  static CompactParseResult parse(std::string&& text, const ParseOptions& options);

 private:
  struct Frame {
    Kind kind;
    std::uint32_t offset;
    std::size_t first_value;
    const char* key;  // the container's own member name
    std::uint32_t key_size;
    KeyCheck keys;
  };

  // The member name read last belongs to the next value.
  void take_key(CompactNode& n) {
    n.key_ = key_;
    n.key_size_ = key_size_;
    key_ = nullptr;
    key_size_ = 0;
  }

  bool scalar(Kind kind, const char* s, std::size_t len, std::uint32_t offset) {
    CompactNode& n = values_.emplace_back();
    n.kind_ = kind;
    n.data_ = s;
    n.size_ = static_cast<std::uint32_t>(len);
    n.offset_ = offset;
    take_key(n);
    return true;
  }

  bool open(Kind kind) {
    if (!depth_ok(frames_.size())) return false;
    frames_.push_back(Frame{kind, position(), values_.size(), key_, key_size_, {}});
    key_ = nullptr;
    key_size_ = 0;
    return true;
  }

  bool close() {
    Frame& f = frames_.back();
    const std::size_t n = values_.size() - f.first_value;
    CompactNode* children = nullptr;
    if (n > 0) {
      children = static_cast<CompactNode*>(arena_->allocate(n * sizeof(CompactNode), alignof(CompactNode)));
      std::uninitialized_copy_n(values_.begin() + static_cast<std::ptrdiff_t>(f.first_value), n, children);
    }
    values_.resize(f.first_value);
    CompactNode& c = values_.emplace_back();
    c.kind_ = f.kind;
    c.data_ = children;
    c.size_ = static_cast<std::uint32_t>(n);
    c.offset_ = f.offset;
    c.key_ = f.key;
    c.key_size_ = f.key_size;
    frames_.pop_back();
    return true;
  }

  std::pmr::memory_resource* arena_;
  std::vector<Frame> frames_;
  std::vector<CompactNode> values_;  // finished values waiting for their container
  const char* key_ = nullptr;
  std::uint32_t key_size_ = 0;
};

CompactParseResult CompactBuilder::parse(std::string&& text, const ParseOptions& options) {
  CompactParseResult r;
  Prepared prepared;
  if (auto error = prepare(text, options, prepared)) {
    r.error = std::move(error);
    return r;
  }
  CompactDocument doc;
  doc.text_ = std::make_unique<std::string>(std::move(text));
  rapidjson::InsituStringStream stream(doc.text_->data() + prepared.skip);
  CompactBuilder builder(doc, stream, prepared, options.max_depth);
  rapidjson::Reader reader;
  const rapidjson::ParseResult ok =
      reader.Parse<kStrictFlags | rapidjson::kParseInsituFlag>(stream, builder);
  if (!ok) {
    r.error = reader_error(ok, builder, prepared);
    return r;
  }
  doc.root_ = builder.values_.front();
  doc.lines_ = LineIndex(std::move(prepared.line_starts));
  r.document = std::move(doc);
  return r;
}

}  // namespace detail

CompactParseResult parse_compact(std::string_view text, const ParseOptions& options) {
  return detail::CompactBuilder::parse(std::string(text), options);
}

CompactParseResult parse_compact(std::string&& text, const ParseOptions& options) {
  return detail::CompactBuilder::parse(std::move(text), options);
}

}  // namespace fhir::json
