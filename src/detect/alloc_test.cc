// The Matcher's steady state allocates nothing: after a warm-up pass over a set of events, a
// second pass over the same events must not call operator new (this binary counts every call).
#include <gtest/gtest.h>

#include <filesystem>

#include "core/alloc_counter.h"
#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"

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
    const size_t before = allocation_count();
    for (const auto& ev : events) {
      matcher.match(*ev, &hits);
      fired += hits.size();
    }
    if (pass == 1) {
      EXPECT_EQ(allocation_count() - before, 0u) << "allocations in the second pass";
    }
  }
  EXPECT_GT(fired, 0u);
}

}  // namespace
}  // namespace vigil::sigma
