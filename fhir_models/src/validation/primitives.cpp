// Hand-written lexical checks for the FHIR R4 primitive types (the regexes of the specification,
// plus what they cannot say: real calendar dates, 32-bit ranges, base64 padding, XHTML basics).
#include "fhir/validation/primitives.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "fhir/calendar.h"

namespace fhir::validation {
namespace {

constexpr std::size_t kMaxStringBytes = 1024 * 1024;  // FHIR: strings SHALL NOT exceed 1 MB

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_lower_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }
// A control character a FHIR string must not hold (tab, CR and LF are allowed).
bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7F;
}

// Reads exactly `n` digits at `pos` into `out`; advances pos.
bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) noexcept {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

// Parses YYYY[-MM[-DD]]; `parts` receives how many of the three were present.
const char* parse_date_part(std::string_view s, std::size_t& pos, int& parts) noexcept {
  int y = 0, m = 0, d = 0;
  if (!read_digits(s, pos, 4, y)) return "year must have four digits";
  if (y == 0) return "year 0000 is not allowed";
  parts = 1;
  if (pos == s.size() || s[pos] != '-') return nullptr;
  ++pos;
  if (!read_digits(s, pos, 2, m)) return "month must have two digits";
  if (m < 1 || m > 12) return "month out of range";
  parts = 2;
  if (pos == s.size() || s[pos] != '-') return nullptr;
  ++pos;
  if (!read_digits(s, pos, 2, d)) return "day must have two digits";
  if (d < 1 || d > calendar::days_in_month(y, m)) return "not a real calendar date";
  parts = 3;
  return nullptr;
}

// Parses hh:mm:ss[.fff]
const char* parse_time_part(std::string_view s, std::size_t& pos) noexcept {
  int h = 0, mi = 0, sec = 0;
  if (!read_digits(s, pos, 2, h) || h > 23) return "invalid hour";
  if (pos >= s.size() || s[pos] != ':') return "time must be hh:mm:ss";
  ++pos;
  if (!read_digits(s, pos, 2, mi) || mi > 59) return "invalid minute";
  if (pos >= s.size() || s[pos] != ':') return "time must be hh:mm:ss (seconds are required)";
  ++pos;
  if (!read_digits(s, pos, 2, sec) || sec > 60) return "invalid second";
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return "fraction of a second needs digits";
  }
  return nullptr;
}

// Parses Z or +hh:mm / -hh:mm (offsets up to 14:00).
const char* parse_zone(std::string_view s, std::size_t& pos) noexcept {
  if (pos >= s.size()) return "a time must have a time zone";
  if (s[pos] == 'Z') {
    ++pos;
    return nullptr;
  }
  if (s[pos] != '+' && s[pos] != '-') return "invalid time zone";
  ++pos;
  int h = 0, m = 0;
  if (!read_digits(s, pos, 2, h)) return "invalid time zone hour";
  if (pos >= s.size() || s[pos] != ':') return "time zone must be +hh:mm or -hh:mm";
  ++pos;
  if (!read_digits(s, pos, 2, m) || m > 59) return "invalid time zone minute";
  if (h > 14 || (h == 14 && m != 0)) return "time zone offset out of range";
  return nullptr;
}

bool starts_with(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }

bool ieq(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Elements the FHIR narrative rules forbid (scripts, forms, frames, objects, document structure).
bool forbidden_xhtml_element(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 16> kForbidden{
      "script",   "form",   "input", "button", "select", "textarea", "iframe", "frame",
      "frameset", "object", "embed", "applet", "base",   "link",     "head",   "body"};
  if (name.size() < 4 || name.size() > 8) return false;  // td, p, div, table, ... (the common ones)
  for (auto f : kForbidden)
    if (ieq(name, f)) return true;
  return false;
}

// XHTML element and attribute name characters (ASCII letters, digits, '-', '_', ':', '.'), as a table: the
// narrative scan asks for every byte of every tag.
constexpr std::array<bool, 256> kNameChars = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                     c == '-' || c == '_' || c == ':' || c == '.';
  return t;
}();
inline bool is_name_char(char c) noexcept { return kNameChars[static_cast<unsigned char>(c)]; }

}  // namespace

