// RecordBatch::sort_by_time: time order, received order among equals, untimed records stay
// behind their predecessor, profiles travel with their records.
#include "serve/record_batch.h"

#include <gtest/gtest.h>

namespace vigil::serve {
namespace {

std::string records(const RecordBatch& b) {
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) out += std::string(b.record(i)) + "/" + b.profile(i) + " ";
  return out;
}

TEST(RecordBatch, InOrderBatchIsLeftAlone) {
  RecordBatch b("t");
  b.add("a", "p", 1);
  b.add("b", "p", 1);
  b.add("c", "q", 5);
  EXPECT_FALSE(b.sort_by_time());
  EXPECT_EQ(records(b), "a/p b/p c/q ");
}

TEST(RecordBatch, TwoRunsBecomeOneTimeOrderStableAmongEquals) {
  RecordBatch b("t");
  b.add("r1-10", "p", 10);
  b.add("r1-20", "p", 20);
  b.add("untimed", "q");  // travels with r1-20
  b.add("r1-30", "p", 30);
  b.add("r2-05", "q", 5);
  b.add("r2-20", "q", 20);
  b.add("r2-25", "p", 25);
  EXPECT_TRUE(b.sort_by_time());
  EXPECT_EQ(records(b), "r2-05/q r1-10/p r1-20/p untimed/q r2-20/q r2-25/p r1-30/p ");
  EXPECT_EQ(b.time_us(0), 5);
  EXPECT_EQ(b.time_us(3), 20);
  EXPECT_EQ(b.time_us(6), 30);
  EXPECT_FALSE(b.sort_by_time());
  // Appending after a sort keeps working.
  b.add("late", "p", 1);
  EXPECT_TRUE(b.sort_by_time());
  EXPECT_EQ(b.record(0), "late");
  EXPECT_EQ(b.size(), 8u);
}

TEST(RecordBatch, LeadingUntimedRecordsStayFirst) {
  RecordBatch b("t");
  b.add("x", "p");
  b.add("y", "p", 9);
  b.add("z", "p", 3);
  EXPECT_TRUE(b.sort_by_time());
  EXPECT_EQ(records(b), "x/p z/p y/p ");
}

}  // namespace
}  // namespace vigil::serve
