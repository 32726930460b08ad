// json::parse_compact: the strict scanner (scanner.h) over the document's own copy of the text, strings pointing
// into it (only strings with escapes are decoded, into the arena); texts it does not accept go to the
// RapidJSON-based reference parser, which gives the result and error report. One builder serves both.
#include "fhir/json/compact.h"

#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "block_pool.h"
#include "scanner.h"
#include "strict.h"

namespace fhir::json {

std::string_view CompactNode::text() const noexcept {
  // Literals point at their text too (see CompactBuilder::Null/Bool): one rule for every primitive.
  return is_primitive() ? std::string_view(static_cast<const char*>(data_), size_) : std::string_view{};
}

const CompactNode* CompactNode::find(std::string_view key) const noexcept {
  const char h0 = key.empty() ? '\0' : key[0];
  const char h1 = key.size() < 2 ? '\0' : key[1];
  for (const CompactNode& m : members()) {
    if (m.key_size_ == key.size() && m.key_head_[0] == h0 && m.key_head_[1] == h1 &&
        (key.size() <= 2 || detail::equal_text(m.key(), key))) {
      return &m;
    }
  }
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
        if (kind_ == Kind::Object)
          n.append_member(c.key(), c.to_node(alloc));
        else
          n.push_back(c.to_node(alloc));
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

// Builds a CompactDocument's tree from value events: finished values wait on one stack, and the children of a
// container move into the arena when it closes. Fed by the scanner (scanner.h) or by RapidJSON (below).
class CompactBuilder {
 public:
  explicit CompactBuilder(CompactDocument& doc) : arena_(doc.arena_.get()) {}
  explicit CompactBuilder(std::pmr::memory_resource* arena) : arena_(arena) {}
  void set_arena(std::pmr::memory_resource* arena) noexcept { arena_ = arena; }

  void scalar(Kind kind, const char* s, std::size_t len, std::uint32_t offset) {
    CompactNode& n = values_.emplace_back();
    n.kind_ = kind;
    n.data_ = s;
    n.size_ = static_cast<std::uint32_t>(len);
    n.offset_ = offset;
    take_key(n);
  }
  void string(const char* s, std::size_t len, std::uint32_t offset, bool in_scratch) {
    scalar(Kind::String, in_scratch ? keep(s, len) : s, len, offset);
  }
  // False when the open object already has this key.
  bool key(const char* s, std::size_t len, bool in_scratch) {
    Frame& f = frames_.back();
    const std::string_view key(s, len);
    const std::size_t first = f.first_value;
    if (f.keys.duplicate(key, values_.size() - first, [&](std::size_t i) { return values_[first + i].key(); }))
      return false;
    key_ = in_scratch ? keep(s, len) : s;
    key_size_ = static_cast<std::uint32_t>(len);
    return true;
  }
  void open(Kind kind, std::uint32_t offset) {
    frames_.push_back(Frame{kind, offset, values_.size(), key_, key_size_, {}});
    key_ = nullptr;
    key_size_ = 0;
  }
  void close(std::uint32_t /*end*/ = 0) {
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
    set_key(c, f.key, f.key_size);
    frames_.pop_back();
  }

  std::size_t depth() const noexcept { return frames_.size(); }
  // The one finished value once the outermost container is closed; reset() starts the next one.
  const CompactNode& root() const noexcept { return values_.front(); }
  void reset() noexcept { values_.clear(); }

  // The document's text (where the values point) and its completion once the tree is built.
  static std::string& text(CompactDocument& doc) { return *doc.text_; }
  static void adopt(CompactDocument& doc, std::string&& text) {
    doc.text_ = std::make_unique<std::string>(std::move(text));
  }
  void finish(CompactDocument& doc, LineIndex lines) const {
    doc.root_ = values_.front();
    doc.lines_ = std::move(lines);
  }

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
    set_key(n, key_, key_size_);
    key_ = nullptr;
    key_size_ = 0;
  }
  static void set_key(CompactNode& n, const char* key, std::uint32_t size) {
    n.key_ = key;
    n.key_size_ = size;
    n.key_head_[0] = size > 0 ? key[0] : '\0';
    n.key_head_[1] = size > 1 ? key[1] : '\0';
  }
  // A copy in the arena of a decoded text the scanner will overwrite.
  const char* keep(const char* s, std::size_t len) {
    if (len == 0) return "";
    char* copy = static_cast<char*>(arena_->allocate(len, 1));
    std::memcpy(copy, s, len);
    return copy;
  }

  std::pmr::memory_resource* arena_;
  std::vector<Frame> frames_;
  std::vector<CompactNode> values_;  // finished values waiting for their container
  const char* key_ = nullptr;
  std::uint32_t key_size_ = 0;
};

// The reference parser: RapidJSON's in-situ SAX reader over the document's own copy of the text (strings are
// decoded where they stand) with the strict checks of strict.h, feeding a CompactBuilder.
CompactParseResult parse_compact_reference(std::string&& text, const ParseOptions& options) {
  CompactParseResult r;
  Prepared prepared;
  if (auto error = prepare(text, options, prepared)) {
    r.error = std::move(error);
    return r;
  }
  CompactDocument doc;
  CompactBuilder::adopt(doc, std::move(text));
  rapidjson::InsituStringStream stream(CompactBuilder::text(doc).data() + prepared.skip);
  CompactBuilder tree(doc);
  StrictReader<rapidjson::InsituStringStream, CompactBuilder> reader_handler(tree, stream, prepared, options.max_depth);
  rapidjson::Reader reader;
  const rapidjson::ParseResult ok = reader.Parse<kStrictFlags | rapidjson::kParseInsituFlag>(stream, reader_handler);
  if (!ok) {
    r.error = reader_error(ok, reader_handler, prepared);
    return r;
  }
  tree.finish(doc, LineIndex(std::move(prepared.line_starts)));
  r.document = std::move(doc);
  return r;
}

// Scans `text` (NUL-terminated) into `doc`, whose values then point into `text`; `doc` is complete if Accepted.
ScanResult scan_into(CompactDocument& doc, std::string_view text, const ParseOptions& options) {
  CompactBuilder tree(doc);
  std::vector<std::uint32_t> line_starts;
  const ScanResult result = scan(text, options, tree, line_starts);
  if (result == ScanResult::Accepted) tree.finish(doc, LineIndex(std::move(line_starts)));
  return result;
}

ScanResult scan_compact(std::string&& text, const ParseOptions& options, CompactParseResult& out,
                        std::string& text_back) {
  CompactDocument doc;
  CompactBuilder::adopt(doc, std::move(text));
  const ScanResult result = scan_into(doc, CompactBuilder::text(doc), options);
  if (result != ScanResult::Accepted) {
    text_back = std::move(CompactBuilder::text(doc));  // the scanner never writes to the text
    return result;
  }
  out.document = std::move(doc);
  return result;
}

CompactParseResult parse_compact(std::string&& text, const ParseOptions& options) {
  CompactParseResult r;
  std::string back;
  if (scan_compact(std::move(text), options, r, back) == ScanResult::Accepted) return r;
  return parse_compact_reference(std::move(back), options);
}

}  // namespace detail

