// Detections into triage: entity extraction, time order, the bundled demo scenario (one
// surfaced intrusion on top, routine auto-closed) and, when ../shared is present, Mordor
// captures in both flat layouts and an EVTX attack sample.
#include "pipeline/detect_triage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/time.h"
#include "triage/tactic.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using triage::EntityKind;
using triage::IncidentStatus;
const std::string kSource = VIGIL_SOURCE_DIR;
const std::string kShared = VIGIL_SHARED_DIR;

const sigma::RuleSet& demo_rules() {
  static const sigma::RuleSet rules = sigma::RuleSet::load({kSource + "/demo/rules"}, {}, nullptr);
  return rules;
}

uint32_t rule_index(const sigma::RuleSet& rules, std::string_view title) {
  for (uint32_t i = 0; i < rules.rules().size(); ++i) {
    if (rules.rules()[i].title == title) return i;
  }
  ADD_FAILURE() << "no rule " << title;
  return 0;
}

Detection detection(uint32_t rule, int64_t time_us,
                    std::vector<std::pair<std::string, std::string>> fields) {
  Detection d;
  d.rule = rule;
  d.time_us = time_us;
  d.has_time = true;
  d.computer = "WS03.contoso.local";
  d.fields = std::move(fields);
  return d;
}

TEST(DetectionAlerts, RuleFactsAndEntities) {
  const auto& rules = demo_rules();
  DetectionAlerts conv(rules);
  Detection d = detection(rule_index(rules, "LSASS Memory Dump Through Comsvcs"), 1'000'000,
                          {{"CommandLine", "rundll32 comsvcs.dll MiniDump 624 x.dmp full"},
                           {"Image", "C:\\Windows\\System32\\rundll32.exe"},
                           {"User", "CONTOSO\\Bob"},
                           {"SourceIp", "::ffff:10.10.1.13"},
                           {"DestinationIp", "127.0.0.1"},
                           {"TargetFilename", "C:\\Temp\\X.DMP"},
                           {"Hashes", "SHA1=AA11,MD5=BB22,SHA256=CC33DD,IMPHASH=EE44"}});
  triage::Alert a = conv.convert(d, 7);
  EXPECT_EQ(a.record, 7u);
  EXPECT_EQ(a.sensor, "Vigil");
  EXPECT_EQ(a.title, "LSASS Memory Dump Through Comsvcs");
  EXPECT_FALSE(a.rule_id.empty());
  EXPECT_EQ(a.severity, 95);  // critical
  EXPECT_EQ(a.category, "process_creation");
  EXPECT_TRUE(triage::has_tactic(a.tactics, triage::Tactic::kCredentialAccess));
  EXPECT_EQ(a.techniques[0], "T1003.001");
  EXPECT_EQ(a.entity(EntityKind::kHost), "WS03.contoso.local");
  EXPECT_EQ(a.entity(EntityKind::kUser), "bob");  // domain dropped, case folded
  EXPECT_EQ(a.entity(EntityKind::kSrcIp), "10.10.1.13");
  EXPECT_EQ(a.entity(EntityKind::kDstIp), "");  // loopback joins nothing
  EXPECT_EQ(a.entity(EntityKind::kProcess), "c:\\windows\\system32\\rundll32.exe");
  EXPECT_EQ(a.entity(EntityKind::kFile), "c:\\temp\\x.dmp");
  EXPECT_EQ(a.entity(EntityKind::kHash), "cc33dd");
}

TEST(DetectionAlerts, MachineIdentitiesAreNotUsers) {
  const auto& rules = demo_rules();
  DetectionAlerts conv(rules);
  uint32_t r = rule_index(rules, "PsExec Service Installed");
  for (const char* who : {"NT AUTHORITY\\SYSTEM", "WS03$", "NT AUTHORITY\\NETWORK SERVICE",
                          "Window Manager\\DWM-1", "-"}) {
    triage::Alert a = conv.convert(detection(r, 0, {{"User", who}}), 0);
    EXPECT_EQ(a.entity(EntityKind::kUser), "") << who;
  }
  // The Security log's subject is a machine account: the target user is the person.
  triage::Alert a =
      conv.convert(detection(r, 0, {{"SubjectUserName", "DC01$"}, {"TargetUserName", "adm_bob"}}), 0);
  EXPECT_EQ(a.entity(EntityKind::kUser), "adm_bob");
}

