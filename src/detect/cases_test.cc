// Declarative Sigma cases: every file in testdata/cases/ holds one rule and events with the
// verdict each must get (or the refusal the rule must get). Both the indexed Matcher and the
// ReferenceMatcher run every event and must agree with the verdict.
//
// File format:
//   rule: |            # the Sigma rule (YAML text; may hold several documents: filters...)
//   placeholders: {}   # optional, for |expand
//   gate: false        # optional, turn log-source gating off
//   filter_files: []   # optional, filter files (relative to testdata/) applied after loading
//   refused: text      # optional: the rule must be refused with a reason containing `text`
//   events:
//     - {match: true, event: {CommandLine: 'x'}}   # an event as a YAML/JSON map
//     - {match: false, event: {...}, rule: 'id'}   # `rule`: which rule (default: the first)
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"

namespace vigil::sigma {
namespace {

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(VIGIL_SOURCE_DIR "/src/detect/testdata/cases")) {
    if (e.path().extension() == ".yml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class SigmaCase : public ::testing::TestWithParam<std::string> {};

TEST_P(SigmaCase, Verdicts) {
  const std::string path = GetParam();
  YAML::Node doc = YAML::LoadFile(path);
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/no_placeholders.yml";
  if (doc["placeholders"]) {
    for (const auto& kv : doc["placeholders"]) {
      auto& list = opt.placeholders[kv.first.as<std::string>()];
      for (const auto& v : kv.second) list.push_back(v.as<std::string>());
    }
  }
  if (doc["gate"] && !doc["gate"].as<bool>()) opt.gate_logsources = false;
  if (doc["filter_files"]) {
    for (const auto& f : doc["filter_files"]) {
      opt.filter_paths.push_back(VIGIL_SOURCE_DIR "/src/detect/testdata/" + f.as<std::string>());
    }
  }
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(doc["rule"].as<std::string>(), opt, &report, path);
  if (doc["refused"]) {
    ASSERT_EQ(report.refused.size(), 1u) << path;
    EXPECT_NE(report.refused[0].reason.find(doc["refused"].as<std::string>()), std::string::npos)
        << path << ": refused for '" << report.refused[0].reason << "'";
    return;
  }
  for (const auto& p : report.refused) ADD_FAILURE() << path << ": refused: " << p.reason;
  ASSERT_GE(set.rules().size(), 1u) << path;
  Matcher fast(set);
  // The same index with every route's scan split into lanes, however few its literals.
  Matcher lanes(set, std::make_shared<RuleIndex>(set, LanePolicy::always()));
  ReferenceMatcher reference(set);
  std::vector<uint32_t> hits_fast, hits_lanes, hits_ref;
  int n = 0;
  for (const auto& c : doc["events"]) {
    ++n;
    Event ev;
    testing::event_from_yaml(c["event"], &ev);
    int want_rule = 0;
    if (c["rule"]) want_rule = set.find(c["rule"].as<std::string>());
    ASSERT_GE(want_rule, 0) << path << " event " << n;
    fast.match(ev, &hits_fast);
    lanes.match(ev, &hits_lanes);
    reference.match(ev, &hits_ref);
    bool expected = c["match"].as<bool>();
    bool got = std::find(hits_fast.begin(), hits_fast.end(), static_cast<uint32_t>(want_rule)) != hits_fast.end();
    std::string json;
    write_json(ev, json);
    EXPECT_EQ(got, expected) << path << " event " << n << ": " << json;
    EXPECT_EQ(hits_fast, hits_ref) << path << " event " << n << ": indexed and reference matchers differ";
    EXPECT_EQ(hits_lanes, hits_ref) << path << " event " << n << ": the matcher with lanes and the reference differ";
  }
  EXPECT_GT(n, 0) << path << " has no events";
}

INSTANTIATE_TEST_SUITE_P(Cases, SigmaCase, ::testing::ValuesIn(case_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).stem().string();
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace vigil::sigma