PrimitiveKind primitive_kind(std::string_view t) noexcept {
  constexpr std::string_view kSystem = "http://hl7.org/fhirpath/System.";
  if (starts_with(t, kSystem)) {
    t.remove_prefix(kSystem.size());
    if (t == "String") return PrimitiveKind::String;
    if (t == "Boolean") return PrimitiveKind::Boolean;
    if (t == "Integer") return PrimitiveKind::Integer;
    if (t == "Decimal") return PrimitiveKind::Decimal;
    if (t == "Date") return PrimitiveKind::Date;
    if (t == "DateTime") return PrimitiveKind::DateTime;
    if (t == "Time") return PrimitiveKind::Time;
    return PrimitiveKind::NotPrimitive;
  }
  // Dispatch on the first letter so the hot path (called for every value) does one or two compares.
  if (t.empty()) return PrimitiveKind::NotPrimitive;
  switch (t[0]) {
    case 'b':
      if (t == "boolean") return PrimitiveKind::Boolean;
      if (t == "base64Binary") return PrimitiveKind::Base64Binary;
      break;
    case 'c':
      if (t == "code") return PrimitiveKind::Code;
      if (t == "canonical") return PrimitiveKind::Canonical;
      break;
    case 'd':
      if (t == "dateTime") return PrimitiveKind::DateTime;
      if (t == "date") return PrimitiveKind::Date;
      if (t == "decimal") return PrimitiveKind::Decimal;
      break;
    case 'i':
      if (t == "id") return PrimitiveKind::Id;
      if (t == "instant") return PrimitiveKind::Instant;
      if (t == "integer") return PrimitiveKind::Integer;
      break;
    case 'm':
      if (t == "markdown") return PrimitiveKind::Markdown;
      break;
    case 'o':
      if (t == "oid") return PrimitiveKind::Oid;
      break;
    case 'p':
      if (t == "positiveInt") return PrimitiveKind::PositiveInt;
      break;
    case 's':
      if (t == "string") return PrimitiveKind::String;
      break;
    case 't':
      if (t == "time") return PrimitiveKind::Time;
      break;
    case 'u':
      if (t == "uri") return PrimitiveKind::Uri;
      if (t == "url") return PrimitiveKind::Url;
      if (t == "uuid") return PrimitiveKind::Uuid;
      if (t == "unsignedInt") return PrimitiveKind::UnsignedInt;
      break;
    case 'x':
      if (t == "xhtml") return PrimitiveKind::Xhtml;
      break;
    default: break;
  }
  return PrimitiveKind::NotPrimitive;
}

const char* primitive_name(PrimitiveKind k) noexcept {
  switch (k) {
    case PrimitiveKind::NotPrimitive: return "(not primitive)";
    case PrimitiveKind::Base64Binary: return "base64Binary";
    case PrimitiveKind::Boolean: return "boolean";
    case PrimitiveKind::Canonical: return "canonical";
    case PrimitiveKind::Code: return "code";
    case PrimitiveKind::Date: return "date";
    case PrimitiveKind::DateTime: return "dateTime";
    case PrimitiveKind::Decimal: return "decimal";
    case PrimitiveKind::Id: return "id";
    case PrimitiveKind::Instant: return "instant";
    case PrimitiveKind::Integer: return "integer";
    case PrimitiveKind::Markdown: return "markdown";
    case PrimitiveKind::Oid: return "oid";
    case PrimitiveKind::PositiveInt: return "positiveInt";
    case PrimitiveKind::String: return "string";
    case PrimitiveKind::Time: return "time";
    case PrimitiveKind::UnsignedInt: return "unsignedInt";
    case PrimitiveKind::Uri: return "uri";
    case PrimitiveKind::Url: return "url";
    case PrimitiveKind::Uuid: return "uuid";
    case PrimitiveKind::Xhtml: return "xhtml";
  }
  return "?";
}

const char* expected_json_type(PrimitiveKind k) noexcept {
  switch (k) {
    case PrimitiveKind::Boolean: return "boolean";
    case PrimitiveKind::Decimal:
    case PrimitiveKind::Integer:
    case PrimitiveKind::PositiveInt:
    case PrimitiveKind::UnsignedInt: return "number";
    default: return "string";
  }
}

const char* check_date(std::string_view s) noexcept {
  std::size_t pos = 0;
  int parts = 0;
  if (const char* err = parse_date_part(s, pos, parts)) return err;
  if (pos != s.size()) return "a date is YYYY, YYYY-MM or YYYY-MM-DD";
  return nullptr;
}

const char* check_date_time(std::string_view s) noexcept {
  std::size_t pos = 0;
  int parts = 0;
  if (const char* err = parse_date_part(s, pos, parts)) return err;
  if (pos == s.size()) return nullptr;
  if (parts != 3 || s[pos] != 'T') return "a dateTime is YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz";
  ++pos;
  if (const char* err = parse_time_part(s, pos)) return err;
  if (const char* err = parse_zone(s, pos)) return err;
  if (pos != s.size()) return "unexpected characters after the time zone";
  return nullptr;
}