// The Windows Filtering Platform and Kerberos name their people and addresses in fields other
// than Sysmon's (SourceAddress, DestAddress, Application, ClientAddress, AccountName, UserName):
// the hunt keeps them with every detection, not only when a rule's `fields:` asks, so they
// become entities.
TEST(DetectionTriage, SecurityLogEntityFieldsReachTriage) {
  const fs::path dir = fs::temp_directory_path() / "vigil_entity_fields_test";
  fs::create_directories(dir);
  {
    std::ofstream rule(dir / "wfp.yml");
    rule << "title: Outbound Connection Allowed\nid: 7c1d9a52-0f0e-4c1b-9d5e-2f1b7c7a1e01\n"
            "level: medium\nlogsource:\n  product: windows\n  service: security\n"
            "detection:\n  selection:\n    EventID: 5156\n  condition: selection\n";
    std::ofstream events(dir / "events.jsonl");
    events << R"({"Event":{"System":{"EventID":5156,"Channel":"Security","Computer":"ws07",)"
              R"("TimeCreated":{"#attributes":{"SystemTime":"2026-11-02T07:00:00Z"}}},)"
              R"("EventData":{"Application":"\\device\\harddiskvolume2\\tools\\beacon.exe",)"
              R"("SourceAddress":"10.1.2.3","DestAddress":"203.0.113.9","UserName":"CONTOSO\\carol"}}})"
           << "\n";
  }
  const sigma::RuleSet rules = sigma::RuleSet::load({(dir / "wfp.yml").string()}, {}, nullptr);
  ASSERT_EQ(rules.rules().size(), 1u);
  ASSERT_TRUE(rules.rules()[0].fields.empty());
  struct Keep : HuntListener {
    std::vector<Detection> got;
    void on_detection(const Detection& d) override { got.push_back(d); }
    void on_issue(const std::string& text) override { ADD_FAILURE() << text; }
  } keep;
  HuntOptions opt = detection_hunt_options();
  opt.threads = 1;
  ASSERT_TRUE(run_hunt(rules, {(dir / "events.jsonl").string()}, opt, keep).ok());
  fs::remove_all(dir);
  ASSERT_EQ(keep.got.size(), 1u);
  DetectionAlerts conv(rules);
  triage::Alert a = conv.convert(keep.got[0], 0);
  EXPECT_EQ(a.entity(EntityKind::kSrcIp), "10.1.2.3");
  EXPECT_EQ(a.entity(EntityKind::kDstIp), "203.0.113.9");
  EXPECT_EQ(a.entity(EntityKind::kUser), "carol");
  EXPECT_EQ(a.entity(EntityKind::kProcess), "\\device\\harddiskvolume2\\tools\\beacon.exe");
}

// A rule tagging many techniques (SigmaHQ's Net.EXE Execution names ten) keeps them all: an
// incident then names the technique an analyst searches for, whichever of the ten it is.
TEST(DetectionAlerts, EveryTechniqueOfARuleIsKept) {
  const fs::path dir = fs::temp_directory_path() / "vigil_techniques_test";
  fs::create_directories(dir);
  {
    std::ofstream rule(dir / "net.yml");
    rule << "title: Net Use\nid: 2f0c7a4e-61d3-4a0e-9a7b-5c1f0e2d9b11\nlevel: low\n"
            "tags:\n  - attack.discovery\n";
    for (const char* t : {"t1007", "t1049", "t1018", "t1135", "t1201", "t1069.001", "t1069.002",
                          "t1087.001", "t1087.002", "t1021.002"}) {
      rule << "  - attack." << t << "\n";
    }
    rule << "logsource:\n  category: process_creation\n  product: windows\n"
            "detection:\n  selection:\n    Image|endswith: '\\net.exe'\n  condition: selection\n";
  }
  const sigma::RuleSet rules = sigma::RuleSet::load({(dir / "net.yml").string()}, {}, nullptr);
  fs::remove_all(dir);
  ASSERT_EQ(rules.rules().size(), 1u);
  DetectionAlerts conv(rules);
  triage::Alert a = conv.convert(detection(0, 0, {}), 0);
  std::vector<std::string> got;
  for (std::string_view t : a.techniques) {
    if (!t.empty()) got.emplace_back(t);
  }
  EXPECT_EQ(got.size(), 10u);
  EXPECT_NE(std::find(got.begin(), got.end(), "T1069.002"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "T1021.002"), got.end());
}

