// The Matcher's steady state allocates nothing: after a warm-up pass over a set of events, a
// second pass over the same events must not call operator new (this binary counts every call).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <new>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"

namespace {
std::atomic<size_t> g_allocations{0};
}

// Every replaceable form is replaced, so allocation and release always pair through malloc/free
// (simdjson allocates with the nothrow form; ASan reports a new/free mismatch otherwise).
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace vigil::sigma {
namespace {

TEST(MatcherAllocations, SteadyStateAllocatesNothing) {
  const std::string rules_dir = VIGIL_SHARED_DIR "/data/sigma/rules";
  const std::string cases = VIGIL_SHARED_DIR "/data/sigma-regression/regression_data";
  if (!std::filesystem::exists(rules_dir) || !std::filesystem::exists(cases)) {
    GTEST_SKIP() << "needs ../shared (" << rules_dir << ")";
  }
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  LoadReport report;
  RuleSet set = RuleSet::load({rules_dir}, opt, &report);
  std::vector<std::unique_ptr<Event>> events;
  for (const auto& e : std::filesystem::recursive_directory_iterator(cases)) {
    if (e.path().extension() != ".json") continue;
    std::string error;
    ASSERT_TRUE(testing::events_from_json(testing::read_text(e.path().string()), &events, &error)) << error;
  }
  ASSERT_GT(events.size(), 100u);
  Matcher matcher(set);
  std::vector<uint32_t> hits;
  size_t fired = 0;
  for (int pass = 0; pass < 2; ++pass) {
    const size_t before = g_allocations.load();
    for (const auto& ev : events) {
      matcher.match(*ev, &hits);
      fired += hits.size();
    }
    if (pass == 1) {
      EXPECT_EQ(g_allocations.load() - before, 0u) << "allocations in the second pass";
    }
  }
  EXPECT_GT(fired, 0u);
}

}  // namespace
}  // namespace vigil::sigma