const char* check_instant(std::string_view s) noexcept {
  std::size_t pos = 0;
  int parts = 0;
  if (const char* err = parse_date_part(s, pos, parts)) return err;
  if (parts != 3 || pos >= s.size() || s[pos] != 'T') return "an instant is YYYY-MM-DDThh:mm:ss[.fff]+zz:zz";
  ++pos;
  if (const char* err = parse_time_part(s, pos)) return err;
  if (const char* err = parse_zone(s, pos)) return err;
  if (pos != s.size()) return "unexpected characters after the time zone";
  return nullptr;
}

const char* check_time(std::string_view s) noexcept {
  std::size_t pos = 0;
  if (const char* err = parse_time_part(s, pos)) return err;
  if (pos != s.size()) return "a time is hh:mm:ss[.fff] without a time zone";
  return nullptr;
}

const char* check_id(std::string_view s) noexcept {
  if (s.empty()) return "an id must not be empty";
  if (s.size() > 64) return "an id has at most 64 characters";
  for (char c : s) {
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
    if (!ok) return "an id may only contain A-Z, a-z, 0-9, '-' and '.'";
  }
  return nullptr;
}

const char* check_uri(std::string_view s) noexcept {
  if (s.empty()) return "a uri must not be empty";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (is_ws(c) || u < 0x20 || u == 0x7F) return "a uri must not contain whitespace or control characters";
  }
  return nullptr;
}

const char* check_code(std::string_view s) noexcept {
  if (s.empty()) return "a code must not be empty";
  if (is_ws(s.front()) || is_ws(s.back())) return "a code must not start or end with whitespace";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (is_ws(s[i])) {
      if (is_ws(s[i + 1])) return "a code must not contain repeated whitespace";
    } else if (u < 0x20 || u == 0x7F) {
      return "a code must not contain control characters";
    }
  }
  return nullptr;
}

const char* check_oid(std::string_view s) noexcept {
  constexpr std::string_view kPrefix = "urn:oid:";
  if (!starts_with(s, kPrefix)) return "an oid must start with 'urn:oid:'";
  s.remove_prefix(kPrefix.size());
  if (s.empty() || s[0] < '0' || s[0] > '2') return "an oid starts with 0, 1 or 2";
  std::size_t pos = 1;
  int arcs = 0;
  while (pos < s.size()) {
    if (s[pos] != '.') return "oid arcs are separated by '.'";
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return "an oid arc must be a number";
    if (s[start] == '0' && pos - start > 1) return "an oid arc must not have leading zeros";
    ++arcs;
  }
  if (arcs == 0) return "an oid needs at least two arcs";
  return nullptr;
}

const char* check_uuid(std::string_view s) noexcept {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (!starts_with(s, kPrefix)) return "a uuid must start with 'urn:uuid:'";
  s.remove_prefix(kPrefix.size());
  if (s.size() != 36) return "a uuid has 36 characters after 'urn:uuid:'";
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_lower_hex(s[i])) return "a uuid is 8-4-4-4-12 lower-case hex digits";
  }
  return nullptr;
}

// True if any of the 8 bytes is below 0x20 or is 0x7F (candidates for a control character; tab, CR and LF
// are among them and are told apart byte by byte).
bool may_hold_control(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  const std::uint64_t x = w ^ (kOnes * 0x7F);  // 0x7F bytes become zero
  const std::uint64_t del = (x - kOnes) & ~x & kHigh;
  return (below_space | del) != 0;
}

const char* check_string(std::string_view s) noexcept {
  if (s.empty()) return "a string must not be empty";
  if (s.size() > kMaxStringBytes) return "a string must not exceed 1 MB";
  // Descriptions and markdown make this the hottest primitive check: 8 bytes at a time, bytes only where
  // a word holds a candidate.
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (!may_hold_control(w)) continue;
    for (std::size_t k = i; k < i + 8; ++k)
      if (is_control(s[k])) return "a string must not contain control characters";
  }
  for (; i < s.size(); ++i)
    if (is_control(s[i])) return "a string must not contain control characters";
  return nullptr;
}

const char* check_base64(std::string_view s) noexcept {
  if (s.empty()) return "base64Binary must not be empty";
  std::size_t n = 0, pad = 0;
  for (char c : s) {
    if (is_ws(c)) continue;
    if (c == '=') {
      ++pad;
      ++n;
      continue;
    }
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/';
    if (!ok) return "not valid base64 (invalid character)";
    if (pad != 0) return "not valid base64 ('=' padding only at the end)";
    ++n;
  }
  if (pad > 2) return "not valid base64 (too much padding)";
  if (n % 4 != 0) return "not valid base64 (length is not a multiple of 4)";
  return nullptr;
}

