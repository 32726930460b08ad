// HTTP-date (RFC 9110 §5.6.7): what the gateway writes in Last-Modified, and the three forms it reads in
// If-Modified-Since and Retry-After.
#include "http/http_date.h"

#include <gtest/gtest.h>

namespace fhirgw::http {
namespace {

// 1994-11-06T08:49:37Z, the RFC's example date, in Unix epoch milliseconds.
constexpr std::int64_t kRfcExampleMs = 784111777000;

TEST(HttpDate, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(kRfcExampleMs), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(kRfcExampleMs + 999), "Sun, 06 Nov 1994 08:49:37 GMT");  // ms dropped
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(HttpDate, ParsesWhatItFormats) {
  for (const std::int64_t ms :
       std::initializer_list<std::int64_t>{0, kRfcExampleMs, 1'795'849'200'000, 951'782'400'000 /* 2000-02-29 */}) {
    EXPECT_EQ(parse_http_date(format_http_date(ms)), ms) << format_http_date(ms);
  }
}

TEST(HttpDate, ReadsAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), kRfcExampleMs);   // IMF-fixdate
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), kRfcExampleMs);  // obsolete RFC 850
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), kRfcExampleMs);        // asctime
  EXPECT_EQ(parse_http_date("Sat, 29 Feb 2048 23:59:59 GMT"), 2466633599000);
}

TEST(HttpDate, TwoDigitYearsMoreThan50YearsAheadAreInThePastCentury) {
  // 06-Nov-94 read in 2026 is 1994; 06-Nov-30 read in 2026 is 2030 (Wednesday).
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", 2026), kRfcExampleMs);
  EXPECT_EQ(parse_http_date("Wednesday, 06-Nov-30 00:00:00 GMT", 2026), 1920153600000);
}

TEST(HttpDate, RefusesWhatIsNoHttpDate) {
  for (const char* bad :
       {"", "Mon, 06 Nov 1994 08:49:37 GMT" /* wrong day name */, "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
        "06 Nov 1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994", "1994-11-06T08:49:37Z", "Sun, 06 Nov 1994 08:49:3",
        "Sun, 06 Nov 1994 08:4x:37 GMT"}) {
    EXPECT_FALSE(parse_http_date(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace fhirgw::http
