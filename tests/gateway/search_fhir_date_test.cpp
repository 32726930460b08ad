#include <gtest/gtest.h>

#include "search/fhir_date.h"

namespace fhirgw::search {
namespace {

TEST(FormatInstant, MillisecondsSinceTheEpochAsAnInstantInUtc) {
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(1'796'081'683'007), "2026-11-30T23:34:43.007Z");
  EXPECT_EQ(format_instant(951'782'400'000 - 1), "2000-02-28T23:59:59.999Z");
  EXPECT_EQ(format_instant(951'868'800'000), "2000-03-01T00:00:00.000Z");  // after 29 February
  EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_instant(-62'135'596'800'000), "0001-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_instant(253'402'300'800'000), "10000-01-01T00:00:00.000Z");  // past four digits: printf
}

TEST(FormatInstant, RoundTripsThroughTheDateParser) {
  for (const std::int64_t ms : {0LL, 1'796'081'683'007LL, 1'234'567'890'123LL, -86'400'001LL}) {
    const auto range = parse_date_range(format_instant(ms));
    ASSERT_TRUE(range.has_value()) << ms;
    EXPECT_EQ(range->low_ms, ms);
    EXPECT_EQ(range->high_ms, ms);
  }
}

}  // namespace
}  // namespace fhirgw::search
