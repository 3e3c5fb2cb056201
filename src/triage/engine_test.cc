// Engine behaviour on declarative alert streams (testdata/cases/*.case): each alert says what
// must become of it (routine, surfaced with which others, closed...). See case_file.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/event.h"
#include "triage/case_file.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"

namespace vigil::triage {
namespace {

namespace fs = std::filesystem;

const std::string kCases = std::string(VIGIL_SOURCE_DIR) + "/src/triage/testdata/cases";

// Feeds a case's alerts (in file order, as AIT-layout records) and takes a snapshot.
Snapshot run_case(const testing::Case& c, Engine& engine) {
  auto profile = Profile::builtin("aitads");
  AlertCollector collector(engine, *profile);
  Event ev;
  for (size_t i = 0; i < c.alerts.size(); ++i) {
    const testing::CaseAlert& a = c.alerts[i];
    std::string time = std::to_string(a.time_s);
    ev.clear();
    ev.add_string("time", time);
    ev.add_string("name", a.name);
    ev.add_string("ip", "");
    ev.add_string("host", a.host);
    ev.add_string("short", "");
    RecordRef ref;
    ref.source = c.name;
    ref.index = i;
    collector.on_event(ev, ref);
  }
  collector.feed();
  return engine.snapshot(true, true);
}

// Checks every alert's expectation; returns the problems found.
std::vector<std::string> check(const testing::Case& c, const Snapshot& snap) {
  std::vector<std::string> problems;
  std::vector<const Incident*> owner(c.alerts.size(), nullptr);
  for (const Incident& inc : snap.incidents) {
    for (uint64_t r : inc.alerts) {
      if (r >= owner.size()) {
        problems.push_back("record " + std::to_string(r) + " out of range");
      } else if (owner[r] != nullptr) {
        problems.push_back("record " + std::to_string(r) + " in two incidents");
      } else {
        owner[r] = &inc;
      }
    }
  }
  std::map<std::string, const Incident*> tag_incident;
  std::map<const Incident*, std::string> incident_tag;
  for (size_t i = 0; i < c.alerts.size(); ++i) {
    const testing::CaseAlert& a = c.alerts[i];
    const Incident* inc = owner[i];
    std::string what = "record " + std::to_string(i) + " (" + a.name + " @ " + a.host + ", expect " +
                       a.expect + ")";
    if (inc == nullptr) {
      problems.push_back(what + ": in no incident");
      continue;
    }
    std::string got = std::string(status_name(inc->status)) + (inc->is_routine_group ? " routine group " : " incident ") +
                      inc->id + " \"" + inc->title + "\"";
    if (a.expect == "any") continue;
    if (a.expect == "routine") {
      if (!inc->is_routine_group || inc->status != IncidentStatus::kAutoClosed) problems.push_back(what + ": " + got);
      continue;
    }
    if (a.expect == "closed") {
      if (inc->status != IncidentStatus::kAutoClosed) problems.push_back(what + ": " + got);
      continue;
    }
    if (a.expect == "suppressed") {
      if (inc->status != IncidentStatus::kSuppressed) problems.push_back(what + ": " + got);
      continue;
    }
    size_t colon = a.expect.find(':');
    std::string kind = a.expect.substr(0, colon);
    if (colon == std::string::npos || (kind != "surfaced" && kind != "closed")) {
      problems.push_back(what + ": unknown expectation");
      continue;
    }
    IncidentStatus want = kind == "surfaced" ? IncidentStatus::kSurfaced : IncidentStatus::kAutoClosed;
    if (inc->is_routine_group || inc->status != want) {
      problems.push_back(what + ": " + got);
      continue;
    }
    auto [it, fresh] = tag_incident.emplace(a.expect, inc);
    if (!fresh && it->second != inc) problems.push_back(what + ": split from its tag's incident " + it->second->id);
    auto [jt, fresh2] = incident_tag.emplace(inc, a.expect);
    if (!fresh2 && jt->second != a.expect) problems.push_back(what + ": shares " + inc->id + " with " + jt->second);
  }
  if (c.expect_surfaced >= 0 && snap.surfaced != static_cast<size_t>(c.expect_surfaced)) {
    std::string list;
    for (const Incident& inc : snap.incidents) {
      if (inc.status == IncidentStatus::kSurfaced) list += "\n  " + inc.id + " " + inc.title + " (" + inc.reason + ")";
    }
    problems.push_back("surfaced " + std::to_string(snap.surfaced) + ", expected " +
                       std::to_string(c.expect_surfaced) + ":" + list);
  }
  return problems;
}

std::vector<std::string> case_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kCases)) {
    if (e.path().extension() == ".case") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class CaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CaseTest, MeetsExpectations) {
  auto c = testing::load_case(kCases + "/" + GetParam());
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_FALSE(c->alerts.empty());
  Engine engine;
  Snapshot snap = run_case(*c, engine);
  EXPECT_EQ(snap.alerts, c->alerts.size());
  std::vector<std::string> problems = check(*c, snap);
  std::string all;
  for (size_t i = 0; i < problems.size() && i < 15; ++i) all += problems[i] + "\n";
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(Cases, CaseTest, ::testing::ValuesIn(case_files()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.find('.'));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(EngineTest, MergeIsRecordedWithReason) {
  auto c = testing::load_case(kCases + "/shared_entity_merge.case");
  ASSERT_TRUE(c.ok());
  Engine engine;
  Snapshot snap = run_case(*c, engine);
  ASSERT_GE(snap.surfaced, 1u);
  const Incident& top = snap.incidents.front();
  ASSERT_FALSE(top.merges.empty());
  EXPECT_NE(top.merges.front().find("absorbed INC-"), std::string::npos) << top.merges.front();
  EXPECT_NE(top.merges.front().find("shared"), std::string::npos) << top.merges.front();
}

TEST(EngineTest, SurfacedIncidentIsExplained) {
  auto c = testing::load_case(kCases + "/attack_chain.case");
  ASSERT_TRUE(c.ok());
  Engine engine;
  Snapshot snap = run_case(*c, engine);
  ASSERT_EQ(snap.surfaced, 1u);
  const Incident& inc = snap.incidents.front();
  EXPECT_TRUE(has_tactic(inc.tactics, Tactic::kReconnaissance));
  EXPECT_TRUE(has_tactic(inc.tactics, Tactic::kPrivilegeEscalation));
  ASSERT_FALSE(inc.factors.empty());
  double sum = 0;
  for (const Factor& f : inc.factors) sum += f.value;
  EXPECT_NEAR(sum, inc.score, 1e-6);
  for (const char* part : {"What happened:", "Where:", "How it unfolded:", "Why it ranks #1",
                           "What to check next:", "web"}) {
    EXPECT_NE(inc.narrative.find(part), std::string::npos) << part << "\n" << inc.narrative;
  }
  EXPECT_EQ(inc.title.rfind("Reconnaissance", 0), 0u) << inc.title;
}

TEST(EngineTest, SnapshotCanBeTakenWhileFeeding) {
  auto c = testing::load_case(kCases + "/attack_chain.case");
  ASSERT_TRUE(c.ok());
  // Sort the case by time and feed half, snapshot, then the rest: the live-service pattern.
  std::vector<size_t> order(c->alerts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t x, size_t y) { return c->alerts[x].time_s < c->alerts[y].time_s; });
  Engine engine;
  size_t fed = 0;
  Snapshot early;
  for (size_t i : order) {
    const testing::CaseAlert& a = c->alerts[i];
    Alert alert;
    alert.time_us = a.time_s * 1000000;
    alert.record = i;
    alert.sensor = std::string_view(a.name).substr(0, a.name.find(": "));
    alert.title = std::string_view(a.name).substr(a.name.find(": ") + 2);
    alert.set_entity(EntityKind::kHost, a.host);
    engine.add(alert);
    if (++fed == order.size() / 2) early = engine.snapshot();
  }
  Snapshot late = engine.snapshot();
  EXPECT_EQ(early.alerts, order.size() / 2);
  EXPECT_EQ(early.surfaced, 0u);  // the attack starts after the first half
  EXPECT_EQ(late.surfaced, 1u);
  uint64_t covered = 0;
  for (const Incident& inc : late.incidents) covered += inc.alerts.size();
  EXPECT_EQ(covered, order.size());
}

TEST(EngineTest, IncidentIdsAreStableAcrossRuns) {
  auto c = testing::load_case(kCases + "/separate_incidents.case");
  ASSERT_TRUE(c.ok());
  Engine a, b;
  Snapshot sa = run_case(*c, a), sb = run_case(*c, b);
  ASSERT_EQ(sa.incidents.size(), sb.incidents.size());
  for (size_t i = 0; i < sa.incidents.size(); ++i) EXPECT_EQ(sa.incidents[i].id, sb.incidents[i].id);
}

TEST(EngineTest, SetOptionValidates) {
  EngineOptions o;
  EXPECT_TRUE(set_option(o, "strong_surprise=3.5").ok());
  EXPECT_DOUBLE_EQ(o.strong_surprise, 3.5);
  EXPECT_TRUE(set_option(o, "entity_window_min=90").ok());
  EXPECT_EQ(o.entity_window_us, 90LL * 60 * 1000000);
  EXPECT_FALSE(set_option(o, "no_such_option=1").ok());
  EXPECT_FALSE(set_option(o, "strong_surprise").ok());
  EXPECT_FALSE(set_option(o, "strong_surprise=abc").ok());
}

}  // namespace
}  // namespace vigil::triage

