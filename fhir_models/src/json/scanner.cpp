#include "scanner.h"

namespace fhir::json::detail {

namespace {

// Four hex digits at `p` (stops at the first non-digit, so never reads past a NUL).
bool hex4(const char* p, unsigned& value) {
  value = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    unsigned digit;
    if (c >= '0' && c <= '9')
      digit = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f')
      digit = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      digit = static_cast<unsigned>(c - 'A' + 10);
    else
      return false;
    value = value * 16 + digit;
  }
  return true;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The escape at `p` (a backslash) appended to `out`; the position after it, nullptr if invalid.
const char* decode_one(const char* p, std::string& out) {
  switch (p[1]) {
    case '"': out.push_back('"'); return p + 2;
    case '\\': out.push_back('\\'); return p + 2;
    case '/': out.push_back('/'); return p + 2;
    case 'b': out.push_back('\b'); return p + 2;
    case 'f': out.push_back('\f'); return p + 2;
    case 'n': out.push_back('\n'); return p + 2;
    case 'r': out.push_back('\r'); return p + 2;
    case 't': out.push_back('\t'); return p + 2;
    case 'u': break;
    default: return nullptr;
  }
  unsigned cp;
  if (!hex4(p + 2, cp)) return nullptr;
  p += 6;
  if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half right after it
    unsigned low;
    if (p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, low) || low < 0xDC00 || low > 0xDFFF) return nullptr;
    p += 6;
    cp = (((cp - 0xD800) << 10) | (low - 0xDC00)) + 0x10000;
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return nullptr;  // a lone low surrogate
  }
  append_utf8(out, cp);
  return p;
}

}  // namespace

const char* decode_escaped(const char* start, const char* p, const char* end, std::string& out) {
  out.assign(start, p);
  for (;;) {
    p = decode_one(p, out);
    if (p == nullptr) return nullptr;
    const char* stop = string_stop(p, end);
    if (stop == nullptr) return nullptr;
    out.append(p, stop);
    p = stop;
    if (*p == '"') return p + 1;
  }
}

}  // namespace fhir::json::detail