CompactParseResult parse_compact(std::string_view text, const ParseOptions& options) {
  return detail::parse_compact(std::string(text), options);
}

CompactParseResult parse_compact(std::string&& text, const ParseOptions& options) {
  return detail::parse_compact(std::move(text), options);
}

CompactParseResult parse_compact_borrowed(const std::string& text, const ParseOptions& options) {
  CompactParseResult r;
  CompactDocument doc;
  if (detail::scan_into(doc, text, options) == detail::ScanResult::Accepted) {
    r.document = std::move(doc);
    return r;
  }
  return detail::parse_compact_reference(std::string(text), options);
}

namespace detail {

// The handler of stream_compact_items: the items of root.<array_key> go to their own builder, whose tree is handed
// out and dropped when each item closes; everything else builds the envelope.
class ItemStream {
 public:
  ItemStream(CompactDocument& envelope, std::string_view array_key, const CompactItemFn& on_item,
             const CompactStreamOptions& options)
      : envelope_(envelope),
        item_(nullptr),
        ring_(options.keep_items + 1),
        array_key_(array_key),
        on_item_(on_item),
        keep_(options.keep),
        skim_(options.keep && options.skim_left_out) {
    // An item's tree usually fits its slot's first buffer, which a release keeps: no allocation per item.
    const std::size_t bytes = options.keep_items == 0 ? 64 * 1024 : 16 * 1024;
    for (Slot& slot : ring_) {
      slot.buffer = std::make_unique_for_overwrite<std::byte[]>(bytes);
      slot.arena = std::make_unique<std::pmr::monotonic_buffer_resource>(slot.buffer.get(), bytes, block_pool());
    }
  }

  // A member that keep() leaves out, with skim_left_out: its value is skimmed (skim_value), not scanned.
  bool skim_member() const noexcept { return skim_ && skip_to_ != 0; }
  void skimmed() noexcept { skip_to_ = 0; }

