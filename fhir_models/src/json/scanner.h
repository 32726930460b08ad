// The strict JSON scanner both parsers try first: one pass over a NUL-terminated text that checks everything the
// strict layer checks (grammar without comments, trailing commas, NaN or leading zeros; UTF-8 inside strings; no
// control characters; escapes and surrogate pairs; depth; duplicate keys through the handler) and reports values
// to a handler, with the same offsets as the RapidJSON-based reference parser (strict.h). Runs of plain string
// bytes are skipped 16 at a time (SSE2).
//
// It only *accepts* quickly. Whenever it refuses a text, or declines one it cannot judge cheaply (a positive
// exponent above 308 or more than 300 integer digits, where RapidJSON's "number too big" rule applies), the caller
// runs the reference parser, which produces the authoritative result and the error message, offset, line and
// column. So error reports stay exactly those of the reference, and the fuzz target checks that what the scanner
// accepts the reference accepts with the same tree and offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fhir/json/node.h"
#include "fhir/json/parser.h"

#define FHIRGW_ALWAYS_INLINE __attribute__((always_inline))

namespace fhir::json::detail {

// Length of the well-formed UTF-8 sequence at `s` (s[0] >= 0x80; RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), 0 if it is not one. Stops at the first bad byte, so it never reads past a NUL.
inline std::size_t utf8_sequence(const unsigned char* s) noexcept {
  const unsigned char c = s[0];
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  std::size_t len;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (s[1] < lo || s[1] > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (s[k] < 0x80 || s[k] > 0xBF) return 0;
  return len;
}

// From `p` inside a string: the first '"' or '\\' (returned), past well-formed UTF-8; nullptr at a control
// character (the terminating NUL included) or bad UTF-8. `end` is the text's end (*end == '\0').
inline const char* string_stop(const char* p, const char* end) noexcept {
  for (;;) {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(' ');
    while (end - p >= 16) {
      const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // Signed compare: bytes >= 0x80 are negative, so "< ' '" also finds the start of every UTF-8 sequence.
      const __m128i special =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)), _mm_cmplt_epi8(x, space));
      const int mask = _mm_movemask_epi8(special);
      if (mask != 0) {
        p += __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
      p += 16;
    }
#endif
    auto c = static_cast<unsigned char>(*p);
    while (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') c = static_cast<unsigned char>(*++p);
    if (c == '"' || c == '\\') return p;
    if (c < 0x20) return nullptr;
    const std::size_t n = utf8_sequence(reinterpret_cast<const unsigned char*>(p));
    if (n == 0) return nullptr;
    p += n;
  }
}

// Decodes the rest of a string whose plain prefix [start, p) is followed by the escape at `p` into `out`;
// returns the position after the closing quote, nullptr if an escape is invalid (lone surrogates included).
const char* decode_escaped(const char* start, const char* p, const char* end, std::string& out);

// End of the number starting at `p` ('-' or a digit), nullptr if it is malformed; sets `declined` for the
// numbers only the reference can judge (see ScanResult::Declined).
inline const char* number_stop(const char* p, bool& declined) noexcept {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (*p == '-') ++p;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    const char* first = p;
    while (digit(*p)) ++p;
    if (p - first > 300) declined = true;
  } else {
    return nullptr;
  }
  if (*p == '.') {
    ++p;
    if (!digit(*p)) return nullptr;
    while (digit(*p)) ++p;
  }
  if (*p == 'e' || *p == 'E') {
    ++p;
    bool negative = false;
    if (*p == '+') {
      ++p;
    } else if (*p == '-') {
      negative = true;
      ++p;
    }
    if (!digit(*p)) return nullptr;
    int exponent = 0;
    while (digit(*p)) {
      if (exponent <= 308) exponent = exponent * 10 + (*p - '0');
      ++p;
    }
    if (!negative && exponent > 308) declined = true;
  }
  return p;
}

// Skimming: the end of a value found WITHOUT checking it (for a pass whose text a later full pass checks).
// Exact on any prefix of a valid text; on an invalid one it returns some position up to `end`, or nullptr when it
// reaches `end` inside a container or string.
namespace skim {

// The bytes of a 64-byte block that matter to skimming, one bit per byte.
struct Masks {
  std::uint64_t quotes = 0, backslashes = 0, opens = 0, closes = 0;
};
inline Masks masks(const char* block) noexcept {
  Masks m;
#if defined(__SSE2__)
  // '[' | 0x20 == '{' and ']' | 0x20 == '}' (and nothing else maps there): two compares find all four brackets.
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'), fold = _mm_set1_epi8(0x20);
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * k));
    const __m128i folded = _mm_or_si128(x, fold);
    auto bits = [k](__m128i eq) {
      return static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(eq))) << (16 * k);
    };
    m.quotes |= bits(_mm_cmpeq_epi8(x, quote));
    m.backslashes |= bits(_mm_cmpeq_epi8(x, backslash));
    m.opens |= bits(_mm_cmpeq_epi8(folded, open));
    m.closes |= bits(_mm_cmpeq_epi8(folded, close));
  }