namespace vigil::triage {
namespace {

TEST(EngineTest, RecordListsCanBeBoundedWithExactCounts) {
  auto c = testing::load_case(kCases + "/attack_chain.case");
  ASSERT_TRUE(c.ok());
  EngineOptions o;
  o.max_records = 10;
  Engine bounded(o), full;
  Snapshot sb = run_case(*c, bounded), sf = run_case(*c, full);
  ASSERT_EQ(sb.incidents.size(), sf.incidents.size());
  uint64_t total = 0;
  for (size_t i = 0; i < sb.incidents.size(); ++i) {
    EXPECT_LE(sb.incidents[i].alerts.size(), 10u);
    EXPECT_EQ(sb.incidents[i].alert_count, sf.incidents[i].alert_count);
    EXPECT_EQ(sb.incidents[i].status, sf.incidents[i].status);
    total += sb.incidents[i].alert_count;
  }
  EXPECT_EQ(total, c->alerts.size());
}

}  // namespace
}  // namespace vigil::triage

namespace vigil::triage {
namespace {

// The lone oddity of lone_oddity.case is closed by the corroboration rule, and says so; with
// the rule off it would surface beside the real pair.
TEST(EngineTest, SingleUnusualSignatureNeedsCorroboration) {
  auto c = testing::load_case(kCases + "/lone_oddity.case");
  ASSERT_TRUE(c.ok());
  Engine engine;
  Snapshot on = run_case(*c, engine);
  EXPECT_EQ(on.surfaced, 1u);
  const Incident* oddity = nullptr;
  for (const Incident& inc : on.incidents) {
    if (!inc.is_routine_group && inc.title.find(".to TLD") != std::string::npos) oddity = &inc;
  }
  ASSERT_NE(oddity, nullptr);
  EXPECT_EQ(oddity->status, IncidentStatus::kAutoClosed);
  EXPECT_GE(oddity->score, EngineOptions{}.score.surface_threshold);
  EXPECT_NE(oddity->reason.find("nothing corroborates"), std::string::npos) << oddity->reason;

  EngineOptions off;
  ASSERT_TRUE(set_option(off, "single_needs_corroboration=0").ok());
  Engine uncorroborated(off);
  EXPECT_EQ(run_case(*c, uncorroborated).surfaced, 2u);
  // A sensor severity of medium or more is corroboration enough: see DetectionEngineOptions.
}

TEST(EngineTest, BaselineCarriesOverBetweenRuns) {
  // Day 1-3 in one run, day 4 in the next: with the saved baseline the second run knows the
  // routine types and surfaces only what is new; without it, everything is new again but too
  // young to be trusted.
  constexpr const char* kDays = R"(
every 5m 0h..96h      Wazuh: ClamAV database update @ mail,web => any
every 30m 0h..96h     Suricata: Alert - ET POLICY GNU/Linux APT User-Agent Outbound @ web,mail,vpn => any
at 10h                Wazuh: Web server 500 error code (Internal Error). @ web => any
at 80h                Wazuh: Successful sudo to ROOT executed. @ web => any
at 80h                Wazuh: User successfully changed UID. @ web => any
)";
  auto c = testing::parse_case(kDays, "days");
  ASSERT_TRUE(c.ok());
  testing::Case first = *c, second = *c;
  int64_t cut = testing::kCaseEpoch + 72 * 3600;
  std::erase_if(first.alerts, [&](const testing::CaseAlert& a) { return a.time_s >= cut; });
  std::erase_if(second.alerts, [&](const testing::CaseAlert& a) { return a.time_s < cut; });
  Engine learner;
  Snapshot s1 = run_case(first, learner);
  EXPECT_EQ(s1.surfaced, 0u);
  std::string saved = learner.save_baseline();

