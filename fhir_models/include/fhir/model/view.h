// Thin, read-only typed views over json::Node (the generic part; the per-type accessors are generated
// into fhir/model/r4_views.h). A view is a pointer: cheap to copy, never owns, never allocates, and is
// "empty" (exists() == false) when the element is absent. Keep the viewed tree alive while using it.
//
//   const auto obs = fhir::model::r4::Observation(&doc.root());
//   if (obs.status().text() == "final") { ... }
//   for (const auto& coding : obs.code().coding()) use(coding.system().text(), coding.code().text());
//   if (auto q = obs.valueQuantity()) use(q.value().text());
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string_view>

#include "fhir/json/node.h"

namespace fhir::model::view {

// Base of every view: the viewed node (nullptr when absent).
class Element {
 public:
  Element() = default;
  explicit Element(const json::Node* node) noexcept : node_(node) {}
  bool exists() const noexcept { return node_ != nullptr && !node_->is_null(); }
  explicit operator bool() const noexcept { return exists(); }
  const json::Node* node() const noexcept { return node_; }

 protected:
  // The member `name` of the viewed object, nullptr if absent or not an object.
  const json::Node* child_node(std::string_view name) const noexcept {
    return node_ != nullptr && node_->is_object() ? node_->find(name) : nullptr;
  }

  const json::Node* node_ = nullptr;
};

// A primitive value (string, code, dateTime, decimal, boolean, ...).
class Primitive : public Element {
 public:
  using Element::Element;
  // The string value, or a number's exact source text, or "true"/"false"; "" when absent or not primitive.
  std::string_view text() const noexcept {
    return exists() && node_->is_primitive() ? node_->text() : std::string_view{};
  }
  std::optional<std::string_view> value() const noexcept {
    if (!exists() || !node_->is_primitive()) return std::nullopt;
    return node_->text();
  }
  std::optional<bool> as_bool() const noexcept {
    if (!exists() || !node_->is_bool()) return std::nullopt;
    return node_->as_bool();
  }
  // integer / positiveInt / unsignedInt; nullopt if absent, not an integer or out of range.
  std::optional<std::int64_t> as_integer() const noexcept {
    if (!exists() || !node_->is_number()) return std::nullopt;
    const std::string_view t = node_->text();
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || ptr != t.data() + t.size()) return std::nullopt;
    return v;
  }
};

// A repeating element. A single (non-array) value is read as a list of one, so that views stay usable on
// slightly malformed input; validation is the validator's job.
template <typename T>
class List {
 public:
  List() = default;
  explicit List(const json::Node* node) noexcept : node_(node) {}

  std::size_t size() const noexcept {
    if (node_ == nullptr || node_->is_null()) return 0;
    return node_->is_array() ? node_->items().size() : 1;
  }
  bool empty() const noexcept { return size() == 0; }
  T operator[](std::size_t i) const noexcept {
    if (i >= size()) return T(nullptr);
    return T(node_->is_array() ? &node_->items()[i] : node_);
  }
  T front() const noexcept { return (*this)[0]; }
  const json::Node* node() const noexcept { return node_; }

  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = T;
    iterator() = default;
    iterator(const List* list, std::size_t i) : list_(list), i_(i) {}
    T operator*() const { return (*list_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const List* list_ = nullptr;
    std::size_t i_ = 0;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size()); }

 private:
  const json::Node* node_ = nullptr;
};

// The value of a choice element (value[x]): which type is present and its node.
struct Choice {
  std::string_view type;             // the FHIR type code ("Quantity", "dateTime"); "" when absent
  const json::Node* node = nullptr;  // the value
  explicit operator bool() const noexcept { return node != nullptr; }
};

// Finds the member `prefix` + Type (first letter upper-cased) among `types`.
inline Choice find_choice(const json::Node* object, std::string_view prefix,
                          std::span<const std::string_view> types) noexcept {
  if (object == nullptr || !object->is_object()) return {};
  for (const json::Member& m : object->members()) {
    const std::string_view key = m.key;
    if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) continue;
    const std::string_view suffix = key.substr(prefix.size());
    for (const std::string_view t : types) {
      if (t.size() == suffix.size() && !t.empty() && suffix.substr(1) == t.substr(1) &&
          suffix[0] == (t[0] >= 'a' && t[0] <= 'z' ? static_cast<char>(t[0] - 'a' + 'A') : t[0])) {
        return Choice{t, &m.value};
      }
    }
  }
  return {};
}

// Any resource; `as<T>()` gives the typed view when the resourceType matches.
class Resource : public Element {
 public:
  using Element::Element;
  std::string_view resource_type() const noexcept {
    const json::Node* rt = child_node("resourceType");
    return rt != nullptr && rt->is_string() ? rt->text() : std::string_view{};
  }
  template <typename T>
  T as() const noexcept {
    return resource_type() == T::kTypeName ? T(node_) : T(nullptr);
  }
};

}  // namespace fhir::model::view
