#include "fhir/json/written_form.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace fhir::json {

namespace {

constexpr std::size_t kNo = std::string_view::npos;

// The first '"' or '\\' at or after `p`, `end` if none. The text was parsed, so no other byte needs a look.
const char* quote_or_backslash(const char* p, const char* end) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\') ++p;
  return p;
}

int lower_hex(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper-case hex too: write_string writes lower case
}

// From just after a string's opening quote: the position after its closing quote if every escape in it is one
// write_string makes, else nullptr.
const char* written_string_end(const char* p, const char* end) noexcept {
  for (;;) {
    p = quote_or_backslash(p, end);
    if (p >= end) return nullptr;
    if (*p == '"') return p + 1;
    if (end - p < 2) return nullptr;
    switch (p[1]) {
      case '"':
      case '\\':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': p += 2; continue;
      case 'u': {
        if (end - p < 6 || p[2] != '0' || p[3] != '0' || (p[4] != '0' && p[4] != '1')) return nullptr;
        const int low = lower_hex(p[5]);
        if (low < 0) return nullptr;
        const int c = (p[4] - '0') * 16 + low;
        // write_string uses the short forms for these.
        if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') return nullptr;
        p += 6;
        continue;
      }
      default: return nullptr;  // "\/" and the like decode to bytes write_string writes as they are
    }
  }
}

bool ends_token(char c) noexcept {
  return c == ',' || c == '}' || c == ']' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

std::size_t written_form_end(std::string_view text, std::size_t begin) noexcept {
  if (begin >= text.size()) return kNo;
  const char* const start = text.data();
  const char* const end = start + text.size();
  const char* p = start + begin;
  std::size_t depth = 0;  // open objects and arrays
  // Every byte outside strings is structure or part of a number or literal: whitespace anywhere is not written.
  while (p < end) {
    const char c = *p;
    if (c == '"') {
      p = written_string_end(p + 1, end);
      if (!p) return kNo;
    } else if (c == '{' || c == '[') {
      ++depth;
      ++p;
      continue;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return kNo;
      --depth;
      ++p;
    } else if (c == ',' || c == ':') {
      if (depth == 0) return kNo;
      ++p;
      continue;
    } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
      while (p < end && !ends_token(*p)) ++p;  // numbers keep their text; true, false, null
    } else {
      return kNo;  // whitespace
    }
    if (depth == 0) return static_cast<std::size_t>(p - start);
  }
  return kNo;
}

}  // namespace fhir::json
