// Server-assigned ids (rest::new_id): valid FHIR ids, UUID version 7, strictly increasing (so the
// (type, id) keys of the store grow at their end) and distinct across threads. No sockets.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rest/resource_body.h"

namespace fhirgw::rest {
namespace {

TEST(NewId, IsAValidVersion7Uuid) {
  const std::string id = new_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_TRUE(valid_id(id));
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '7');                                          // version
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);  // RFC 9562 variant
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      EXPECT_EQ(id[i], '-') << i;
    } else {
      EXPECT_NE(std::string("0123456789abcdef").find(id[i]), std::string::npos) << id;
    }
  }
  // The first 48 bits are the Unix time in milliseconds (a full sequence may borrow a few ms ahead).
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const long long stamped = std::stoll(id.substr(0, 8) + id.substr(9, 4), nullptr, 16);
  EXPECT_LE(std::llabs(stamped - now_ms), 10'000) << id;
}

TEST(NewId, StrictlyIncreasesWithinAThread) {
  std::string previous = new_id();
  for (int i = 0; i < 20000; ++i) {  // more than the 4,096 ids one millisecond can number
    std::string next = new_id();
    ASSERT_LT(previous, next) << i;
    previous = std::move(next);
  }
}

TEST(NewId, DistinctAcrossThreads) {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 5000; ++i) ids.push_back(new_id());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& ids : made) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), 4u * 5000u);
}

}  // namespace
}  // namespace fhirgw::rest