#else
  for (int k = 0; k < 64; ++k) {
    const std::uint64_t bit = std::uint64_t{1} << k;
    const char c = block[k];
    if (c == '"') m.quotes |= bit;
    if (c == '\\') m.backslashes |= bit;
    if (c == '{' || c == '[') m.opens |= bit;
    if (c == '}' || c == ']') m.closes |= bit;
  }
#endif
  return m;
}

// Bit i set when an odd number of bits at or below i are set in x: with x the quotes, the bytes inside strings
// (opening quote included, closing quote not).
inline std::uint64_t prefix_xor(std::uint64_t x) noexcept {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// Past the closing quote of the string whose content starts at `p`; nullptr at `end`.
inline const char* string_end(const char* p, const char* end) noexcept {
  while (p < end) {
    if (*p == '"') return p + 1;
    p += *p == '\\' ? 2 : 1;
  }
  return nullptr;
}

// Past the container that opens at `p` ('{' or '['). Works on 64-byte blocks: quotes give the in-string mask
// (prefix XOR), brackets outside strings are counted, and only a block where the depth may reach zero is walked
// bracket by bracket. A block with a backslash is walked byte by byte (escapes are rare in FHIR JSON).
inline const char* container_end(const char* p, const char* end) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  alignas(16) char tail[64];
  while (p < end) {
    const char* block = p;
    const std::size_t n = static_cast<std::size_t>(end - p) < 64 ? static_cast<std::size_t>(end - p) : 64;
    if (n < 64) {
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, p, n);
      block = tail;
    }
    const Masks m = masks(block);
    if (m.backslashes != 0) {  // byte by byte to the end of this block (or one past it, after an escape)
      const char* stop = p + n;
      while (p < stop) {
        const char c = *p;
        if (in_string) {
          if (c == '\\')
            ++p;
          else if (c == '"')
            in_string = false;
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          return p + 1;
        }
        ++p;
      }
      continue;
    }
    const std::uint64_t inside = prefix_xor(m.quotes) ^ (in_string ? ~std::uint64_t{0} : 0);
    const std::uint64_t opens = m.opens & ~inside;
    const std::uint64_t closes = m.closes & ~inside;
    const auto n_closes = static_cast<std::size_t>(__builtin_popcountll(closes));
    if (n_closes < depth) {  // the depth cannot reach zero in this block
      depth = depth + static_cast<std::size_t>(__builtin_popcountll(opens)) - n_closes;
    } else {
      for (std::uint64_t brackets = opens | closes; brackets != 0; brackets &= brackets - 1) {
        const int i = __builtin_ctzll(brackets);
        if ((opens >> i) & 1) {
          ++depth;
        } else if (--depth == 0) {
          return p + i + 1;
        }
      }
    }
    in_string = (inside >> 63) & 1;
    p += n;
  }
  return nullptr;
}

}  // namespace skim

// Past the JSON value that starts at `p` (its first byte), without checking it (see namespace skim).
inline const char* skim_value(const char* p, const char* end) noexcept {
  if (*p == '"') return skim::string_end(p + 1, end);
  if (*p == '{' || *p == '[') return skim::container_end(p, end);
  while (p < end && *p != ',' && *p != '}' && *p != ']' && static_cast<unsigned char>(*p) > ' ')
    ++p;  // number, literal
  return p;
}

