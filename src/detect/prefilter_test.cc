// The literal prefilter's parts on their own: what a scan sees, and the compiled-database cache.
#include "detect/prefilter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "detect/matcher.h"
#include "detect/test_events.h"

namespace vigil::sigma {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kRules = R"(
title: encoded powershell
logsource: {product: test}
detection:
  sel:
    Image|endswith: '\powershell.exe'
    CommandLine|contains: ' -enc '
  condition: sel
---
title: keyword
logsource: {product: test}
detection:
  keywords: ['mimikatz']
  condition: keywords
)";

RuleSet load(const std::string& cache_dir = {}) {
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/no_placeholders.yml";
  opt.literal_cache_dir = cache_dir;
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(kRules, opt, &report);
  EXPECT_TRUE(report.refused.empty());
  return set;
}

Event event(std::string_view json) {
  std::vector<std::unique_ptr<Event>> events;
  std::string error;
  EXPECT_TRUE(testing::events_from_json(json, &events, &error)) << error;
  Event ev;
  if (events.empty()) return ev;
  return std::move(*events[0]);
}

// Literals are found case-insensitively in strings and in numbers as decimal text.
TEST(Prefilter, ScanSeesLiteralsInValuesOnly) {
  RuleSet set = load();
  auto index = set.index();
  const Requirements& req = index->requirements();
  const auto& route = index->route("", nullptr);
  const LiteralDatabase* db = index->database(route);
  ASSERT_NE(db, nullptr);
  LiteralScan scan(req, index->database_count(), set.field_count(), index->unscanned());
  auto id = [&](std::string_view lit) {
    for (uint32_t i = 0; i < req.literals().size(); ++i) {
      if (req.literals()[i] == lit) return i;
    }
    ADD_FAILURE() << "no literal " << lit;
    return 0u;
  };
  Event a = event(R"({"Image": "C:\\Windows\\POWERSHELL.EXE", "CommandLine": "powershell -ENC AAAA"})");
  ASSERT_TRUE(scan.scan(a, FieldResolver::layout(a), *db, route.database, nullptr));
  EXPECT_TRUE(scan.seen(id("\\powershell.exe")));
  EXPECT_TRUE(scan.seen(id(" -enc ")));
  EXPECT_FALSE(scan.seen(id("mimikatz")));
  // A key is not a value.
  Event b = event(R"({"mimikatz": 1, "CommandLine": "x"})");
  ASSERT_TRUE(scan.scan(b, FieldResolver::layout(b), *db, route.database, nullptr));
  EXPECT_FALSE(scan.seen(id("mimikatz")));
  EXPECT_FALSE(scan.seen(id("\\powershell.exe")));
}

// A second index over the same rules loads its databases from the cache, gives the same
// verdicts, and a damaged cache file is compiled over instead of trusted.
TEST(Prefilter, CompiledDatabasesAreCachedAcrossIndexes) {
  const fs::path dir = fs::path(VIGIL_BINARY_DIR) / "prefilter_cache_test";
  fs::remove_all(dir);
  Event hit = event(R"({"Image": "C:\\x\\powershell.exe", "CommandLine": "powershell -enc AAAA"})");
  Event miss = event(R"({"Image": "C:\\x\\powershell.exe", "CommandLine": "powershell -nop"})");
  std::vector<uint32_t> hits;
  {
    RuleSet set = load(dir.string());
    Matcher m(set);
    m.match(hit, &hits);
    EXPECT_EQ(hits, std::vector<uint32_t>{0});
    EXPECT_EQ(set.index()->cached_count(), 0u);
    EXPECT_EQ(set.index()->compiled_count(), 1u);
  }
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.path().extension() == ".hsdb";
  EXPECT_EQ(files, 1u);
  {
    RuleSet set = load(dir.string());
    Matcher m(set);
    m.match(hit, &hits);
    EXPECT_EQ(hits, std::vector<uint32_t>{0});
    m.match(miss, &hits);
    EXPECT_TRUE(hits.empty());
    EXPECT_EQ(set.index()->cached_count(), 1u);
  }
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "not a database";
  }
  {
    RuleSet set = load(dir.string());
    Matcher m(set);
    m.match(hit, &hits);
    EXPECT_EQ(hits, std::vector<uint32_t>{0});
    EXPECT_EQ(set.index()->cached_count(), 0u);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil::sigma
