#include "core/time.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Time, ParsesCommonSpellings) {
  EXPECT_EQ(parse_time_us("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_time_us("1970-01-01 00:00:01.5"), 1500000);
  EXPECT_EQ(parse_time_us("2022-01-15T02:32:32+01:00"), parse_time_us("2022-01-15T01:32:32Z"));
  EXPECT_EQ(parse_time_us("2022-01-15"), parse_time_us("2022-01-15T00:00:00Z"));
  EXPECT_FALSE(parse_time_us("yesterday"));
  EXPECT_FALSE(parse_time_us("2022-13-01"));
}

TEST(Time, FormatsRoundTrip) {
  auto t = parse_time_us("2025-10-24T23:34:34.640670Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time_us(*t), "2025-10-24T23:34:34.640670Z");
  EXPECT_EQ(format_time_us(0), "1970-01-01T00:00:00.000000Z");
}

TEST(Time, FiletimeToUnix) {
  // 2020-01-01T00:00:00Z as FILETIME.
  EXPECT_EQ(format_time_us(filetime_to_us(132223104000000000ull)), "2020-01-01T00:00:00.000000Z");
}

}  // namespace
}  // namespace vigil
