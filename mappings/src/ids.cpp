// SHA-1 (FIPS 180-4) and RFC 4122 name-based UUIDs. SHA-1 is used only as the UUID v5 name hash here.
#include "fhir/mappings/ids.h"

#include <cstring>

namespace fhir::mappings {
namespace {

std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

void sha1_block(std::uint32_t h[5], const std::uint8_t* p) {
  std::uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = (std::uint32_t{p[4 * i]} << 24) | (std::uint32_t{p[4 * i + 1]} << 16) |
           (std::uint32_t{p[4 * i + 2]} << 8) | std::uint32_t{p[4 * i + 3]};
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

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::array<std::uint8_t, 20> sha1(std::string_view data) {
  std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t n = data.size();
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) sha1_block(h, p + i);
  std::uint8_t tail[128] = {};
  const std::size_t rest = n - i;
  if (rest > 0) std::memcpy(tail, p + i, rest);
  tail[rest] = 0x80;
  const std::size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(n) * 8;
  for (int b = 0; b < 8; ++b) tail[tail_len - 1 - b] = static_cast<std::uint8_t>(bits >> (8 * b));
  sha1_block(h, tail);
  if (tail_len == 128) sha1_block(h, tail + 64);
  std::array<std::uint8_t, 20> out{};
  for (int k = 0; k < 5; ++k) {
    out[4 * k] = static_cast<std::uint8_t>(h[k] >> 24);
    out[4 * k + 1] = static_cast<std::uint8_t>(h[k] >> 16);
    out[4 * k + 2] = static_cast<std::uint8_t>(h[k] >> 8);
    out[4 * k + 3] = static_cast<std::uint8_t>(h[k]);
  }
  return out;
}

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

std::string format_uuid(const Uuid& u) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[u[i] >> 4]);
    s.push_back(kHex[u[i] & 0xF]);
  }
  return s;
}

Uuid uuid_v5(const Uuid& name_space, std::string_view name) {
  std::string buf(reinterpret_cast<const char*>(name_space.data()), name_space.size());
  buf.append(name);
  const auto digest = sha1(buf);
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

std::string record_resource_id(const Uuid& ns, std::string_view source, std::string_view type, std::string_view id,
                               std::string_view part) {
  std::string name;
  name.reserve(source.size() + type.size() + id.size() + part.size() + 3);
  name.append(source).append("|").append(type).append("|").append(id);
  if (!part.empty()) name.append("#").append(part);
  return format_uuid(uuid_v5(ns, name));
}

std::string patient_resource_id(const Uuid& ns, std::string_view mrn) {
  std::string name = "patient|";
  name.append(mrn);
  return format_uuid(uuid_v5(ns, name));
}

}  // namespace fhir::mappings
