#include "fhir/calendar.h"

#include <gtest/gtest.h>

namespace fhir::calendar {
namespace {

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).month == 12 && civil_from_days(-1).day == 31);

TEST(Calendar, KnownDates) {
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2026, 11, 29), 20786);
  EXPECT_EQ(days_from_civil(1, 1, 1), -719162);
  EXPECT_EQ(days_in_month(1900, 2), 28);  // divisible by 100, not by 400
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2026, 2), 28);
  EXPECT_EQ(days_in_month(2026, 4), 30);
  EXPECT_EQ(days_in_month(2026, 12), 31);
}

// Walking day by day through years -400 .. 2800, every date follows the one before and converts back.
TEST(Calendar, EveryDayFollowsTheOneBeforeAndConvertsBack) {
  std::int64_t expected = days_from_civil(-400, 1, 1);
  for (std::int64_t year = -400; year <= 2800; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= days_in_month(year, month); ++day) {
        ASSERT_EQ(days_from_civil(year, month, day), expected) << year << "-" << month << "-" << day;
        const CivilDate back = civil_from_days(expected);
        ASSERT_EQ(back.year, year);
        ASSERT_EQ(back.month, month);
        ASSERT_EQ(back.day, day);
        ++expected;
      }
    }
  }
}

}  // namespace
}  // namespace fhir::calendar