const char* check_xhtml(std::string_view s) noexcept {
  std::size_t pos = 0;
  while (pos < s.size() && is_ws(s[pos])) ++pos;
  if (s.substr(pos, 4) != "<div") return "narrative must start with a <div> element";
  int depth = 0;
  bool root_seen = false, root_closed = false, has_xmlns = false, has_content = false;
  // Stack of open element names (views into s); bounded depth keeps this allocation-free.
  std::array<std::string_view, 128> open{};
  while (pos < s.size()) {
    if (s[pos] != '<') {
      // Text up to the next tag: only whether it holds anything but white space matters.
      const std::size_t lt = s.find('<', pos);
      const std::size_t end = lt == std::string_view::npos ? s.size() : lt;
      if (root_closed || !has_content) {
        for (std::size_t q = pos; q < end; ++q) {
          if (is_ws(s[q])) continue;
          if (root_closed) return "content after the closing </div>";
          has_content = true;
          break;
        }
      }
      pos = end;
      continue;
    }
    if (root_closed) return "content after the closing </div>";
    if (s.substr(pos, 4) == "<!--") {
      std::size_t end = s.find("-->", pos + 4);
      if (end == std::string_view::npos) return "unterminated XHTML comment";
      pos = end + 3;
      continue;
    }
    if (s.substr(pos, 9) == "<![CDATA[") {
      std::size_t end = s.find("]]>", pos + 9);
      if (end == std::string_view::npos) return "unterminated CDATA section";
      pos = end + 3;
      continue;
    }
    if (s.substr(pos, 2) == "<?" || s.substr(pos, 2) == "<!")
      return "processing instructions and DOCTYPE are not allowed";
    bool closing = pos + 1 < s.size() && s[pos + 1] == '/';
    std::size_t name_start = pos + (closing ? 2 : 1);
    std::size_t p = name_start;
    while (p < s.size() && is_name_char(s[p])) ++p;
    std::string_view name = s.substr(name_start, p - name_start);
    if (name.empty()) return "'<' must be escaped as &lt; in XHTML";
    if (closing) {
      while (p < s.size() && is_ws(s[p])) ++p;
      if (p >= s.size() || s[p] != '>') return "malformed closing tag";
      if (depth == 0 || open[static_cast<std::size_t>(depth - 1)] != name) return "mismatched XHTML closing tag";
      --depth;
      pos = p + 1;
      if (depth == 0) root_closed = true;
      continue;
    }
    if (forbidden_xhtml_element(name))
      return "narrative contains a forbidden element (script, form, frame, object, ...)";
    bool is_root = !root_seen;
    if (!is_root) has_content = true;
    if (is_root && name != "div") return "narrative root must be a <div>";
    root_seen = true;
    // Attributes.
    bool self_closing = false;
    for (;;) {
      while (p < s.size() && is_ws(s[p])) ++p;
      if (p >= s.size()) return "unterminated XHTML tag";
      if (s[p] == '>') {
        ++p;
        break;
      }
      if (s[p] == '/' && p + 1 < s.size() && s[p + 1] == '>') {
        self_closing = true;
        p += 2;
        break;
      }
      std::size_t an = p;
      while (p < s.size() && is_name_char(s[p])) ++p;
      std::string_view attr = s.substr(an, p - an);
      if (attr.empty()) return "malformed XHTML attribute";
      if (attr.size() > 2 && ieq(attr.substr(0, 2), "on")) return "narrative must not contain event handler attributes";
      while (p < s.size() && is_ws(s[p])) ++p;
      if (p >= s.size() || s[p] != '=') return "XHTML attributes need a quoted value";
      ++p;
      while (p < s.size() && is_ws(s[p])) ++p;
      if (p >= s.size() || (s[p] != '"' && s[p] != '\'')) return "XHTML attributes need a quoted value";
      char q = s[p];
      std::size_t vend = s.find(q, p + 1);
      if (vend == std::string_view::npos) return "unterminated XHTML attribute value";
      std::string_view value = s.substr(p + 1, vend - p - 1);
      if (is_root && attr == "xmlns" && value == "http://www.w3.org/1999/xhtml") has_xmlns = true;
      if (ieq(attr, "href") || ieq(attr, "src")) {
        std::size_t v = 0;
        while (v < value.size() && is_ws(value[v])) ++v;
        if (ieq(value.substr(v, 11), "javascript:")) return "narrative must not contain javascript: links";
      }
      p = vend + 1;
    }
    if (is_root && !has_xmlns) return "the narrative <div> must declare xmlns=\"http://www.w3.org/1999/xhtml\"";
    pos = p;
    if (self_closing) {
      if (is_root) root_closed = true;
      continue;
    }
    if (depth >= static_cast<int>(open.size())) return "XHTML nested too deeply";
    open[static_cast<std::size_t>(depth++)] = name;
  }
  if (!root_closed) return "narrative <div> is not closed";
  if (!has_content) return "txt-2: the narrative must have some non-whitespace content";
  return nullptr;
}