// Detections arrive in input order; the engine must see them in time order, and an untimed
// detection takes the time of the one before it.
TEST(DetectionTriage, FeedsTheEngineInTimeOrder) {
  const auto& rules = demo_rules();
  triage::Engine engine(detection_engine_options());
  DetectionTriage feed(rules, engine);
  uint32_t r = rule_index(rules, "Whoami Lists All Privileges");
  const int64_t t0 = *parse_time_us("2026-11-03T12:00:00Z");
  feed.on_detection(detection(r, t0 + 600'000'000, {}));
  Detection untimed = detection(r, 0, {});
  untimed.has_time = false;
  feed.on_detection(untimed);
  feed.on_detection(detection(r, t0, {}));
  feed.finish();
  EXPECT_EQ(feed.detections(), 3u);
  EXPECT_EQ(feed.untimed(), 1u);
  triage::Snapshot snap = engine.snapshot();
  EXPECT_EQ(snap.alerts, 3u);
  EXPECT_EQ(snap.first_us, t0);
  EXPECT_EQ(snap.last_us, t0 + 600'000'000);
}

struct TriageRun {
  triage::Snapshot snap;
  HuntStats stats;
  uint64_t detections = 0;
};

TriageRun triage_run(const sigma::RuleSet& rules, const std::vector<std::string>& paths) {
  triage::Engine engine(detection_engine_options());
  DetectionTriage feed(rules, engine);
  HuntOptions opt = detection_hunt_options();
  opt.threads = 1;
  auto stats = run_hunt(rules, paths, opt, feed);
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  feed.finish();
  TriageRun run;
  if (stats.ok()) run.stats = *stats;
  run.detections = feed.detections();
  run.snap = engine.snapshot(true, true);
  return run;
}

std::vector<const triage::Incident*> surfaced(const triage::Snapshot& snap) {
  std::vector<const triage::Incident*> out;
  for (const auto& inc : snap.incidents) {
    if (inc.status == IncidentStatus::kSurfaced) out.push_back(&inc);
  }
  return out;
}

// The bundled scenario: two days of a small office with one intrusion on day two. The intrusion
// is one surfaced incident on top; the daily scheduled task and inventory PowerShell are routine.
TEST(DetectionTriage, DemoIntrusionIsOneSurfacedIncidentAndRoutineIsClosed) {
  TriageRun run = triage_run(demo_rules(), {kSource + "/demo/logs"});
  EXPECT_EQ(run.snap.alerts, run.detections);
  auto top = surfaced(run.snap);
  ASSERT_EQ(top.size(), 1u);
  const triage::Incident& inc = *top[0];
  EXPECT_EQ(&inc, &run.snap.incidents[0]);
  EXPECT_GE(format_time_us(inc.first_us), "2026-11-03");  // day two
  std::set<std::string> titles;
  for (const auto& g : inc.groups) titles.insert(g.title);
  for (const char* step : {"Office Application Starts a Command Shell",
                           "LSASS Memory Dump Through Comsvcs", "PsExec Service Installed",
                           "Active Directory Database Copied With Ntdsutil",
                           "File Upload With Curl", "Security Event Log Cleared"}) {
    EXPECT_TRUE(titles.count(step)) << step;
  }
  for (const char* routine : {"Scheduled Task Created From The Command Line",
                              "PowerShell With Execution Policy Bypass"}) {
    EXPECT_FALSE(titles.count(routine)) << routine;
  }
  for (triage::Tactic t : {triage::Tactic::kInitialAccess, triage::Tactic::kCredentialAccess,
                           triage::Tactic::kLateralMovement, triage::Tactic::kExfiltration}) {
    EXPECT_TRUE(triage::has_tactic(inc.tactics, t)) << triage::tactic_name(t);
  }
  EXPECT_NE(std::find(inc.techniques.begin(), inc.techniques.end(), "T1003.001"), inc.techniques.end());
  // Everything else is auto-closed routine, one group per alert type, every alert accounted for.
  uint64_t closed = 0;
  for (const auto& i : run.snap.incidents) {
    if (&i == &inc) continue;
    EXPECT_EQ(i.status, IncidentStatus::kAutoClosed) << i.title;
    closed += i.alert_count;
  }
  EXPECT_EQ(closed + inc.alert_count, run.detections);
  EXPECT_GE(run.snap.auto_closed, 10u);
}

