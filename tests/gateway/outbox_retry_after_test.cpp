// Retry-After in both RFC 9110 forms: delta-seconds and an HTTP-date (the date forms: http_date_test.cpp).
#include <gtest/gtest.h>

#include "outbox/retry_after.h"

namespace fhirgw::outbox {
namespace {

// 1994-11-06T08:49:37Z, the RFC's example date, in Unix epoch milliseconds.
constexpr std::int64_t kRfcExampleMs = 784111777000;

TEST(RetryAfter, WaitFromDeltaSecondsOrDate) {
  const std::int64_t now = kRfcExampleMs - 1500;
  EXPECT_EQ(retry_after_wait_ms("2", now), 2000);
  EXPECT_EQ(retry_after_wait_ms(" 0 ", now), 0);
  EXPECT_EQ(retry_after_wait_ms("Sun, 06 Nov 1994 08:49:37 GMT", now), 1500);
  EXPECT_EQ(retry_after_wait_ms("Sun, 06 Nov 1994 08:49:30 GMT", now), 0);  // already past: retry now
  EXPECT_EQ(retry_after_wait_ms("999999", now, 60000), 60000);              // capped
  EXPECT_EQ(retry_after_wait_ms("99999999999999999999999", now, 60000), 60000);
  EXPECT_EQ(retry_after_wait_ms("Mon, 06 Nov 1995 08:49:37 GMT", now, 60000), 60000);
  EXPECT_FALSE(retry_after_wait_ms("-1", now).has_value());
  EXPECT_FALSE(retry_after_wait_ms("1.5", now).has_value());
  EXPECT_FALSE(retry_after_wait_ms("soon", now).has_value());
  EXPECT_FALSE(retry_after_wait_ms("", now).has_value());
}

}  // namespace
}  // namespace fhirgw::outbox
