#include "fhir/json/writer.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace fhir::json {

namespace {

// For each byte: 0 = copy as is, otherwise the character after the backslash ('u' = \u00XX).
constexpr std::array<char, 256> make_escape_table() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = 'u';
  t['\b'] = 'b';
  t['\f'] = 'f';
  t['\n'] = 'n';
  t['\r'] = 'r';
  t['\t'] = 't';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr auto kEscape = make_escape_table();

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
// Non-zero iff some byte of v is zero / below 0x20 (exact for the "is there one" question).
constexpr std::uint64_t zero_byte(std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; }
constexpr bool needs_escape(std::uint64_t v) {
  return (((v - kOnes * 0x20) & ~v & kHighBits) | zero_byte(v ^ (kOnes * '"')) | zero_byte(v ^ (kOnes * '\\'))) != 0;
}

void newline(std::string& out, int depth) {
  out.push_back('\n');
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void write_value(const Node& node, std::string& out, bool pretty, int depth) {
  switch (node.kind()) {
    case Kind::Null:
    case Kind::True:
    case Kind::False:
    case Kind::Number: out.append(node.text()); return;
    case Kind::String: write_string(node.text(), out); return;
    case Kind::Array: {
      auto items = node.items();
      out.push_back('[');
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out.push_back(',');
        if (pretty) newline(out, depth + 1);
        write_value(items[i], out, pretty, depth + 1);
      }
      if (pretty && !items.empty()) newline(out, depth);
      out.push_back(']');
      return;
    }
    case Kind::Object: {
      auto members = node.members();
      out.push_back('{');
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out.push_back(',');
        if (pretty) newline(out, depth + 1);
        write_string(members[i].key, out);
        out.append(pretty ? ": " : ":");
        write_value(members[i].value, out, pretty, depth + 1);
      }
      if (pretty && !members.empty()) newline(out, depth);
      out.push_back('}');
      return;
    }
  }
}

}  // namespace

namespace {

// Index of the first byte of `s` to escape, s.size() if none.
std::size_t first_escape(std::string_view s) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {  // eight bytes at a time (the common case: codes, ids, URLs, text)
    std::uint64_t chunk;
    std::memcpy(&chunk, s.data() + i, 8);
    if (needs_escape(chunk)) break;
  }
  for (; i < s.size(); ++i)
    if (kEscape[static_cast<unsigned char>(s[i])] != 0) return i;
  return s.size();
}

}  // namespace

void write_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t n = s.size();
  if (first_escape(s) == n) {  // nothing to escape: the quotes and the text in one go
    const std::size_t at = out.size();
    out.append(n + 2, '"');
    if (n > 0) std::memcpy(out.data() + at + 1, s.data(), n);
    return;
  }
  out.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Eight bytes at a time while none needs escaping (the common case: codes, ids, URLs, text).
    while (i + 8 <= s.size()) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s.data() + i, 8);
      if (needs_escape(chunk)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const char esc = kEscape[static_cast<unsigned char>(s[i])];
    if (esc == 0) continue;
    out.append(s.data() + run_start, i - run_start);
    out.push_back('\\');
    out.push_back(esc);
    if (esc == 'u') {
      const auto c = static_cast<unsigned char>(s[i]);
      out.append("00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
    run_start = i + 1;
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void write(const Node& node, std::string& out, const WriteOptions& options) {
  write_value(node, out, options.pretty, 0);
}

std::string to_string(const Node& node, const WriteOptions& options) {
  std::string out;
  write(node, out, options);
  return out;
}

}  // namespace fhir::json