// The scanner proper. Handler:
//   void scalar(Kind kind, const char* s, std::size_t n, std::uint32_t offset)  // Null/True/False/Number
//   void string(const char* s, std::size_t n, std::uint32_t offset, bool in_scratch)
//   bool key(const char* s, std::size_t n, bool in_scratch)                     // false: duplicate key
//   void open(Kind kind, std::uint32_t offset);  void close(std::uint32_t end)   // end: past the bracket
// and optionally  bool skim_member(); void skimmed()   // after a key: skim its value unchecked (skim_value)?
// `in_scratch`: the text is a decoded copy that the next string overwrites (copy it to keep it), else it points
// into `text`. `text` must be followed by a NUL byte (text.data()[text.size()] == '\0').
template <typename Handler>
ScanResult scan(std::string_view text, const ParseOptions& options, Handler& handler,
                std::vector<std::uint32_t>& line_starts) {
  if ((options.max_bytes != 0 && text.size() > options.max_bytes) || text.size() >= 0xFFFFFFF0u)
    return ScanResult::Refused;
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  if (text.size() >= 3 && static_cast<unsigned char>(p[0]) == 0xEF && static_cast<unsigned char>(p[1]) == 0xBB &&
      static_cast<unsigned char>(p[2]) == 0xBF) {
    p += 3;
  }
  line_starts.clear();
  line_starts.push_back(0);
  std::string scratch;
  std::string open_kinds;  // 'o' or 'a' per open container
  bool declined = false;
  auto offset = [&](const char* q) { return static_cast<std::uint32_t>(q - begin); };
  // Hot lambdas are forced inline: the scanner spends most of its time in them.
  auto skip_space = [&]() FHIRGW_ALWAYS_INLINE {
    if (static_cast<unsigned char>(*p) > ' ') return;  // compact JSON: no whitespace at all
    for (;;) {
      const char c = *p;
      if (c == ' ' || c == '\t' || c == '\r') {
        ++p;
      } else if (c == '\n') {
        ++p;
        line_starts.push_back(offset(p));
      } else {
        return;
      }
    }
  };
  // Reads the string whose opening quote is at `p`; on success `p` is past its closing quote.
  auto read_string = [&](const char*& s, std::size_t& n, bool& in_scratch) FHIRGW_ALWAYS_INLINE {
    const char* first = p + 1;
    const char* stop = string_stop(first, end);
    if (stop == nullptr) return false;
    if (*stop == '"') {
      s = first;
      n = static_cast<std::size_t>(stop - first);
      in_scratch = false;
      p = stop + 1;
      return true;
    }
    const char* after = decode_escaped(first, stop, end, scratch);
    if (after == nullptr) return false;
    s = scratch.data();
    n = scratch.size();
    in_scratch = true;
    p = after;
    return true;
  };
  auto literal = [&](const char* word) {
    std::size_t i = 0;
    for (; word[i] != '\0'; ++i)
      if (p[i] != word[i]) return false;
    p += i;
    return true;
  };

  skip_space();
value:
  switch (*p) {
    case '{':
    case '[': {
      if (open_kinds.size() >= options.max_depth) return ScanResult::Refused;
      const bool object = *p == '{';
      handler.open(object ? Kind::Object : Kind::Array, offset(p));
      open_kinds.push_back(object ? 'o' : 'a');
      ++p;
      skip_space();
      if (*p == (object ? '}' : ']')) {
        ++p;
        open_kinds.pop_back();
        handler.close(offset(p));
        goto after_value;
      }
      if (object) goto member;
      goto value;
    }
    case '"': {
      const char* at = p;
      const char* s;
      std::size_t n;
      bool in_scratch;
      if (!read_string(s, n, in_scratch)) return ScanResult::Refused;
      handler.string(s, n, offset(at), in_scratch);
      goto after_value;
    }
    case 't':
    case 'f':
    case 'n': {
      const char* at = p;
      const Kind kind = *p == 't' ? Kind::True : *p == 'f' ? Kind::False : Kind::Null;
      if (!literal(kind == Kind::True ? "true" : kind == Kind::False ? "false" : "null")) return ScanResult::Refused;
      handler.scalar(kind, at, static_cast<std::size_t>(p - at), offset(at));
      goto after_value;
    }
    default: {
      const char* at = p;
      const char* stop = number_stop(p, declined);
      if (stop == nullptr) return ScanResult::Refused;
      p = stop;
      handler.scalar(Kind::Number, at, static_cast<std::size_t>(p - at), offset(at));
      goto after_value;
    }
  }

member : {
  if (*p != '"') return ScanResult::Refused;
  const char* s;
  std::size_t n;
  bool in_scratch;
  if (!read_string(s, n, in_scratch) || !handler.key(s, n, in_scratch)) return ScanResult::Refused;
  skip_space();
  if (*p != ':') return ScanResult::Refused;
  ++p;
  skip_space();
  // A handler may have this member's value skimmed instead of read (see skim_value): it is then not checked.
  if constexpr (requires { handler.skim_member(); }) {
    if (handler.skim_member()) {
      p = skim_value(p, end);
      if (p == nullptr) return ScanResult::Refused;
      handler.skimmed();
      goto after_value;
    }
  }
  goto value;
}

after_value:
  skip_space();
  if (open_kinds.empty()) {
    if (p != end) return ScanResult::Refused;
    return declined ? ScanResult::Declined : ScanResult::Accepted;
  }
  if (*p == ',') {
    ++p;
    skip_space();
    if (open_kinds.back() == 'o') goto member;
    goto value;
  }
  if (*p == (open_kinds.back() == 'o' ? '}' : ']')) {
    ++p;
    open_kinds.pop_back();
    handler.close(offset(p));
    goto after_value;
  }
  return ScanResult::Refused;
}

}  // namespace fhir::json::detail