const sigma::RuleSet& sigmahq_rules() {
  static const sigma::RuleSet rules = sigma::RuleSet::load(
      {kShared + "/data/sigma/rules/windows", kShared + "/data/sigma/rules-emerging-threats",
       kShared + "/data/sigma/rules-threat-hunting"},
      {}, nullptr);
  return rules;
}

// Mordor captures (NXLog flat JSON, and Winlogbeat 6 with event_data) triaged on their own with
// the SigmaHQ rules: one surfaced incident naming the technique's tactic.
TEST(DetectionTriage, MordorCapturesSurfaceTheirTechnique) {
  const std::string mordor = kShared + "/data/mordor";
  if (!fs::is_directory(mordor)) GTEST_SKIP() << "needs ../shared (data/mordor)";
  struct Case {
    const char* path;
    triage::Tactic tactic;
    const char* technique;
  };
  const Case cases[] = {
      {"credential_access/host/psh_lsass_memory_dump_comsvcs_2020-10-18T19500924.json.gz",
       triage::Tactic::kCredentialAccess, "T1003.001"},
      {"execution/host/cmd_sharpview_pcre_net_2020-10-2920232423.json.gz",
       triage::Tactic::kExecution, "T1059"},
      {"defense_evasion/host/empire_enable_rdp_2019-05-18203650.json.gz",  // Winlogbeat 6
       triage::Tactic::kDefenseEvasion, "T1112"},
  };
  for (const Case& c : cases) {
    TriageRun run = triage_run(sigmahq_rules(), {mordor + "/" + c.path});
    EXPECT_EQ(run.stats.issues, 0u) << c.path;
    auto top = surfaced(run.snap);
    ASSERT_EQ(top.size(), 1u) << c.path;
    EXPECT_TRUE(triage::has_tactic(top[0]->tactics, c.tactic)) << c.path;
    EXPECT_NE(std::find(top[0]->techniques.begin(), top[0]->techniques.end(), c.technique),
              top[0]->techniques.end())
        << c.path;
  }
}

