// Reading typed values from the JSON config (server/config.cpp, outbox/forwarding_config.cpp). Each
// returns "" when the value was taken, else what is wrong with it ("must be an integer"); the caller
// puts the key in front.
#pragma once

#include <charconv>
#include <initializer_list>
#include <string>
#include <vector>

#include "fhir/json/node.h"

namespace fhirgw::config {

inline std::string want_string(const fhir::json::Node& n, std::string& out) {
  if (!n.is_string()) return "must be a string";
  out = std::string(n.text());
  return {};
}

inline std::string want_bool(const fhir::json::Node& n, bool& out) {
  if (!n.is_bool()) return "must be true or false";
  out = n.as_bool();
  return {};
}

template <typename T>
std::string want_int(const fhir::json::Node& n, T& out, long long lo, long long hi) {
  long long v = 0;
  const auto text = n.text();
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!n.is_number() || ec != std::errc() || end != text.data() + text.size()) return "must be an integer";
  if (v < lo || v > hi) return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  out = static_cast<T>(v);
  return {};
}

// An array of strings; with `non_empty`, every string must have at least one character.
inline std::string want_strings(const fhir::json::Node& n, std::vector<std::string>& out, bool non_empty = false) {
  const char* problem = non_empty ? "must be an array of non-empty strings" : "must be an array of strings";
  if (!n.is_array()) return problem;
  out.clear();
  for (const fhir::json::Node& item : n.items()) {
    if (!item.is_string() || (non_empty && item.text().empty())) return problem;
    out.emplace_back(item.text());
  }
  return {};
}

inline std::string one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (v == a) return {};
  }
  std::string msg = "must be one of";
  for (const char* a : allowed) msg += std::string(" ") + a;
  return msg;
}

}  // namespace fhirgw::config
