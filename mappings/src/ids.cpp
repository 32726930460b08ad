// SHA-1 (FIPS 180-4) and RFC 4122 name-based UUIDs. SHA-1 is used only as the UUID v5 name hash here.
// Every mapped resource needs one, so the compression function uses the x86 SHA extensions when the CPU has
// them (several times faster than the portable code, which stays the fallback and the reference in tests).
#include "fhir/mappings/ids.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#define FHIRGW_SHA_NI 1
#endif

namespace fhir::mappings {
namespace {

std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

void sha1_block(std::uint32_t h[5], const std::uint8_t* p) {
  std::uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) | (std::uint32_t{p[4 * i + 2]} << 8) |
           std::uint32_t{p[4 * i + 3]};
  }
  for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; ++i) {
    std::uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999u;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1u;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6u;
    }
    const std::uint32_t t = rotl(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

#ifdef FHIRGW_SHA_NI
template <int F>
__attribute__((target("sha,sse4.1"))) __m128i rounds4(__m128i abcd, __m128i e) {
  return _mm_sha1rnds4_epu32(abcd, e, F);
}

// The same compression as sha1_block, with SHA-NI: four rounds per instruction, the message schedule in a ring
// of four 128-bit words (w[g % 4] holds words 4g..4g+3).
__attribute__((target("sha,sse4.1"))) void sha1_block_ni(std::uint32_t h[5], const std::uint8_t* p) {
  const __m128i bswap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  const __m128i abcd_in = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0x1B);
  const __m128i e_in = _mm_set_epi32(static_cast<int>(h[4]), 0, 0, 0);
  __m128i w[4];
  __m128i abcd = abcd_in;
  __m128i prev = abcd;
  for (int g = 0; g < 20; ++g) {
    __m128i& wg = w[g % 4];
    if (g < 4) {
      wg = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * g)), bswap);
    } else {
      wg = _mm_sha1msg2_epu32(_mm_xor_si128(_mm_sha1msg1_epu32(wg, w[(g + 1) % 4]), w[(g + 2) % 4]), w[(g + 3) % 4]);
    }
    const __m128i e = g == 0 ? _mm_add_epi32(e_in, wg) : _mm_sha1nexte_epu32(prev, wg);
    prev = abcd;
    switch (g / 5) {
      case 0: abcd = rounds4<0>(abcd, e); break;
      case 1: abcd = rounds4<1>(abcd, e); break;
      case 2: abcd = rounds4<2>(abcd, e); break;
      default: abcd = rounds4<3>(abcd, e); break;
    }
  }
  const __m128i e_out = _mm_sha1nexte_epu32(prev, e_in);
  abcd = _mm_shuffle_epi32(_mm_add_epi32(abcd, abcd_in), 0x1B);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), abcd);
  h[4] = static_cast<std::uint32_t>(_mm_extract_epi32(e_out, 3));
}

bool cpu_has_sha_ni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool sse41 = (c & bit_SSE4_1) != 0 && (c & bit_SSSE3) != 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return sse41 && (b & (1u << 29)) != 0;  // CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29]
}
#endif

using BlockFn = void (*)(std::uint32_t[5], const std::uint8_t*);

BlockFn fastest_block() {
#ifdef FHIRGW_SHA_NI
  static const BlockFn fn = cpu_has_sha_ni() ? &sha1_block_ni : &sha1_block;
  return fn;
#else
  return &sha1_block;
#endif
}