// EVTX goes through the same pass: an attack sample yields a surfaced incident.
TEST(DetectionTriage, EvtxAttackSampleSurfaces) {
  const std::string sample =
      kShared + "/data/evtx/EVTX-ATTACK-SAMPLES/Credential Access/sysmon_10_11_lsass_memdump.evtx";
  if (!fs::exists(sample)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  TriageRun run = triage_run(sigmahq_rules(), {sample});
  ASSERT_GT(run.detections, 0u);
  auto top = surfaced(run.snap);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_TRUE(triage::has_tactic(top[0]->tactics, triage::Tactic::kCredentialAccess));
  EXPECT_NE(std::find(top[0]->techniques.begin(), top[0]->techniques.end(), "T1003.001"),
            top[0]->techniques.end());
}

// The level prior (add_level_prior): in a capture with no history the Sigma level definitions
// hold. Informational is routine; a lone low hit never surfaces but joins related activity; a
// lone medium surfaces; without the prior a young stream surfaces nothing.
triage::Snapshot run_levels(const triage::EngineOptions& opts, std::initializer_list<const char*> levels) {
  const int64_t t0 = *parse_time_us("2020-10-18T07:50:00Z");
  triage::Engine engine(opts);
  int64_t t = t0;
  int n = 0;
  for (const char* level : levels) {
    std::string rule = std::string("rule-") + level + std::to_string(n++);
    triage::Alert a;
    a.time_us = t;
    t += 5'000'000;
    a.record = static_cast<uint64_t>(n);
    a.sensor = "Vigil";
    a.rule_id = rule;
    a.title = rule;
    a.severity = triage::severity_from_level(level);
    a.set_entity(EntityKind::kHost, "WORKSTATION5");
    engine.add(a);
  }
  return engine.snapshot();
}

TEST(DetectionEngineOptions, LevelsFollowSigmaDefinitionsWithoutHistory) {
  triage::EngineOptions prior;
  add_level_prior(prior);
  EXPECT_FALSE(prior.lone_evidence);  // the service's options: a stream, not a capture
  auto run = run_levels;
  EXPECT_EQ(run(prior, {"informational"}).surfaced, 0u);
  EXPECT_EQ(run(prior, {"informational", "informational", "informational"}).surfaced, 0u);
  EXPECT_EQ(run(prior, {"low"}).surfaced, 0u);
  EXPECT_EQ(run(prior, {"medium"}).surfaced, 1u);
  EXPECT_EQ(run(prior, {"high"}).surfaced, 1u);
  triage::Snapshot joined = run(prior, {"medium", "low"});
  ASSERT_EQ(joined.surfaced, 1u);
  EXPECT_EQ(joined.incidents[0].alert_count, 2u);  // the low hit joined the medium one
  EXPECT_GT(run(prior, {"critical"}).incidents[0].score, run(prior, {"high"}).incidents[0].score);
  // The engine's own defaults: a minutes-old stream knows nothing is rare yet.
  EXPECT_EQ(run(triage::EngineOptions{}, {"medium", "high"}).surfaced, 0u);
}

// A capture triaged on its own (detection_engine_options) in which nothing reaches the threshold
// shows its most unusual detections -- the highest level present -- as one incident that says
// why; lower levels stay closed, and a capture where something surfaced gets nothing extra.
TEST(DetectionEngineOptions, CaptureWithOnlyLowHitsShowsThemAsItsLoneEvidence) {
  const triage::EngineOptions capture = detection_engine_options();
  triage::Snapshot low = run_levels(capture, {"informational", "low", "informational", "low"});
  ASSERT_EQ(low.surfaced, 1u);
  const triage::Incident& inc = low.incidents[0];
  EXPECT_EQ(inc.status, IncidentStatus::kSurfaced);
  EXPECT_LT(inc.score, capture.score.surface_threshold);
  EXPECT_EQ(inc.alert_count, 2u);  // the two low hits; the informational ones stay routine
  ASSERT_EQ(inc.groups.size(), 2u);
  for (const auto& g : inc.groups) EXPECT_EQ(g.title.substr(0, 8), "rule-low");
  EXPECT_NE(inc.reason.find("only evidence"), std::string::npos) << inc.reason;
  EXPECT_TRUE(inc.lone_evidence);
  EXPECT_NE(inc.narrative.find("below the threshold and shown because"), std::string::npos);
  EXPECT_EQ(low.auto_closed, 2u);
  EXPECT_EQ(low.surfaced_alerts, 2u);
  // Only informational: those, since nothing is above them.
  EXPECT_EQ(run_levels(capture, {"informational"}).surfaced, 1u);
  // Something surfaced on its own: the low hit joins it, nothing else is added.
  triage::Snapshot medium = run_levels(capture, {"informational", "medium", "low"});
  EXPECT_EQ(medium.surfaced, 1u);
  EXPECT_EQ(medium.incidents[0].alert_count, 2u);
  EXPECT_GE(medium.incidents[0].score, capture.score.surface_threshold);
  // An analyst dismissed the low hits: the informational background does not take their place.
  {
    triage::Snapshot first = run_levels(capture, {"informational", "low"});
    ASSERT_EQ(first.surfaced, 1u);
    triage::TriageState state;
    state.record_incidents(first);
    ASSERT_TRUE(state.add_verdict(first.incidents[0].id, triage::Verdict::kFalsePositive, "lab", 0).ok());
    triage::Engine engine(capture);
    engine.apply_state(state);
    int n = 0;
    for (const char* level : {"informational", "low"}) {
      std::string rule = std::string("rule-") + level + std::to_string(n++);
      triage::Alert a;
      a.time_us = *parse_time_us("2020-10-18T07:50:00Z") + n * 5'000'000;
      a.record = static_cast<uint64_t>(n);
      a.sensor = "Vigil";
      a.rule_id = rule;
      a.title = rule;
      a.severity = triage::severity_from_level(level);
      a.set_entity(EntityKind::kHost, "WORKSTATION5");
      engine.add(a);
    }
    triage::Snapshot again = engine.snapshot();
    EXPECT_EQ(again.surfaced, 0u);
    EXPECT_EQ(again.suppressed, 1u);
  }
  // Off: the prior alone.
  triage::EngineOptions off = capture;
  ASSERT_TRUE(triage::set_option(off, "lone_evidence=0").ok());
  EXPECT_EQ(run_levels(off, {"low"}).surfaced, 0u);
}

}  // namespace
}  // namespace vigil
