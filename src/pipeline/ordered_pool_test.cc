#include "pipeline/ordered_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

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

// Unit u emits u % 4 parts "u.0", "u.1"... then its final "u"; odd units are slow.
std::vector<std::string> run_with_parts(size_t threads) {
  std::vector<std::string> seen;
  run_ordered<std::string>(
      60, threads, 4,
      [](size_t u, size_t, const EmitPart<std::string>& emit) {
        for (size_t p = 0; p < u % 4; ++p) {
          if (u % 2) std::this_thread::sleep_for(std::chrono::microseconds(100));
          if (!emit(std::to_string(u) + "." + std::to_string(p))) return std::string("stopped");
        }
        return std::to_string(u);
      },
      [&](size_t u, std::string&& s) {
        EXPECT_EQ(s.substr(0, s.find('.')), std::to_string(u));
        seen.push_back(std::move(s));
        return true;
      });
  return seen;
}

TEST(OrderedPool, PartsArriveInOrderBeforeTheirUnitsFinalOutput) {
  std::vector<std::string> expected;
  for (size_t u = 0; u < 60; ++u) {
    for (size_t p = 0; p < u % 4; ++p) expected.push_back(std::to_string(u) + "." + std::to_string(p));
    expected.push_back(std::to_string(u));
  }
  EXPECT_EQ(run_with_parts(1), expected);
  EXPECT_EQ(run_with_parts(3), expected);
}

TEST(OrderedPool, PartsOfAUnitBehindTheHeadWaitInsteadOfPilingUp) {
  // Unit 0 is slow; unit 1 emits 500 parts meanwhile. At most one of them may wait.
  std::atomic<int> emitted{0}, consumed{0}, peak{0};
  run_ordered<int>(
      2, 2, 2,
      [&](size_t u, size_t, const EmitPart<int>& emit) {
        if (u == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return 0;
        }
        for (int p = 0; p < 500; ++p) {
          int waiting = ++emitted - consumed.load();
          int seen = peak.load();
          while (waiting > seen && !peak.compare_exchange_weak(seen, waiting)) {
          }
          if (!emit(int{p})) return -1;
        }
        return 500;
      },
      [&](size_t, int&&) {
        ++consumed;
        return true;
      });
  EXPECT_EQ(consumed.load(), 1 + 500 + 1);
  EXPECT_LE(peak.load(), 3);  // one in the slot, one in the consumer's hands, one being emitted
}

TEST(OrderedPool, EmitSaysWhenTheConsumerHasStopped) {
  for (size_t threads : {1, 2}) {
    std::atomic<int> refused{0};
    size_t consumed = 0;
    run_ordered<int>(
        3, threads, 2,
        [&](size_t u, size_t, const EmitPart<int>& emit) {
          for (int p = 0; p < 100; ++p) {
            if (!emit(int{p})) {
              ++refused;
              break;
            }
          }
          return static_cast<int>(u);
        },
        [&](size_t u, int&& part) {
          ++consumed;
          return !(u == 0 && part == 9);  // stop at unit 0's tenth part
        });
    EXPECT_EQ(consumed, 10u) << threads;
    EXPECT_GE(refused.load(), 1) << threads;
  }
}

}  // namespace
}  // namespace vigil