  void scalar(Kind kind, const char* s, std::size_t len, std::uint32_t offset) {
    if (skip_to_ != 0) {
      if (level_ == skip_to_) skip_to_ = 0;  // the skipped member was this primitive
      return;
    }
    if (in_item_)
      item_.scalar(kind, s, len, offset);
    else if (!in_array())
      envelope_.scalar(kind, s, len, offset);  // primitive items are not delivered
  }
  void string(const char* s, std::size_t len, std::uint32_t offset, bool in_scratch) {
    if (skip_to_ != 0) {
      if (level_ == skip_to_) skip_to_ = 0;
      return;
    }
    if (in_item_)
      item_.string(s, len, offset, in_scratch);
    else if (!in_array())
      envelope_.string(s, len, offset, in_scratch);
  }
  bool key(const char* s, std::size_t len, bool in_scratch) {
    if (skip_to_ != 0) return true;
    if (in_item_) {
      if (keep_ && !keep_(level_ - 2, std::string_view(s, len))) {
        skip_to_ = level_;  // leave out this member's value, to its end
        return true;
      }
      return item_.key(s, len, in_scratch);
    }
    if (level_ == 1) next_is_array_ = std::string_view(s, len) == array_key_;
    return envelope_.key(s, len, in_scratch);
  }
  void open(Kind kind, std::uint32_t offset) {
    if (skip_to_ != 0) {
      ++level_;
      return;
    }
    if (!in_item_ && in_array()) {
      in_item_ = true;
      item_begin_ = offset;
      Slot& slot = ring_[items_ % ring_.size()];  // the oldest item kept: its tree is dropped now
      slot.arena->release();
      item_.set_arena(slot.arena.get());
    }
    if (in_item_) {
      item_.open(kind, offset);
    } else {
      envelope_.open(kind, offset);
      if (level_ == 1 && next_is_array_ && kind == Kind::Array) array_open_ = true;
      next_is_array_ = false;
    }
    ++level_;
  }
  void close(std::uint32_t end) {
    --level_;
    if (skip_to_ != 0) {
      if (level_ == skip_to_) skip_to_ = 0;
      return;
    }
    if (in_item_) {
      item_.close();
      if (level_ == 2) {
        Slot& slot = ring_[items_++ % ring_.size()];
        slot.root = item_.root();
        item_.reset();
        in_item_ = false;
        on_item_(slot.root, item_begin_, end);
      }
      return;
    }
    if (level_ == 1) array_open_ = false;
    envelope_.close();
  }

  void finish(CompactDocument& doc, std::vector<std::uint32_t> line_starts) {
    envelope_.finish(doc, LineIndex(std::move(line_starts)));
  }

 private:
  bool in_array() const noexcept { return array_open_ && level_ == 2; }

  CompactBuilder envelope_;
  struct Slot {  // the memory of one item's tree
    std::unique_ptr<std::byte[]> buffer;
    std::unique_ptr<std::pmr::monotonic_buffer_resource> arena;
    CompactNode root;
  };

  CompactBuilder item_;
  std::vector<Slot> ring_;  // the current item and the ones kept before it
  std::size_t items_ = 0;   // items delivered
  std::string_view array_key_;
  const CompactItemFn& on_item_;
  CompactKeyFilter keep_;
  bool skim_;
  std::size_t level_ = 0;       // open containers
  std::size_t skip_to_ = 0;     // when not 0: a member being left out, at this level
  bool next_is_array_ = false;  // the root member being read is array_key
  bool array_open_ = false;
  bool in_item_ = false;
  std::uint32_t item_begin_ = 0;
};

CompactScan scan_compact_only(std::string_view text, const ParseOptions& options) {
  CompactScan r;
  std::string back;
  CompactParseResult parsed;
  r.result = scan_compact(std::string(text), options, parsed, back);
  r.document = std::move(parsed.document);
  return r;
}

CompactParseResult parse_compact_reference(std::string_view text, const ParseOptions& options) {
  return parse_compact_reference(std::string(text), options);
}

}  // namespace detail

bool stream_compact_items(const std::string& text, std::string_view array_key, const CompactItemFn& on_item,
                          CompactDocument& envelope, const CompactStreamOptions& options) {
  CompactDocument doc;
  detail::ItemStream stream(doc, array_key, on_item, options);
  std::vector<std::uint32_t> line_starts;
  if (detail::scan(text, options.parse, stream, line_starts) != detail::ScanResult::Accepted) return false;
  stream.finish(doc, std::move(line_starts));
  envelope = std::move(doc);
  return true;
}

CompactParseResult parse_compact_slice(const std::string& text, std::uint32_t begin, std::uint32_t end) {
  const std::string_view slice = std::string_view(text).substr(begin, end - begin);
  CompactParseResult r;
  CompactDocument doc;
  // Safe without a NUL right after the slice: a value the scanner accepted ends where it ends, and past the
  // slice there is still the text's own NUL. Anything else goes to the reference parser (a copy).
  if (detail::scan_into(doc, slice, {}) == detail::ScanResult::Accepted) {
    r.document = std::move(doc);
    return r;
  }
  return parse_compact(slice);
}

}  // namespace fhir::json
