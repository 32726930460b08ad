#include "lexer.h"

#include <cstdint>

namespace fhir::fhirpath::detail {
namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a quoted literal starting at s[i] == quote. Unknown escapes keep their backslash, so regular
// expressions such as '\d' or '\.' survive (the FHIRPath grammar leaves them undefined).
bool read_quoted(std::string_view s, std::size_t& i, char quote, std::string& value, LexError* error) {
  const std::size_t start = i;
  ++i;
  while (i < s.size()) {
    char c = s[i];
    if (c == quote) {
      ++i;
      return true;
    }
    if (c == '\\') {
      if (i + 1 >= s.size()) break;
      char e = s[i + 1];
      i += 2;
      switch (e) {
        case '\'': value.push_back('\''); break;
        case '"': value.push_back('"'); break;
        case '`': value.push_back('`'); break;
        case '\\': value.push_back('\\'); break;
        case '/': value.push_back('/'); break;
        case 'f': value.push_back('\f'); break;
        case 'n': value.push_back('\n'); break;
        case 'r': value.push_back('\r'); break;
        case 't': value.push_back('\t'); break;
        case 'u': {
          if (i + 4 > s.size()) {
            *error = {"incomplete \\u escape", i - 2};
            return false;
          }
          std::uint32_t cp = 0;
          for (int k = 0; k < 4; ++k) {
            int h = hex_value(s[i + static_cast<std::size_t>(k)]);
            if (h < 0) {
              *error = {"invalid \\u escape", i - 2};
              return false;
            }
            cp = cp * 16 + static_cast<std::uint32_t>(h);
          }
          i += 4;
          append_utf8(value, cp);
          break;
        }
        default: value.push_back('\\'); value.push_back(e);
      }
      continue;
    }
    value.push_back(c);
    ++i;
  }
  *error = {std::string("unterminated ") + (quote == '`' ? "delimited identifier" : "string literal"), start};
  return false;
}

bool is_datetime_char(char c) { return is_digit(c) || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '+'; }

}  // namespace

bool tokenize(std::string_view s, std::vector<Token>& out, LexError* error) {
  std::size_t i = 0;
  while (true) {
    // whitespace and comments
    while (i < s.size()) {
      char c = s[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i;
      } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '/') {
        while (i < s.size() && s[i] != '\n') ++i;
      } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
        std::size_t end = s.find("*/", i + 2);
        if (end == std::string_view::npos) {
          *error = {"unterminated comment", i};
          return false;
        }
        i = end + 2;
      } else {
        break;
      }
    }
    Token t;
    t.offset = i;
    if (i >= s.size()) {
      t.kind = Tok::End;
      out.push_back(std::move(t));
      return true;
    }
    const char c = s[i];
    const std::size_t start = i;
    if (is_ident_start(c)) {
      while (i < s.size() && is_ident_char(s[i])) ++i;
      t.kind = Tok::Identifier;
      t.value.assign(s.substr(start, i - start));
    } else if (c == '`') {
      if (!read_quoted(s, i, '`', t.value, error)) return false;
      t.kind = Tok::Identifier;
      t.delimited = true;
    } else if (c == '\'') {
      if (!read_quoted(s, i, '\'', t.value, error)) return false;
      t.kind = Tok::String;
    } else if (is_digit(c)) {
      while (i < s.size() && is_digit(s[i])) ++i;
      if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
      }
      t.kind = Tok::Number;
    } else if (c == '@') {
      ++i;
      const bool time_only = i < s.size() && s[i] == 'T';
      if (time_only) ++i;
      while (i < s.size()) {
        if (is_datetime_char(s[i])) {
          ++i;
        } else if (s[i] == '.' && i + 1 < s.size() && is_digit(s[i + 1])) {
          ++i;
        } else {
          break;
        }
      }
      t.kind = time_only ? Tok::Time : Tok::DateTime;
      t.value.assign(s.substr(start + (time_only ? 2 : 1), i - start - (time_only ? 2 : 1)));
      if (t.value.empty()) {
        *error = {"empty date/time literal", start};
        return false;
      }
    } else if (c == '%') {
      ++i;
      if (i < s.size() && (s[i] == '`' || s[i] == '\'')) {
        if (!read_quoted(s, i, s[i], t.value, error)) return false;
      } else {
        std::size_t n = i;
        while (i < s.size() && is_ident_char(s[i])) ++i;
        t.value.assign(s.substr(n, i - n));
      }
      if (t.value.empty()) {
        *error = {"empty variable name after '%'", start};
        return false;
      }
      t.kind = Tok::Variable;
    } else if (c == '$') {
      ++i;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      t.kind = Tok::Special;
      t.value.assign(s.substr(start, i - start));
      if (t.value != "$this" && t.value != "$index" && t.value != "$total") {
        *error = {"unknown special variable '" + t.value + "'", start};
        return false;
      }
    } else {
      static constexpr std::string_view two[] = {"!=", "!~", "<=", ">="};
      bool matched = false;
      for (auto op : two) {
        if (s.substr(i, 2) == op) {
          i += 2;
          matched = true;
          break;
        }
      }
      if (!matched) {
        static constexpr std::string_view one = ".,()[]{}=~<>|+-*/&";
        if (one.find(c) == std::string_view::npos) {
          *error = {std::string("unexpected character '") + c + "'", i};
          return false;
        }
        ++i;
      }
      t.kind = Tok::Punct;
    }
    t.text = s.substr(start, i - start);
    out.push_back(std::move(t));
  }
}

}  // namespace fhir::fhirpath::detail
