#include "strict.h"

#include <cstring>

#include "scanner.h"

namespace fhir::json::detail {

namespace {

struct TextScan {
  std::size_t bad_utf8 = std::string_view::npos;  // first byte that is not well-formed UTF-8
  std::size_t nul = std::string_view::npos;       // first NUL byte
};

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
// Non-zero iff some byte of v is zero (exact for the "is there one" question).
constexpr std::uint64_t zero_byte_mask(std::uint64_t v) { return (v - kOnes) & ~v & kHighBits; }

// One pass over the text: UTF-8 well-formedness (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF), NUL bytes, and line starts for the LineIndex. ASCII runs go eight bytes at a time.
TextScan scan_text(std::string_view text, std::vector<std::uint32_t>& line_starts) {
  TextScan scan;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  line_starts.push_back(0);
  std::size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s + i, 8);
      if ((chunk & kHighBits) != 0 || zero_byte_mask(chunk) != 0) break;
      if (zero_byte_mask(chunk ^ (kOnes * '\n')) != 0) {
        for (std::size_t k = 0; k < 8; ++k) {
          if (s[i + k] == '\n') line_starts.push_back(static_cast<std::uint32_t>(i + k + 1));
        }
      }
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (c == '\n') line_starts.push_back(static_cast<std::uint32_t>(i + 1));
      if (c == 0 && scan.nul == std::string_view::npos) scan.nul = i;
      ++i;
      continue;
    }
    const std::size_t len = utf8_sequence(s + i);  // stops at the NUL after the text
    if (len == 0) {
      scan.bad_utf8 = i;
      return scan;
    }
    i += len;
  }
  return scan;
}

}  // namespace

ParseError make_error(std::string message, std::size_t offset, std::string_view text) {
  return make_error(std::move(message), offset, LineIndex(text));
}

ParseError make_error(std::string message, std::size_t offset, const LineIndex& lines) {
  const SourceLocation location = lines.locate(offset);
  return ParseError{std::move(message), offset, location};
}

std::optional<ParseError> prepare(std::string_view text, const ParseOptions& options, Prepared& out) {
  if (options.max_bytes != 0 && text.size() > options.max_bytes) {
    return make_error("document of " + std::to_string(text.size()) + " bytes exceeds the limit of " +
                          std::to_string(options.max_bytes) + " bytes",
                      0, std::string_view{});
  }
  if (text.size() >= 0xFFFFFFF0u) return make_error("document larger than 4 GiB", 0, std::string_view{});
  const TextScan scan = scan_text(text, out.line_starts);
  if (scan.bad_utf8 != std::string_view::npos) return make_error("invalid UTF-8 byte sequence", scan.bad_utf8, text);
  if (scan.nul != std::string_view::npos) return make_error("NUL byte in JSON text", scan.nul, text);
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF) {
    out.skip = 3;
  }
  out.has_unicode_escape = text.find("\\u") != std::string_view::npos;
  return std::nullopt;
}

bool has_encoded_surrogate(const char* s, std::size_t n) {
  // U+D800..U+DFFF encode as ED A0..BF xx.
  for (const char* p = s; p + 1 < s + n;) {
    const void* hit = std::memchr(p, 0xED, static_cast<std::size_t>(s + n - p - 1));
    if (hit == nullptr) return false;
    const auto* q = static_cast<const unsigned char*>(hit);
    if (q[1] >= 0xA0) return true;
    p = reinterpret_cast<const char*>(q) + 1;
  }
  return false;
}

}  // namespace fhir::json::detail
