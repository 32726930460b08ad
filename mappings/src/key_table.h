// Open-addressing tables of texts for the large per-batch indexes of the mappings (views, no allocation per key).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "fhir/json/arena.h"

namespace fhir::mappings {

// Hash of a short text (ids, codes, timestamps, URLs) for the per-batch indexes: 8 bytes at a time and a final
// mix, inline (std::hash is an out-of-line call per text). All 64 bits are mixed: KeyTable takes its slot from
// the low bits and its tag from the high ones.
inline std::size_t hash_text(std::string_view s) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull * (s.size() + 1);
  const char* p = s.data();
  std::size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  std::uint64_t w = 0;
  for (std::size_t k = 0; k < n; ++k) w |= std::uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
  h = (h ^ w) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 32);
}

// Text key -> entry number, the last put of a key wins. Open addressing over 8-byte slots (32 bits of the hash,
// the value) so that probing a large table stays in few cache lines; the key views, in a parallel array, are read
// only when the hash bits match. Memory from `arena`. A put is applied a few puts later, its slot prefetched
// meanwhile, so that a run of puts into a table larger than the caches overlaps its cache misses.
class KeyTable {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  explicit KeyTable(std::pmr::memory_resource* arena) : slots_(arena), keys_(arena) {}
  void reserve(std::size_t keys);
  void put(std::string_view key, std::uint32_t value);  // `key` must outlive the table
  std::uint32_t get(std::string_view key) noexcept;

 private:
  struct Slot {
    std::uint32_t tag = 0;  // high bits of the hash, never 0; 0: free
    std::uint32_t value = 0;
  };
  static std::uint32_t tag_of(std::size_t hash) noexcept { return static_cast<std::uint32_t>(hash >> 32) | 1u; }
  std::size_t slot_for(std::string_view key, std::size_t hash) const noexcept;  // its slot, or the free one
  void apply(std::string_view key, std::size_t hash, std::uint32_t value);
  void flush();  // applies the puts waiting

  struct Put {
    std::string_view key;
    std::size_t hash;
    std::uint32_t value;
  };
  static constexpr std::size_t kDelay = 8;
  Put waiting_[kDelay];
  std::size_t puts_ = 0;     // puts made
  std::size_t applied_ = 0;  // puts applied (the others wait in waiting_, in order)

  std::pmr::vector<Slot> slots_;  // a power of two, at most half full
  std::pmr::vector<std::string_view> keys_;
  std::size_t count_ = 0;
};

// A set of texts, each copied once into the set's arena (no allocation per text).
class TextSet {
 public:
  void reserve(std::size_t texts) { table_.reserve(texts); }
  void insert(std::string_view text);
  bool contains(std::string_view text) { return table_.get(text) != KeyTable::kNone; }

 private:
  std::unique_ptr<std::pmr::memory_resource> arena_ = json::make_arena();
  KeyTable table_{arena_.get()};
};

}  // namespace fhir::mappings