// SHA-1 of a followed by b (the UUID namespace and the name), without joining them in a buffer.
std::array<std::uint8_t, 20> sha1_with(BlockFn block, std::string_view a, std::string_view b) {
  std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  std::uint8_t buf[128] = {};
  std::size_t fill = 0;
  for (std::string_view part : {a, b}) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(part.data());
    std::size_t n = part.size();
    while (n > 0) {
      if (fill == 0 && n >= 64) {
        block(h, p);
        p += 64;
        n -= 64;
        continue;
      }
      const std::size_t take = std::min<std::size_t>(64 - fill, n);
      std::memcpy(buf + fill, p, take);
      fill += take;
      p += take;
      n -= take;
      if (fill == 64) {
        block(h, buf);
        fill = 0;
      }
    }
  }
  const std::uint64_t bits = static_cast<std::uint64_t>(a.size() + b.size()) * 8;
  std::memset(buf + fill, 0, sizeof(buf) - fill);
  buf[fill] = 0x80;
  const std::size_t tail_len = fill + 9 <= 64 ? 64 : 128;
  for (int k = 0; k < 8; ++k) buf[tail_len - 1 - k] = static_cast<std::uint8_t>(bits >> (8 * k));
  block(h, buf);
  if (tail_len == 128) block(h, buf + 64);
  std::array<std::uint8_t, 20> out{};
  for (int k = 0; k < 5; ++k) {
    out[4 * k] = static_cast<std::uint8_t>(h[k] >> 24);
    out[4 * k + 1] = static_cast<std::uint8_t>(h[k] >> 16);
    out[4 * k + 2] = static_cast<std::uint8_t>(h[k] >> 8);
    out[4 * k + 3] = static_cast<std::uint8_t>(h[k]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::array<std::uint8_t, 20> sha1(std::string_view data) { return sha1_with(fastest_block(), data, {}); }
std::array<std::uint8_t, 20> sha1_portable(std::string_view data) { return sha1_with(&sha1_block, data, {}); }

Uuid parse_uuid(std::string_view text) {
  Uuid u{};
  std::size_t k = 0;
  for (std::size_t i = 0; i < text.size() && k < 32; ++i) {
    if (text[i] == '-') continue;
    const int v = hex_value(text[i]);
    if (v < 0) return Uuid{};
    u[k / 2] = static_cast<std::uint8_t>(u[k / 2] | (k % 2 == 0 ? v << 4 : v));
    ++k;
  }
  return k == 32 ? u : Uuid{};
}

UuidText uuid_text(const Uuid& u) {
  static constexpr char kHex[] = "0123456789abcdef";
  UuidText t;
  std::size_t k = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) t[k++] = '-';
    t[k++] = kHex[u[i] >> 4];
    t[k++] = kHex[u[i] & 0xF];
  }
  return t;
}

std::string format_uuid(const Uuid& u) { return std::string(view(uuid_text(u))); }

Uuid uuid_v5(const Uuid& name_space, std::string_view name) {
  const std::string_view ns(reinterpret_cast<const char*>(name_space.data()), name_space.size());
  const auto digest = sha1_with(fastest_block(), ns, name);
  Uuid u{};
  std::memcpy(u.data(), digest.data(), 16);
  u[6] = static_cast<std::uint8_t>((u[6] & 0x0F) | 0x50);  // version 5
  u[8] = static_cast<std::uint8_t>((u[8] & 0x3F) | 0x80);  // RFC 4122 variant
  return u;
}

Uuid gateway_namespace(std::string_view local_base) {
  static const Uuid kUrlNamespace = parse_uuid("6ba7b811-9dad-11d1-80b4-00c04fd430c8");
  return uuid_v5(kUrlNamespace, local_base);
}

namespace {

// uuid_v5 of a name made of a few pieces; names of up to 256 bytes (all real ones) are composed on the stack.
template <std::size_t N>
Uuid uuid_v5_of(const Uuid& ns, const std::array<std::string_view, N>& pieces) {
  std::size_t size = 0;
  for (auto p : pieces) size += p.size();
  char stack[256];
  std::string heap;
  char* name = stack;
  if (size > sizeof stack) {
    heap.resize(size);
    name = heap.data();
  }
  std::size_t at = 0;
  for (auto p : pieces) {
    if (!p.empty()) std::memcpy(name + at, p.data(), p.size());
    at += p.size();
  }
  return uuid_v5(ns, std::string_view(name, size));
}

}  // namespace

UuidText record_resource_uuid(const Uuid& ns, std::string_view source, std::string_view type, std::string_view id,
                              std::string_view part) {
  if (part.empty()) return uuid_text(uuid_v5_of(ns, std::array<std::string_view, 5>{source, "|", type, "|", id}));
  return uuid_text(uuid_v5_of(ns, std::array<std::string_view, 7>{source, "|", type, "|", id, "#", part}));
}

UuidText patient_resource_uuid(const Uuid& ns, std::string_view mrn) {
  return uuid_text(uuid_v5_of(ns, std::array<std::string_view, 2>{"patient|", mrn}));
}

std::string record_resource_id(const Uuid& ns, std::string_view source, std::string_view type, std::string_view id,
                               std::string_view part) {
  return std::string(view(record_resource_uuid(ns, source, type, id, part)));
}

std::string patient_resource_id(const Uuid& ns, std::string_view mrn) {
  return std::string(view(patient_resource_uuid(ns, mrn)));
}

}  // namespace fhir::mappings
