// Retry-After in both RFC 9110 forms: delta-seconds and the three HTTP-date formats.
#include <gtest/gtest.h>

#include "outbox/retry_after.h"

namespace fhirgw::outbox {
namespace {

// 1994-11-06T08:49:37Z, the RFC's example date, in Unix epoch milliseconds.
constexpr std::int64_t kRfcExampleMs = 784111777000;

TEST(RetryAfter, HttpDateInAllThreeFormats) {
  EXPECT_EQ(parse_http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExampleMs);  // IMF-fixdate
  EXPECT_EQ(parse_http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExampleMs); // obsolete RFC 850
  EXPECT_EQ(parse_http_date_ms("Sun Nov  6 08:49:37 1994"), kRfcExampleMs);       // asctime
  EXPECT_EQ(parse_http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parse_http_date_ms("Sat, 29 Feb 2048 23:59:59 GMT"), 2466633599000);
}

TEST(RetryAfter, MalformedDatesAreRefused) {
  for (const char* bad : {"", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "06 Nov 1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
                          "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 08:49:3"}) {
    EXPECT_FALSE(parse_http_date_ms(bad).has_value()) << bad;
  }
}

TEST(RetryAfter, WaitFromDeltaSecondsOrDate) {
  const std::int64_t now = kRfcExampleMs - 1500;
  EXPECT_EQ(retry_after_wait_ms("2", now), 2000);
  EXPECT_EQ(retry_after_wait_ms(" 0 ", now), 0);
  EXPECT_EQ(retry_after_wait_ms("Sun, 06 Nov 1994 08:49:37 GMT", now), 1500);
  EXPECT_EQ(retry_after_wait_ms("Sun, 06 Nov 1994 08:49:30 GMT", now), 0);  // already past: retry now
  EXPECT_EQ(retry_after_wait_ms("999999", now, 60000), 60000);             // capped
  EXPECT_EQ(retry_after_wait_ms("99999999999999999999999", now, 60000), 60000);
  EXPECT_EQ(retry_after_wait_ms("Sun, 06 Nov 1995 08:49:37 GMT", now, 60000), 60000);
  EXPECT_FALSE(retry_after_wait_ms("-1", now).has_value());
  EXPECT_FALSE(retry_after_wait_ms("1.5", now).has_value());
  EXPECT_FALSE(retry_after_wait_ms("soon", now).has_value());
  EXPECT_FALSE(retry_after_wait_ms("", now).has_value());
}

}  // namespace
}  // namespace fhirgw::outbox
