// Resource limits of rule loading and correlation (docs/robustness.md): each limit is crossed by
// a hostile input built here, which must be refused with category "limit" and a reason that says
// which limit, while the good rules beside it still load and run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "detect/correlation.h"
#include "detect/ruleset.h"

namespace vigil::sigma {
namespace {

const char* kGoodRule = R"(title: good
id: 11111111-1111-1111-1111-111111111111
logsource: {product: windows}
detection:
  sel: {Image|endswith: '\cmd.exe'}
  condition: sel
)";

LoadOptions options() {
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/no_placeholders.yml";
  return opt;
}

// Loads `hostile` then a good rule as two documents of one file.
RuleSet load_with_good(const std::string& hostile, LoadReport* report, const LoadOptions& opt = options()) {
  return RuleSet::from_yaml(hostile + "\n---\n" + kGoodRule, opt, report, "hostile.yml");
}

const RuleProblem* refusal(const LoadReport& report, const std::string& category) {
  for (const auto& p : report.refused) {
    if (p.category == category) return &p;
  }
  return nullptr;
}

// A selection of `k` aliases of one map of `k` fields, each an alias of one list of `k` values:
// k^3 values to compile from a file of a few k^2 bytes.
std::string alias_cube(int k) {
  std::string y = "title: cube\nlogsource: {product: windows}\nvalues: &l [";
  for (int i = 0; i < k; ++i) y += (i ? ", v" : "v") + std::to_string(i);
  y += "]\nfields: &m {";
  for (int i = 0; i < k; ++i) y += (i ? ", f" : "f") + std::to_string(i) + ": *l";
  y += "}\ndetection:\n  sel: [";
  for (int i = 0; i < k; ++i) y += i ? ", *m" : "*m";
  return y + "]\n  condition: sel\n";
}

TEST(RuleLimits, AliasBombIsRefusedNotExpanded) {
  // k = 100: a 10^6-value rule from 2 KB (k = 300 would be 2.7 * 10^7).
  LoadReport report;
  RuleSet set = load_with_good(alias_cube(100), &report);
  const RuleProblem* p = refusal(report, "limit");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->reason.find("YAML nodes"), std::string::npos) << p->reason;
  ASSERT_EQ(set.rules().size(), 1u);
  EXPECT_EQ(set.rules()[0].title, "good");
  // The same shape at k = 10 (1000 values) is an ordinary rule.
  LoadReport small;
  EXPECT_EQ(load_with_good(alias_cube(10), &small).rules().size(), 2u);
  EXPECT_TRUE(small.refused.empty()) << small.refused[0].reason;
}

TEST(RuleLimits, StrayCommaDoesNotHangTheYamlParser) {
  // yaml-cpp 0.7's LoadAll never returns on a document that starts with ',' (and grows memory);
  // the parser now is libyaml's, which refuses it and says where.
  for (const char* text : {",", ", x", "title: a\n---\n,\n", ",rule: |\n  title: x\n"}) {
    LoadReport report;
    RuleSet set = RuleSet::from_yaml(text, options(), &report, "comma.yml");
    ASSERT_EQ(report.refused.size(), 1u) << text;
    EXPECT_EQ(report.refused[0].category, "yaml");
    std::string line = std::string(text).find("---") != std::string::npos ? "line 3" : "line 1";
    EXPECT_NE(report.refused[0].reason.find("YAML: "), std::string::npos) << report.refused[0].reason;
    EXPECT_NE(report.refused[0].reason.find(line + ", column 1"), std::string::npos) << report.refused[0].reason;
    EXPECT_TRUE(set.rules().empty());
  }
  // Commas where YAML allows them are untouched.
  LoadReport ok;
  RuleSet set = RuleSet::from_yaml(std::string(kGoodRule) + "tags: [a, b]\n", options(), &ok, "ok.yml");
  EXPECT_EQ(set.rules().size(), 1u);
  EXPECT_TRUE(ok.refused.empty());
}

