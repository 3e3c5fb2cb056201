// Differential and integration test on the bundled demo logs (demo/logs, evtx_dump JSONL, gzip):
// SigmaHQ rules plus demo/rules through the indexed Matcher and the ReferenceMatcher must give
// identical hits on every record, and every demo rule must fire at least once.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <set>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"

namespace vigil::sigma {
namespace {

std::string gunzip(const std::string& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

TEST(DemoLogs, IndexedAgreesWithReferenceAndDemoRulesFire) {
  const std::string src = VIGIL_SOURCE_DIR;
  const std::string sigma = VIGIL_SHARED_DIR "/data/sigma/rules";
  if (!std::filesystem::exists(src + "/demo/logs")) GTEST_SKIP() << "no demo/logs in this tree";
  std::vector<std::string> paths = {src + "/demo/rules"};
  if (std::filesystem::exists(sigma)) paths.push_back(sigma);
  LoadOptions opt;
  opt.logsources_file = src + "/config/logsources.yml";
  LoadReport report;
  RuleSet set = RuleSet::load(paths, opt, &report);
  std::vector<std::unique_ptr<Event>> events;
  for (const char* log : {"contoso-sysmon.jsonl.gz", "contoso-security.jsonl.gz", "contoso-system.jsonl.gz"}) {
    std::string error;
    ASSERT_TRUE(testing::events_from_json(gunzip(src + "/demo/logs/" + log), &events, &error)) << log << ": " << error;
  }
  ASSERT_GT(events.size(), 1000u);
  Matcher fast(set);
  ReferenceMatcher reference(set);
  std::vector<uint32_t> hits, ref_hits;
  std::set<uint32_t> fired;
  size_t differ = 0;
  for (const auto& ev : events) {
    fast.match(*ev, &hits);
    reference.match(*ev, &ref_hits);
    if (hits != ref_hits) ++differ;
    fired.insert(hits.begin(), hits.end());
  }
  EXPECT_EQ(differ, 0u);
  for (uint32_t r = 0; r < set.rules().size(); ++r) {
    if (set.rules()[r].path.find("/demo/rules/") == std::string::npos) continue;
    EXPECT_TRUE(fired.count(r)) << "demo rule never fired: " << set.rules()[r].title;
  }
}

}  // namespace
}  // namespace vigil::sigma
