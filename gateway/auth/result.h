// A value or an error, for the security modules (C++20 has no std::expected yet). Errors are plain
// data: a reason text that never contains secret material.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fhirgw::auth {

struct Error {
  std::string reason;
};

template <class T, class E = Error>
class Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& { return std::get<1>(data_); }
  E&& error() && { return std::get<1>(std::move(data_)); }

 private:
  std::variant<T, E> data_;
};

inline Error fail(std::string reason) { return Error{std::move(reason)}; }

// Untrusted text (a claimed client id, a kid, an alg name) made safe to put into an error text, a log line
// or an audit record: at most `max` bytes, printable ASCII, everything else as '?'.
inline std::string printable(std::string_view text, std::size_t max = 64) {
  std::string out;
  for (const char c : text.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace fhirgw::auth
