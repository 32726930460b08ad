// JSON text built piece by piece (internal to the mappings library). The FHIR output (to_fhir.cpp) and the NDJSON
// records (from_fhir.cpp) are written as text the moment a member is added: no tree is built and nothing is
// serialized twice. An `Out` is an object or array
// still open for members, or a finished scalar; adding it to a parent appends its text (and closes it).
// Keys are code literals and are written without escaping; string values are escaped (json::write_string).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/json/writer.h"

namespace fhir::mappings {

// Buffers of finished values, reused by the next values, so a batch allocates only while it warms up.
using OutPool = std::vector<std::string>;

class Out {
 public:
  Out(Out&& o) noexcept : text_(std::move(o.text_)), pool_(std::exchange(o.pool_, nullptr)), size_(o.size_), close_(o.close_) {}
  Out& operator=(Out&& o) noexcept {
    if (this != &o) {
      recycle();
      text_ = std::move(o.text_);
      pool_ = std::exchange(o.pool_, nullptr);
      size_ = o.size_;
      close_ = o.close_;
    }
    return *this;
  }
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;
  ~Out() { recycle(); }

  // Number of members (object) or items (array).
  std::size_t size() const { return size_; }

  void append_member(std::string_view key, Out&& v) {
    key_prefix(key);
    v.append_to(text_);
  }
  void append_string(std::string_view key, std::string_view v) {
    key_prefix(key);
    json::write_string(v, text_);
  }
  void push_back(Out&& v) {
    if (size_++ > 0) text_.push_back(',');
    v.append_to(text_);
  }
  // Appends the JSON text of this value (closing it when open) to `out`.
  void append_to(std::string& out) const {
    out.append(text_);
    if (close_ != 0) out.push_back(close_);
  }

 private:
  friend class OutBuilder;
  Out(OutPool* pool, char open, char close) : pool_(pool), close_(close) {
    if (pool_ && !pool_->empty()) {
      text_ = std::move(pool_->back());
      pool_->pop_back();
      text_.clear();
    }
    if (open != 0) text_.push_back(open);
  }
  void key_prefix(std::string_view key) {
    if (size_++ > 0) text_.push_back(',');
    text_.push_back('"');
    text_.append(key);
    text_.append("\":", 2);
  }
  void recycle() {
    if (pool_ && text_.capacity() > 32 && pool_->size() < 256) pool_->push_back(std::move(text_));
  }

  std::string text_;
  OutPool* pool_ = nullptr;
  std::size_t size_ = 0;
  char close_ = 0;  // '}' or ']' while open, 0 for a scalar
};

class OutBuilder {
 public:
  explicit OutBuilder(OutPool& pool) : pool_(&pool) {}

  Out obj() const { return Out(pool_, '{', '}'); }
  Out arr() const { return Out(pool_, '[', ']'); }
  Out str(std::string_view s) const {
    Out o(pool_, 0, 0);
    json::write_string(s, o.text_);
    return o;
  }
  // `lexical` is a checked JSON number text, written verbatim ("12.50" stays 12.50).
  Out num(std::string_view lexical) const {
    Out o(pool_, 0, 0);
    o.text_.append(lexical);
    return o;
  }
  // A value already written as JSON text.
  Out raw(std::string_view json) const {
    Out o(pool_, 0, 0);
    o.text_.append(json);
    return o;
  }
  Out boolean(bool b) const {
    Out o(pool_, 0, 0);
    o.text_.append(b ? "true" : "false");
    return o;
  }

  static void add(Out& o, std::string_view key, Out v) { o.append_member(key, std::move(v)); }
  static void add_str(Out& o, std::string_view key, std::string_view v) { o.append_string(key, v); }

  Out coding(std::string_view system, std::string_view code, std::string_view display = {}) const {
    Out c = obj();
    add_str(c, "system", system);
    add_str(c, "code", code);
    if (!display.empty()) add_str(c, "display", display);
    return c;
  }
  Out reference(std::string_view ref) const {
    Out r = obj();
    add_str(r, "reference", ref);
    return r;
  }
  Out extension(std::string_view url, std::string_view value_key, Out value) const {
    Out e = obj();
    add_str(e, "url", url);
    add(e, value_key, std::move(value));
    return e;
  }

 private:
  OutPool* pool_;
};

}  // namespace fhir::mappings
