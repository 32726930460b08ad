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
  Out(Out&& o) noexcept
      : text_(std::move(o.text_)),
        view_(o.view_),
        pool_(std::exchange(o.pool_, nullptr)),
        home_(std::exchange(o.home_, nullptr)),
        size_(o.size_),
        close_(o.close_) {}
  Out& operator=(Out&& o) noexcept {
    if (this != &o) {
      recycle();
      text_ = std::move(o.text_);
      view_ = o.view_;
      pool_ = std::exchange(o.pool_, nullptr);
      home_ = std::exchange(o.home_, nullptr);
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
  // The text of this open object or array, for a member or item written straight into it (no Out of its own):
  // the key (and comma) are written, the caller appends exactly one JSON value.
  std::string& member_text(std::string_view key) {
    key_prefix(key);
    return text_;
  }
  std::string& item_text() {
    if (size_++ > 0) text_.push_back(',');
    return text_;
  }
  // `count` members already written as text ("a":1,"b":2), added to this open object.
  void append_members(std::string_view members, std::size_t count) {
    if (count == 0) return;
    if (size_ > 0) text_.push_back(',');
    text_.append(members);
    size_ += count;
  }
  // Appends the JSON text of this value (closing it when open) to `out`.
  void append_to(std::string& out) const {
    if (!view_.empty()) return (void)out.append(view_);
    out.append(text_);
    if (close_ != 0) out.push_back(close_);
  }

  // An object written at the end of `home` itself (its text is moved in, and back by close_in_place() or when
  // the Out is dropped): a value that goes last into a large output needs no copy. Nothing else may write to
  // `home` meanwhile.
  static Out object_in_place(std::string& home) {
    Out o(nullptr, 0, '}');
    o.text_ = std::move(home);
    o.text_.push_back('{');
    o.home_ = &home;
    return o;
  }
  bool in_place() const noexcept { return home_ != nullptr; }
  // Closes an object_in_place and gives its text back to `home`.
  void close_in_place() {
    text_.push_back(close_);
    close_ = 0;
    recycle();
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
    if (home_)
      *std::exchange(home_, nullptr) = std::move(text_);
    else if (pool_ && text_.capacity() > 32 && pool_->size() < 256)
      pool_->push_back(std::move(text_));
  }

  std::string text_;
  std::string_view view_;  // a finished value viewed, not copied (OutBuilder::view)
  OutPool* pool_ = nullptr;
  std::string* home_ = nullptr;  // object_in_place
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
  // The same without a copy: `json` must stay alive and unchanged until the Out is added (a memo of the batch).
  static Out view(std::string_view json) {
    Out o(nullptr, 0, 0);
    o.view_ = json;
    return o;
  }
  Out boolean(bool b) const {
    Out o(pool_, 0, 0);
    o.text_.append(b ? "true" : "false");
    return o;
  }

  static void add(Out& o, std::string_view key, Out v) { o.append_member(key, std::move(v)); }
  static void add_str(Out& o, std::string_view key, std::string_view v) { o.append_string(key, v); }

  // A Coding: {"system":..,"code":..[,"display":..]}, written into `out`.
  static void write_coding(std::string& out, std::string_view system, std::string_view code,
                           std::string_view display = {}) {
    out.append(R"({"system":)");
    json::write_string(system, out);
    out.append(R"(,"code":)");
    json::write_string(code, out);
    if (!display.empty()) {
      out.append(R"(,"display":)");
      json::write_string(display, out);
    }
    out.push_back('}');
  }
  // A CodeableConcept of one Coding: {"coding":[<coding>]}.
  static void write_concept(std::string& out, std::string_view system, std::string_view code,
                            std::string_view display = {}) {
    out.append(R"({"coding":[)");
    write_coding(out, system, code, display);
    out.append("]}");
  }
  static void push_coding(Out& codings, std::string_view system, std::string_view code, std::string_view display = {}) {
    write_coding(codings.item_text(), system, code, display);
  }
  Out coding(std::string_view system, std::string_view code, std::string_view display = {}) const {
    Out c(pool_, 0, 0);
    write_coding(c.text_, system, code, display);
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