TEST(RuleLimits, CyclicAliasIsRefused) {
  // yaml-cpp builds a cycle for a self-referring anchor; merging a global document over it would
  // recurse until the stack ran out.
  std::string y = "action: global\nlogsource: {product: windows}\nloop: &a {k: *a}\n---\n"
                  "title: t\ndetection:\n  sel: {a: b}\n  condition: sel\n---\naction: reset";
  LoadReport report;
  RuleSet set = load_with_good(y, &report);
  const RuleProblem* p = refusal(report, "limit");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->reason.find("deeper than 64"), std::string::npos) << p->reason;
  ASSERT_EQ(set.rules().size(), 1u);  // the collection's rule lacks its logsource now; good loads
  EXPECT_EQ(set.rules()[0].title, "good");
}

TEST(RuleLimits, DeepNestingIsRefused) {
  std::string y = "title: deep\nlogsource: {product: windows}\nx: " + std::string(100, '[') +
                  std::string(100, ']') + "\ndetection:\n  sel: {a: b}\n  condition: sel\n";
  LoadReport report;
  RuleSet set = load_with_good(y, &report);
  ASSERT_NE(refusal(report, "limit"), nullptr);
  EXPECT_EQ(set.rules().size(), 1u);
}

TEST(RuleLimits, OversizedFileIsRefusedUnread) {
  LoadOptions opt = options();
  opt.max_file_bytes = 64;
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(kGoodRule, opt, &report, "big.yml");
  const RuleProblem* p = refusal(report, "limit");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->reason.find("max_file_bytes"), std::string::npos) << p->reason;
  EXPECT_TRUE(set.rules().empty());

  // From a folder: the big file is refused, the small one beside it loads.
  auto dir = std::filesystem::path(VIGIL_BINARY_DIR) / "limits_test_rules";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a_big.yml") << kGoodRule << std::string(200, '#') << "\n";
  std::ofstream(dir / "b_small.yml") << "title: s\nlogsource: {product: windows}\n"
                                        "detection: {sel: {a: b}, condition: sel}\n";
  opt.max_file_bytes = 100;
  LoadReport folder;
  RuleSet from_dir = RuleSet::load({dir.string()}, opt, &folder);
  ASSERT_EQ(from_dir.rules().size(), 1u);
  EXPECT_EQ(from_dir.rules()[0].title, "s");
  ASSERT_EQ(folder.refused.size(), 1u);
  EXPECT_EQ(folder.refused[0].category, "limit");
  std::filesystem::remove_all(dir);
}

TEST(RuleLimits, RuleCountIsCapped) {
  std::string y;
  for (int i = 0; i < 5; ++i) {
    y += "title: r" + std::to_string(i) +
         "\nlogsource: {product: windows}\ndetection: {sel: {a: b}, condition: sel}\n---\n";
  }
  LoadOptions opt = options();
  opt.max_rules = 3;
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(y, opt, &report, "many.yml");
  EXPECT_EQ(set.rules().size(), 3u);
  EXPECT_EQ(report.loaded, 3u);
  ASSERT_EQ(report.refused.size(), 2u);
  EXPECT_EQ(report.refused[0].category, "limit");
  EXPECT_NE(report.refused[0].reason.find("max_rules"), std::string::npos);
}

std::string rule_with_condition(int identifiers, const std::string& condition) {
  std::string y = "title: c\nlogsource: {product: windows}\ndetection:\n";
  for (int i = 0; i < identifiers; ++i) y += "  s" + std::to_string(i) + ": {a: b}\n";
  return y + "  condition: " + condition + "\n";
}

