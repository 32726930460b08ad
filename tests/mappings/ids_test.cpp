// Deterministic ids: SHA-1 (FIPS 180-4 vectors; the SHA-extension path against the portable code) and
// RFC 4122 version-5 UUIDs (expected values from Python's uuid.uuid5).
#include "fhir/mappings/ids.h"

#include <gtest/gtest.h>

#include <string>

namespace fhir::mappings {
namespace {

std::string hex(const std::array<std::uint8_t, 20>& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (auto b : d) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 0xF]);
  }
  return s;
}

TEST(Sha1, FipsVectors) {
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex(sha1(std::string(1000000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha1, EveryLengthAgreesWithThePortableCode) {
  // Lengths around the block and padding boundaries (55/56/63/64/119/120/128) and beyond.
  std::string data;
  for (std::size_t n = 0; n <= 300; ++n) {
    EXPECT_EQ(hex(sha1(data)), hex(sha1_portable(data))) << "length " << n;
    data.push_back(static_cast<char>('!' + (n * 7) % 90));
  }
}

TEST(Uuid, Version5MatchesPython) {
  const Uuid ns = gateway_namespace("https://fhir-gateway.example.org/fhir");
  EXPECT_EQ(format_uuid(ns), "d8e6b8f2-4ee4-5084-b0de-6c2cd84e7c2e");
  EXPECT_EQ(patient_resource_id(ns, "MRN-0001"), "39adff9b-aedb-5de4-9084-e9709e8ab83f");
  EXPECT_EQ(record_resource_id(ns, "hospital-his", "lab_result", "LAB-0001", "specimen"),
            "6a50c49f-5554-5083-aab6-a6545feabdc1");
}

}  // namespace
}  // namespace fhir::mappings