  Engine carried;
  ASSERT_TRUE(carried.load_baseline(saved).ok());
  EXPECT_EQ(carried.save_baseline(), saved);  // exact round trip
  Snapshot s2 = run_case(second, carried);
  ASSERT_EQ(s2.surfaced, 1u);
  EXPECT_EQ(s2.incidents.front().groups.size(), 2u);  // the sudo and the UID change only

  Engine fresh;  // no baseline: at hour 0 of its stream nothing is trusted yet
  Snapshot s3 = run_case(second, fresh);
  EXPECT_EQ(s3.surfaced, 0u);

  // Lone evidence on: the fresh engine has watched 24 h, less than one memory, and surfaced
  // nothing, so it shows its most unusual closed types -- the sudo and the UID change, not the
  // updates that fire all day. The carried engine has watched 96 h: nothing is added to it.
  EngineOptions lone;
  lone.lone_evidence = true;
  Engine fresh_lone(lone);
  Snapshot s4 = run_case(second, fresh_lone);
  ASSERT_EQ(s4.surfaced, 1u);
  const Incident& shown = s4.incidents.front();
  EXPECT_LT(shown.score, lone.score.surface_threshold);
  std::vector<std::string> titles;
  for (const AlertGroup& g : shown.groups) titles.push_back(g.title);
  std::sort(titles.begin(), titles.end());
  EXPECT_EQ(titles, (std::vector<std::string>{"Successful sudo to ROOT executed.",
                                              "User successfully changed UID."}));
  Engine carried_lone(lone);
  ASSERT_TRUE(carried_lone.load_baseline(saved).ok());
  Snapshot s5 = run_case(second, carried_lone);
  ASSERT_EQ(s5.surfaced, 1u);
  EXPECT_GE(s5.incidents.front().score, lone.score.surface_threshold);

  EXPECT_FALSE(Engine().load_baseline("{\"version\":2}").ok());
  EXPECT_FALSE(Engine().load_baseline("[").ok());
}

}  // namespace
}  // namespace vigil::triage
