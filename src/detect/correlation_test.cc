// Declarative correlation cases: every file in testdata/correlation/ holds detection rules plus
// correlation rules (`rules`), events in time order (`events`, each with a time `t`), and the
// exact list of correlation detections expected (`expect`, in emission order; flush included).
//   expect:
//     - {correlation: name-or-id, group: [values], events: [event indices], value: 3}
//   correlation_only: [names]   # optional: exactly these rules are not generated on their own
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "core/time.h"
#include "detect/correlation.h"
#include "detect/matcher.h"
#include "detect/test_events.h"

namespace vigil::sigma {
namespace {

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(VIGIL_SOURCE_DIR "/src/detect/testdata/correlation")) {
    if (e.path().extension() == ".yml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string describe(const RuleSet& set, const CorrelationDetection& d) {
  const CorrelationRule& c = set.correlations()[d.correlation];
  std::string s = (c.name.empty() ? c.id : c.name) + " group=[";
  for (size_t i = 0; i < d.group.size(); ++i) s += (i ? "," : "") + d.group[i];
  s += "] events=[";
  for (size_t i = 0; i < d.events.size(); ++i) s += (i ? "," : "") + std::to_string(d.events[i]);
  return s + "] value=" + std::to_string(d.value);
}

class CorrelationCase : public ::testing::TestWithParam<std::string> {};

TEST_P(CorrelationCase, Detections) {
  const std::string path = GetParam();
  YAML::Node doc = YAML::LoadFile(path);
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  opt.placeholders_file = VIGIL_SOURCE_DIR "/src/detect/testdata/no_placeholders.yml";
  LoadReport report;
  RuleSet set = RuleSet::from_yaml(doc["rules"].as<std::string>(), opt, &report, path);
  for (const auto& p : report.refused) ADD_FAILURE() << path << ": refused: " << p.reason;
  ASSERT_GT(set.correlations().size(), 0u);
  Matcher matcher(set);
  CorrelationEngine engine(set);
  std::vector<CorrelationDetection> got;
  std::vector<uint32_t> hits;
  uint64_t index = 0;
  for (const auto& item : doc["events"]) {
    Event ev;
    testing::event_from_yaml(item["event"], &ev);
    auto t = parse_time_us(item["t"].as<std::string>());
    ASSERT_TRUE(t.has_value()) << path;
    matcher.match(ev, &hits);
    for (uint32_t r : hits) engine.add(r, *t, index, ev, &got);
    ++index;
  }
  engine.flush(&got);
  if (doc["correlation_only"]) {
    std::vector<std::string> names;
    for (const auto& n : doc["correlation_only"]) names.push_back(n.as<std::string>());
    for (uint32_t r = 0; r < set.rules().size(); ++r) {
      bool want = std::find(names.begin(), names.end(), set.rules()[r].name) != names.end();
      EXPECT_EQ(engine.correlation_only(r), want) << path << ": rule " << set.rules()[r].name;
    }
  }
  EXPECT_EQ(engine.open_windows(), 0u);
  std::vector<std::string> want;
  for (const auto& e : doc["expect"]) {
    int ci = -1;
    const std::string key = e["correlation"].as<std::string>();
    for (size_t i = 0; i < set.correlations().size(); ++i) {
      if (set.correlations()[i].name == key || set.correlations()[i].id == key) ci = static_cast<int>(i);
    }
    ASSERT_GE(ci, 0) << path << ": no correlation " << key;
    CorrelationDetection d;
    d.correlation = static_cast<uint32_t>(ci);
    for (const auto& g : e["group"]) d.group.push_back(g.as<std::string>());
    for (const auto& ev : e["events"]) d.events.push_back(ev.as<uint64_t>());
    d.value = e["value"].as<double>();
    want.push_back(describe(set, d));
  }
  std::vector<std::string> have;
  for (const auto& d : got) have.push_back(describe(set, d));
  EXPECT_EQ(have, want) << path;
}

INSTANTIATE_TEST_SUITE_P(Cases, CorrelationCase, ::testing::ValuesIn(case_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return std::filesystem::path(info.param).stem().string();
                         });

}  // namespace
}  // namespace vigil::sigma
