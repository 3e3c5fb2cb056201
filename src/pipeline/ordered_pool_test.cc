#include "pipeline/ordered_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>

namespace vigil {
namespace {

TEST(OrderedPool, ConsumesInUnitOrderWhateverTheFinishOrder) {
  std::vector<size_t> seen;
  run_ordered<std::string>(
      200, 4, 8,
      [](size_t u, size_t) {
        // Early units are slowest, so they finish last.
        if (u % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        return std::to_string(u);
      },
      [&](size_t u, std::string&& s) {
        EXPECT_EQ(s, std::to_string(u));
        seen.push_back(u);
        return true;
      });
  ASSERT_EQ(seen.size(), 200u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
}

TEST(OrderedPool, WindowBoundsOutputsInFlight) {
  std::atomic<int> in_flight{0}, peak{0};
  run_ordered<int>(
      100, 3, 5,
      [&](size_t u, size_t) {
        int now = ++in_flight;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        return static_cast<int>(u);
      },
      [&](size_t, int&&) {
        --in_flight;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        return true;
      });
  EXPECT_LE(peak.load(), 5 + 1);  // window waiting + the one in the consumer's hands
}

TEST(OrderedPool, ConsumerCanStopEarly) {
  size_t consumed = 0;
  run_ordered<int>(
      1000, 2, 4, [](size_t u, size_t) { return static_cast<int>(u); },
      [&](size_t u, int&&) {
        ++consumed;
        return u < 9;
      });
  EXPECT_EQ(consumed, 10u);
}

}  // namespace
}  // namespace vigil