const char* check_integer(std::string_view t, std::int64_t min, std::int64_t max) noexcept {
  std::size_t pos = 0;
  bool neg = false;
  if (pos < t.size() && t[pos] == '-') {
    neg = true;
    ++pos;
  }
  if (pos >= t.size()) return "not an integer";
  if (t[pos] == '0' && pos + 1 < t.size()) return "not an integer (leading zero)";
  std::int64_t v = 0;
  for (; pos < t.size(); ++pos) {
    if (!is_digit(t[pos])) return "not an integer (fraction or exponent)";
    v = v * 10 + (t[pos] - '0');
    if (v > 4294967296LL) return "integer out of range";
  }
  if (neg) v = -v;
  if (v < min || v > max)
    return min == 1            ? "a positiveInt must be at least 1"
           : min == 0 && v < 0 ? "an unsignedInt must not be negative"
                               : "integer out of 32-bit range";
  return nullptr;
}

const char* check_decimal(std::string_view t) noexcept {
  std::size_t pos = 0;
  if (pos < t.size() && t[pos] == '-') ++pos;
  std::size_t start = pos;
  while (pos < t.size() && is_digit(t[pos])) ++pos;
  if (pos == start) return "not a decimal number";
  if (t[start] == '0' && pos - start > 1) return "a decimal must not have leading zeros";
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    std::size_t f = pos;
    while (pos < t.size() && is_digit(t[pos])) ++pos;
    if (pos == f) return "a decimal needs digits after '.'";
  }
  if (pos < t.size() && (t[pos] == 'e' || t[pos] == 'E')) {
    ++pos;
    if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) ++pos;
    std::size_t e = pos;
    while (pos < t.size() && is_digit(t[pos])) ++pos;
    if (pos == e) return "a decimal exponent needs digits";
  }
  if (pos != t.size()) return "not a decimal number";
  return nullptr;
}

const char* check_primitive(PrimitiveKind kind, const json::Node& value) noexcept {
  switch (kind) {
    case PrimitiveKind::NotPrimitive: return nullptr;
    case PrimitiveKind::Boolean: return value.is_bool() ? nullptr : "a boolean must be JSON true or false";
    case PrimitiveKind::Decimal:
      if (value.is_string()) return "a decimal must be a JSON number, not a string";
      if (!value.is_number()) return "a decimal must be a JSON number";
      return check_decimal(value.text());
    case PrimitiveKind::Integer:
    case PrimitiveKind::PositiveInt:
    case PrimitiveKind::UnsignedInt: {
      if (!value.is_number())
        return value.is_string() ? "an integer must be a JSON number, not a string"
                                 : "an integer must be a JSON number";
      std::int64_t min = kind == PrimitiveKind::PositiveInt   ? 1
                         : kind == PrimitiveKind::UnsignedInt ? 0
                                                              : -2147483648LL;
      return check_integer(value.text(), min, 2147483647LL);
    }
    default: break;
  }
  if (!value.is_string()) return "must be a JSON string";
  std::string_view s = value.text();
  switch (kind) {
    case PrimitiveKind::Base64Binary: return check_base64(s);
    case PrimitiveKind::Canonical:
    case PrimitiveKind::Uri:
    case PrimitiveKind::Url: return check_uri(s);
    case PrimitiveKind::Code: return check_code(s);
    case PrimitiveKind::Date: return check_date(s);
    case PrimitiveKind::DateTime: return check_date_time(s);
    case PrimitiveKind::Id: return check_id(s);
    case PrimitiveKind::Instant: return check_instant(s);
    case PrimitiveKind::Markdown:
    case PrimitiveKind::String: return check_string(s);
    case PrimitiveKind::Oid: return check_oid(s);
    case PrimitiveKind::Time: return check_time(s);
    case PrimitiveKind::Uuid: return check_uuid(s);
    case PrimitiveKind::Xhtml: return check_xhtml(s);
    default: return nullptr;
  }
}

}  // namespace fhir::validation
