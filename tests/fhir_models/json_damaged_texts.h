// Texts derived from a good one, for tests that two JSON readers agree: every truncation of `good`, then
// `count` one-byte changes (replace, insert or delete, with bytes from `alphabet`) chosen by a fixed linear
// congruential sequence from `seed`, so every run checks the same texts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fhir::json::testing {

template <class Check>
void for_each_damaged_text(const std::string& good, std::string_view alphabet, std::uint32_t seed, int count,
                           Check&& check) {
  for (std::size_t n = 0; n < good.size(); ++n) check(good.substr(0, n));
  std::uint32_t state = seed;
  auto next = [&] { return state = state * 1103515245u + 12345u; };
  for (int i = 0; i < count; ++i) {
    std::string damaged = good;
    const std::size_t at = (next() >> 8) % damaged.size();
    const char c = alphabet[(next() >> 8) % alphabet.size()];
    switch ((next() >> 8) % 3) {
      case 0: damaged[at] = c; break;
      case 1: damaged.insert(damaged.begin() + static_cast<std::ptrdiff_t>(at), c); break;
      default: damaged.erase(at, 1); break;
    }
    check(damaged);
  }
}

}  // namespace fhir::json::testing