TEST(RuleLimits, ConditionExpansionIsCapped) {
  // `all of them` over 2000 identifiers, 40 times: 80 000 references from 600 bytes.
  std::string cond = "all of them";
  for (int i = 1; i < 40; ++i) cond += " or all of them";
  LoadReport report;
  RuleSet set = load_with_good(rule_with_condition(2000, cond), &report);
  const RuleProblem* p = refusal(report, "condition");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->reason.find("65536 nodes"), std::string::npos) << p->reason;
  EXPECT_EQ(set.rules().size(), 1u);

  // 8 of them (32 000 nodes and links) is fine.
  cond = "all of them";
  for (int i = 1; i < 8; ++i) cond += " or all of them";
  LoadReport ok;
  EXPECT_EQ(load_with_good(rule_with_condition(2000, cond), &ok).rules().size(), 2u);
  EXPECT_TRUE(ok.refused.empty()) << ok.refused[0].reason;
}

TEST(RuleLimits, ConditionParseWorkIsCapped) {
  // 3000 identifiers named 3000 times each by a failing pattern: 9 M name comparisons.
  std::string cond = "s0";
  for (int i = 1; i < 3000; ++i) cond += " and not 1 of x" + std::to_string(i) + "*";
  LoadReport report;
  load_with_good(rule_with_condition(3000, cond), &report);
  const RuleProblem* p = refusal(report, "condition");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->reason.find("too long") != std::string::npos ||
              p->reason.find("matches no") != std::string::npos) << p->reason;
}

TEST(RuleLimits, PlaceholderProductIsCapped) {
  LoadOptions opt = options();
  opt.placeholders["ten"] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  auto rule = [](const std::string& value) {
    return "title: p\nlogsource: {product: windows}\ndetection:\n  sel: {User|expand: '" + value +
           "'}\n  condition: sel\n";
  };
  LoadReport big;
  RuleSet set = load_with_good(rule("%ten%%ten%%ten%%ten%"), &big, opt);  // 10^4 values
  const RuleProblem* p = refusal(big, "limit");
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->reason.find("4096"), std::string::npos) << p->reason;
  EXPECT_EQ(set.rules().size(), 1u);
  LoadReport small;
  EXPECT_EQ(load_with_good(rule("%ten%-%ten%-%ten%"), &small, opt).rules().size(), 2u);
}

const char* kCountRules = R"(title: hit
name: hit
logsource: {product: test}
detection: {sel: {Cmd: x}, condition: sel}
---
title: per user
name: per_user
correlation:
  type: value_count
  rules: [hit]
  group-by: [User]
  timespan: 1h
  condition: {field: Host, gte: 1000000}
)";

TEST(CorrelationLimits, GroupsPerCorrelationAreCapped) {
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(kCountRules, options(), &report, "corr.yml");
  ASSERT_EQ(set.correlations().size(), 1u) << (report.refused.empty() ? "" : report.refused[0].reason);
  CorrelationEngine engine(set, 100, 10);
  std::vector<CorrelationDetection> out;
  for (int i = 0; i < 50; ++i) {
    std::string user = std::string("u").append(std::to_string(i));
    auto fields = [&](std::string_view f, std::string* v) {
      *v = f == "User" ? user : "h";
      return true;
    };
    engine.add(0, 1'000'000LL * i, i, fields, &out);
  }
  EXPECT_EQ(engine.open_windows(), 10u);
  EXPECT_EQ(engine.groups_refused(), 40u);
}

TEST(CorrelationLimits, WindowEntriesAreCappedAndCountedInO1) {
  // One group flooded: the window keeps 100 entries, the distinct count follows them out.
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(kCountRules, options(), &report, "corr.yml");
  ASSERT_EQ(set.correlations().size(), 1u);
  CorrelationEngine engine(set, 100, 10);
  std::vector<CorrelationDetection> out;
  for (int i = 0; i < 200000; ++i) {
    std::string host = std::string("h").append(std::to_string(i % 1000));
    auto fields = [&](std::string_view f, std::string* v) {
      *v = f == "User" ? "alice" : host;
      return true;
    };
    engine.add(0, i, i, fields, &out);
  }
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(engine.open_windows(), 1u);
}

}  // namespace
}  // namespace vigil::sigma
