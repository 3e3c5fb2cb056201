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

RuleSet load(const std::string& cache_dir = {}, std::string_view rules = kRules) {
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/no_placeholders.yml";
  opt.literal_cache_dir = cache_dir;
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(std::string(rules), opt, &report);
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
  ASSERT_TRUE(scan.scan(a, FieldResolver::layout(a), *db, route.lanes[0].database));
  EXPECT_TRUE(scan.seen(id("\\powershell.exe")));
  EXPECT_TRUE(scan.seen(id(" -enc ")));
  EXPECT_FALSE(scan.seen(id("mimikatz")));
  // A key is not a value.
  Event b = event(R"({"mimikatz": 1, "CommandLine": "x"})");
  ASSERT_TRUE(scan.scan(b, FieldResolver::layout(b), *db, route.lanes[0].database));
  EXPECT_FALSE(scan.seen(id("mimikatz")));
  EXPECT_FALSE(scan.seen(id("\\powershell.exe")));
}

// Split into lanes, a scan still sees each literal wherever a test can read it: a field's
// literal in its own field's values, a keyword's in every string; and a key read by no field
// only for keywords.
TEST(Prefilter, LanesSeeLiteralsWhereTheirTestsRead) {
  constexpr std::string_view kLaneRules = R"(
title: image
logsource: {product: test}
detection:
  sel:
    Image|endswith: '\powershell.exe'
  condition: sel
---
title: command line
logsource: {product: test}
detection:
  sel:
    CommandLine|contains: ' -enc '
  condition: sel
---
title: keyword
logsource: {product: test}
detection:
  keywords: ['mimikatz']
  condition: keywords
)";
  RuleSet set = load({}, kLaneRules);
  RuleIndex index(set, LanePolicy::always());
  const Requirements& req = index.requirements();
  const auto& route = index.route("", nullptr);
  // Image, CommandLine, the rest, and the long strings no field reads (keyword literals only).
  ASSERT_EQ(route.lanes.size(), 4u);
  ASSERT_EQ(route.unread.lane, 3u);
  ASSERT_EQ(route.unread.min_size, LanePolicy().unread_min);
  std::vector<LiteralScan::Lane> lanes;
  for (size_t k = 0; k < route.lanes.size(); ++k) {
    lanes.push_back({index.database(route, k), route.lanes[k].database, route.lanes[k].base});
    ASSERT_NE(lanes.back().db, nullptr);
  }
  LiteralScan scan(req, index.database_count(), set.field_count(), index.unscanned());
  auto id = [&](std::string_view lit) {
    for (uint32_t i = 0; i < req.literals().size(); ++i) {
      if (req.literals()[i] == lit) return i;
    }
    ADD_FAILURE() << "no literal " << lit;
    return 0u;
  };
  auto seen = [&](std::string_view json, std::string_view lit) {
    Event ev = event(json);
    const Layout layout = FieldResolver::layout(ev);
    EXPECT_TRUE(scan.scan(ev, layout, lanes, &route.scan_keys[static_cast<int>(layout)], route.scan_all,
                          route.unread));
    return scan.seen(id(lit));
  };
  EXPECT_TRUE(seen(R"({"Image": "C:\\powershell.exe"})", "\\powershell.exe"));
  EXPECT_TRUE(seen(R"({"CommandLine": "x -enc y"})", " -enc "));
  // Each lane's database holds its own field's literals: a literal in another field's value is
  // not looked for there.
  EXPECT_FALSE(seen(R"({"Image": "C:\\x -enc y.exe"})", " -enc "));
  EXPECT_FALSE(seen(R"({"CommandLine": "C:\\powershell.exe"})", "\\powershell.exe"));
  // The keyword in a field's lane, in an unread key, under #text.
  EXPECT_TRUE(seen(R"({"Image": "MIMIKATZ.exe"})", "mimikatz"));
  EXPECT_TRUE(seen(R"({"CommandLine": "mimikatz"})", "mimikatz"));
  EXPECT_TRUE(seen(R"({"Other": ["x", "mimikatz"]})", "mimikatz"));
  EXPECT_TRUE(seen(R"({"Event": {"EventData": {"CommandLine": {"#text": "mimikatz -enc x"}}}})", "mimikatz"));
  EXPECT_TRUE(seen(R"({"Event": {"EventData": {"CommandLine": {"#text": "mimikatz -enc x"}}}})", " -enc "));
  EXPECT_FALSE(seen(R"({"Other": "mimikatz", "n": 1})", " -enc "));
  // A long string no field reads is scanned for the keywords only; a long one a field reads, in
  // its field's lane as ever.
  const std::string pad(LanePolicy().unread_min, '.');
  EXPECT_TRUE(seen(R"({"Message": ")" + pad + R"( MimiKatz -enc x"})", "mimikatz"));
  EXPECT_EQ(scan.lane_text(3), pad + " mimikatz -enc x\n");
  EXPECT_TRUE(seen(R"({"Message": "short mimikatz"})", "mimikatz"));
  EXPECT_EQ(scan.lane_text(0), "short mimikatz\n");
  EXPECT_EQ(scan.lane_text(3), "");
  EXPECT_FALSE(seen(R"({"Message": ")" + pad + R"( mimikatz -enc x"})", " -enc "));
  EXPECT_TRUE(seen(R"({"CommandLine": ")" + pad + R"( mimikatz -enc x"})", " -enc "));
  EXPECT_TRUE(seen(R"({"Other": ["x", ")" + pad + R"(mimikatz"]})", "mimikatz"));
  EXPECT_TRUE(seen(R"({"Event": {"EventData": {"Data": {"#text": ")" + pad + R"(mimikatz"}}}})", "mimikatz"));

  // A value larger than a lane's stride grows every lane and the event is gathered again: every
  // literal is still seen, and each string's span is its lower-cased text.
  const std::string big(300000, 'A');
  const std::string json = R"({"Other": "MIMIKATZ", "CommandLine": ")" + big + R"( -ENC x", "Image": "C:\\PowerShell.exe", "Tail": ")" + big + R"("})";
  Event ev = event(json);
  const Layout layout = FieldResolver::layout(ev);
  ASSERT_TRUE(
      scan.scan(ev, layout, lanes, &route.scan_keys[static_cast<int>(layout)], route.scan_all, route.unread));
  EXPECT_TRUE(scan.seen(id(" -enc ")));
  EXPECT_TRUE(scan.seen(id("\\powershell.exe")));
  EXPECT_TRUE(scan.seen(id("mimikatz")));
  size_t strings = 0;
  for (uint32_t i = 1; i < ev.node_count(); ++i) {
    const Node& node = ev.node(i);
    if (node.kind != Kind::kString) continue;
    ASSERT_LT(i, scan.span_count());
    const auto& span = scan.spans()[i];
    ASSERT_EQ(span.stamp, scan.stamp()) << node.key;
    std::string lower(node.str);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(std::string_view(scan.text() + span.offset, span.size), lower) << node.key;
    ++strings;
  }
  EXPECT_EQ(strings, 4u);
}

// A second index over the same rules loads its databases from the cache, gives the same
// verdicts, and a damaged cache file is compiled over instead of trusted.
// A literal that triggers nothing is still scanned for (LanePolicy::scan_confirming), so a rule
// woken by its trigger is evaluated only when its other ANDed literals occur too; with the
// policy off, the woken rule is evaluated whatever they are. The verdicts agree either way.
// Woken by its trigger `\cmd.exe`; `assoc` only confirms.
constexpr std::string_view kAssocRule = R"(
title: assoc
logsource: {product: test}
detection:
  sel:
    Image|endswith: '\cmd.exe'
    CommandLine|contains: 'assoc'
  condition: sel
)";

TEST(Prefilter, ConfirmingLiteralsAreScanned) {
  RuleSet set = load({}, kAssocRule);
  LanePolicy off;
  off.scan_confirming = false;
  auto scanned = std::make_shared<RuleIndex>(set);
  auto unscanned = std::make_shared<RuleIndex>(set, off);
  const Requirements& req = scanned->requirements();
  uint32_t assoc = UINT32_MAX;
  for (uint32_t i = 0; i < req.literals().size(); ++i) {
    if (req.literals()[i] == "assoc") assoc = i;
  }
  ASSERT_NE(assoc, UINT32_MAX);
  EXPECT_EQ(scanned->unscanned()[assoc], 0);
  EXPECT_EQ(unscanned->unscanned()[assoc], 1);  // `\cmd.exe` is the trigger, `assoc` only confirms
  Matcher with(set, scanned), without(set, unscanned);
  std::vector<uint32_t> hits;
  Event dir = event(R"({"Image": "C:\\Windows\\cmd.exe", "CommandLine": "cmd /c dir"})");
  with.match(dir, &hits);
  EXPECT_TRUE(hits.empty());
  without.match(dir, &hits);
  EXPECT_TRUE(hits.empty());
  EXPECT_EQ(with.stats().woken, 1u);
  EXPECT_EQ(with.stats().confirmed, 0u);
  EXPECT_EQ(without.stats().woken, 1u);
  EXPECT_EQ(without.stats().confirmed, 1u);
  Event assoc_event = event(R"({"Image": "C:\\Windows\\cmd.exe", "CommandLine": "cmd /c ASSOC .txt"})");
  with.match(assoc_event, &hits);
  EXPECT_EQ(hits, std::vector<uint32_t>{0});
  without.match(assoc_event, &hits);
  EXPECT_EQ(hits, std::vector<uint32_t>{0});
  EXPECT_EQ(with.stats().confirmed, 1u);
}

// A rule whose requirement is an OR of its trigger literals holds whenever it is woken, and its
// group says so (the matcher then skips the check); one with other ANDed literals does not.
TEST(Prefilter, WokenHoldsOnlyForAnOrOfTriggers) {
  constexpr std::string_view kImagesRule = R"(
title: images
logsource: {product: test}
detection:
  sel:
    Image|endswith: ['\cmd.exe', '\wmic.exe']
  condition: sel
---
)";
  RuleSet set = load({}, std::string(kImagesRule) + std::string(kAssocRule));
  auto index = set.index();
  const auto& route = index->route("", nullptr);
  ASSERT_EQ(route.groups.size(), 2u);
  EXPECT_TRUE(route.groups[0].woken_holds);
  EXPECT_FALSE(route.groups[1].woken_holds);
  Matcher m(set);
  std::vector<uint32_t> hits;
  Event ev = event(R"({"Image": "C:\\Windows\\cmd.exe", "CommandLine": "cmd /c dir"})");
  m.match(ev, &hits);
  EXPECT_EQ(hits, std::vector<uint32_t>{0});
  EXPECT_EQ(m.stats().woken, 2u);
  EXPECT_EQ(m.stats().confirmed, 1u);
}

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
