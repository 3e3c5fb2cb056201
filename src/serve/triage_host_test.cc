// The live engine host: alerts in through the committer, incidents out in the store; verdicts
// and suppressions stored and applied; and after a restart the replayed engine publishes
// exactly the incidents it had.
#include "serve/triage_host.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "read/json_record.h"
#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

// Two quiet days of routine alerts on `mail`, then an intrusion on `web` (AIT layout), as
// (time, record) lines in the order they are listed.
struct Line {
  long time;
  std::string json;
};
std::vector<Line> scenario_lines() {
  std::vector<Line> lines;
  auto add = [&](long time, const std::string& name, const std::string& host) {
    lines.push_back({time, "{\"time\":\"" + std::to_string(time) + "\",\"name\":\"" + name +
                               "\",\"ip\":\"10.0.0.1\",\"host\":\"" + host + "\",\"short\":\"x\"}"});
  };
  const long start = 1641772800, day = 86400;
  for (long t = start; t < start + 2 * day; t += 600) add(t, "Wazuh: ClamAV database update", "mail");
  for (long t = start + 60; t < start + 2 * day; t += 3600) add(t, "Wazuh: PAM: Login session opened.", "mail");
  for (long t = start + 90; t < start + 2 * day; t += 1800) add(t, "Wazuh: Disk usage above 80%", "db");
  long attack = start + 2 * day + 3600;
  for (int i = 0; i < 30; ++i) add(attack + i, "Suricata: Alert - ET SCAN Nmap Scripting Engine User-Agent Detected", "web");
  for (int i = 0; i < 5; ++i) add(attack + 300 + i, "Wazuh: First time user executed sudo.", "web");
  for (int i = 0; i < 10; ++i) add(attack + 600 + i, "Suricata: Alert - ET POLICY Outbound data transfer (exfiltration)", "web");
  for (long t = attack + 700; t < attack + day; t += 600) add(t, "Wazuh: ClamAV database update", "mail");
  return lines;
}

// With `with_times`, each record carries its time as an intake gives it.
RecordBatch batch_of(const std::vector<Line>& lines, bool with_times) {
  RecordBatch batch("test");
  for (const auto& line : lines) {
    batch.add(line.json, "aitads", with_times ? line.time * 1000000 : RecordBatch::kNoTime);
  }
  return batch;
}

RecordBatch scenario() { return batch_of(scenario_lines(), false); }

class Host {
 public:
  Host(const TempDir& dir, ProfileCatalog& profiles, MetricsRegistry& metrics) {
    auto host_store = Store::open(dir.file("vigil.db"), {});
    auto commit_store = Store::open(dir.file("vigil.db"), {});
    EXPECT_TRUE(host_store.ok() && commit_store.ok());
    TriageHostOptions options;
    options.publish_interval = std::chrono::milliseconds(20);
    host = std::make_unique<TriageHost>(std::move(host_store).value(), profiles, options, metrics,
                                        [this] { return committer->last_seq(); });
    auto replayed_count = host->start();
    EXPECT_TRUE(replayed_count.ok());
    replayed = replayed_count.ok() ? *replayed_count : -1;
    TriageHost* h = host.get();
    committer = std::make_unique<Committer>(std::move(commit_store).value(), CommitterOptions{},
                                            [h](std::vector<CommittedBatch>&& b) { h->take(std::move(b)); }, metrics);
    committer->start();
  }
  ~Host() {
    committer->stop();
    host->stop();
  }
  std::unique_ptr<TriageHost> host;
  std::unique_ptr<Committer> committer;
  int64_t replayed = 0;
};

// Everything the API would show: every incident's summary and document, in queue order.
std::string published(const TempDir& dir) {
  auto store = Store::open(dir.file("vigil.db"), {});
  IncidentFilter all;
  all.limit = 1000;
  auto page = store->list_incidents(all);
  std::string out;
  for (const auto& summary : page->summaries) {
    out += summary + "\n";
    size_t at = summary.find("\"id\":\"") + 6;
    std::string id = summary.substr(at, summary.find('"', at) - at);
    out += **store->incident_doc(id) + "\n";
  }
  return out;
}

std::string top_surfaced(const TempDir& dir) {
  auto store = Store::open(dir.file("vigil.db"), {});
  IncidentFilter f;
  f.statuses = {"surfaced"};
  f.limit = 1;
  auto page = store->list_incidents(f);
  if (!page.ok() || page->summaries.empty()) return "";
  const std::string& s = page->summaries[0];
  size_t at = s.find("\"id\":\"") + 6;
  return s.substr(at, s.find('"', at) - at);
}

TEST(TriageHost, PublishesIncidentsAndRebuildsThemAfterRestart) {
  TempDir dir;
  ProfileCatalog profiles;
  MetricsRegistry metrics;
  std::string before;
  std::string incident;
  {
    Host live(dir, profiles, metrics);
    EXPECT_EQ(live.replayed, 0);
    RecordBatch batch = scenario();
    size_t n = batch.size();
    ASSERT_TRUE(live.committer->submit_and_wait(std::move(batch), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    EXPECT_EQ(live.host->processed_seq(), static_cast<int64_t>(n));
    incident = top_surfaced(dir);
    ASSERT_FALSE(incident.empty()) << published(dir);
    auto store = Store::open(dir.file("vigil.db"), {});
    EXPECT_NE((**store->incident_doc(incident)).find("\"host\":\"web\""), std::string::npos);

    // A verdict on an unknown incident is refused; a false positive suppresses its alert types.
    EXPECT_EQ(live.host->give_verdict({"INC-00000000", "false_positive", "x", ""}).status().code(), Code::kNotFound);
    auto outcome = live.host->give_verdict({incident, "false_positive", "authorised scan", "ana"});
    ASSERT_TRUE(outcome.ok()) << outcome.status().message();
    ASSERT_TRUE(outcome->suppression.has_value());
    EXPECT_NE(outcome->suppression->spec.find("\"host\":\"web\""), std::string::npos);
    EXPECT_EQ(store->verdicts(incident)->size(), 1u);
    size_t made = store->suppressions(false)->size();
    EXPECT_GE(made, 1u);

    EXPECT_TRUE(*live.host->remove_suppression(outcome->suppression->id));
    EXPECT_FALSE(*live.host->remove_suppression(outcome->suppression->id));
    EXPECT_EQ(store->suppressions(false)->size(), made - 1);

    // More alerts after the analyst's actions, so replay must slot the actions in between.
    RecordBatch later("test");
    for (int i = 0; i < 20; ++i) {
      later.add("{\"time\":\"" + std::to_string(1641772800 + 3 * 86400 + 7200 + i * 600) +
                    "\",\"name\":\"Wazuh: Disk usage above 80%\",\"ip\":\"10.0.0.9\",\"host\":\"db\",\"short\":\"x\"}",
                "aitads");
    }
    ASSERT_TRUE(live.committer->submit_and_wait(std::move(later), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    before = published(dir);
  }
  ASSERT_FALSE(before.empty());
  {
    Host restarted(dir, profiles, metrics);
    EXPECT_GT(restarted.replayed, 0);
    EXPECT_EQ(published(dir), before);
  }
}

// Everything a host publishes after taking `batch` in one request on a fresh store.
std::string published_after(RecordBatch batch) {
  TempDir dir;
  ProfileCatalog profiles;
  MetricsRegistry metrics;
  Host live(dir, profiles, metrics);
  EXPECT_TRUE(live.committer->submit_and_wait(std::move(batch), std::chrono::seconds(10)).ok());
  EXPECT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
  return published(dir);
}

// A sender posts a log made of two time-sorted runs (the AIT CSV files are): within a request
// the records are fed in time order, so the incidents are those of the sorted log.
TEST(TriageHost, ARequestThatGoesBackInTimeIsFedInTimeOrder) {
  std::vector<Line> sorted = scenario_lines();
  std::stable_sort(sorted.begin(), sorted.end(), [](const Line& a, const Line& b) { return a.time < b.time; });
  std::vector<Line> two_runs;
  for (size_t i = 0; i < sorted.size(); i += 2) two_runs.push_back(sorted[i]);
  for (size_t i = 1; i < sorted.size(); i += 2) two_runs.push_back(sorted[i]);

  std::string expected = published_after(batch_of(sorted, true));
  ASSERT_NE(expected.find("\"host\":\"web\""), std::string::npos) << expected;
  EXPECT_EQ(published_after(batch_of(two_runs, true)), expected);
  // Without times nothing can be reordered: the second run is taken as "now" and the incidents
  // differ, which is what the sort prevents.
  EXPECT_NE(published_after(batch_of(two_runs, false)), expected);
}

// Sigma correlation rules run over the stored detections of raw events: a rule used only by a
// correlation (no `generate`) is stored but never triaged on its own, the correlation's alert is,
// and a restart rebuilds the correlation windows from the store like the engine.
TEST(TriageHost, CorrelationRulesRunOverStoredDetectionsAndSurviveRestart) {
  constexpr const char* kRules = R"(
title: Any Whoami
id: 22222222-0000-0000-0000-000000000001
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\whoami.exe'
  condition: selection
level: low
---
title: Whoami Again And Again
id: 22222222-0000-0000-0000-000000000002
correlation:
  type: event_count
  rules: [22222222-0000-0000-0000-000000000001]
  group-by: [Computer]
  timespan: 5m
  condition: {gte: 3}
level: high
)";
  sigma::LoadReport report;
  auto rules = sigma::RuleSet::from_yaml(kRules, {}, &report);
  ASSERT_EQ(report.refused.size(), 0u);
  auto detector = std::make_shared<EventDetector>(std::move(rules));
  auto event = [](int minute, const std::string& computer) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-11-02T07:%02d:00.000000Z", minute);
    return std::string(R"({"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},)") +
           R"("EventID":1,"TimeCreated":{"#attributes":{"SystemTime":")" + time +
           R"("}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":")" + computer +
           R"("},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami"}}})";
  };
  RecordBatch batch("test");
  JsonRecordParser parser;
  Event ev;
  // Three on ws01 within five minutes (fires once), two on ws02 (does not).
  for (auto [minute, computer] : std::vector<std::pair<int, std::string>>{
           {1, "ws01"}, {2, "ws02"}, {3, "ws01"}, {4, "ws01"}, {5, "ws02"}}) {
    ASSERT_TRUE(parser.parse_copy(event(minute, computer), ev).ok());
    ASSERT_TRUE(detector->detect(ev, batch).ok());
  }
  ASSERT_EQ(batch.size(), 5u);
  EXPECT_NE(std::string(batch.record(0)).find(R"("standalone":false)"), std::string::npos);
  EXPECT_NE(std::string(batch.record(0)).find(R"("correlate":{"Computer":"ws01"})"), std::string::npos);

  TempDir dir;
  ProfileCatalog profiles;
  profiles.set_detector(detector);
  MetricsRegistry metrics;
  std::string before;
  {
    Host live(dir, profiles, metrics);
    ASSERT_TRUE(live.committer->submit_and_wait(std::move(batch), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    before = published(dir);
    // The engine took one alert: the correlation's (its rule's five are not standalone).
    EXPECT_NE(metrics.render().find("vigil_triage_alerts_total 1\n"), std::string::npos) << metrics.render();
  }
  EXPECT_NE(before.find("Whoami Again And Again"), std::string::npos) << before;
  EXPECT_EQ(before.find("Any Whoami"), std::string::npos) << before;
  EXPECT_NE(before.find("ws01"), std::string::npos);
  EXPECT_EQ(before.find("ws02"), std::string::npos);
  {
    MetricsRegistry fresh;
    Host restarted(dir, profiles, fresh);
    EXPECT_EQ(restarted.replayed, 5);  // every stored detection, standalone or not
    EXPECT_EQ(published(dir), before);
  }
}

RecordBatch disk_alerts(long from, int count) {
  RecordBatch batch("test");
  for (int i = 0; i < count; ++i) {
    batch.add("{\"time\":\"" + std::to_string(from + i * 600) +
                  "\",\"name\":\"Wazuh: Disk usage above 80%\",\"ip\":\"10.0.0.9\",\"host\":\"db\",\"short\":\"x\"}",
              "aitads");
  }
  return batch;
}

TEST(TriageHost, HandMadeSuppressionsHoldFromCreationToDeletionAcrossRestarts) {
  TempDir dir;
  ProfileCatalog profiles;
  MetricsRegistry metrics;
  const long later = 1641772800 + 3 * 86400 + 7200;
  std::string before;
  {
    Host live(dir, profiles, metrics);
    ASSERT_TRUE(live.committer->submit_and_wait(scenario(), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    EXPECT_EQ(live.host->add_suppression("{\"rule\":\"x\"}", "r").status().code(), Code::kInvalidArgument);
    auto manual = live.host->add_suppression(
        "{\"sensor\":\"Wazuh\",\"rule\":\"Disk usage above 80%\",\"host\":\"db\"}", "known full disk");
    ASSERT_TRUE(manual.ok()) << manual.status().message();
    ASSERT_TRUE(live.committer->submit_and_wait(disk_alerts(later, 20), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    std::string during = published(dir);
    EXPECT_NE(during.find("\"status\":\"suppressed\",\"score\":0,\"title\":\"Disk usage above 80% on db\",\"first_seen\":\"2022-01-13T02:00:00.000000Z\",\"last_seen\":\"2022-01-13T05:10:00.000000Z\",\"alert_count\":20"),
              std::string::npos) << during;
    EXPECT_TRUE(*live.host->remove_suppression(manual->id));
    ASSERT_TRUE(live.committer->submit_and_wait(disk_alerts(later + 86400, 5), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    before = published(dir);
    // After the deletion, new disk alerts are no longer suppressed: the group stays at 20.
    EXPECT_NE(before.find("\"title\":\"Disk usage above 80% on db\",\"first_seen\":\"2022-01-13T02:00:00.000000Z\",\"last_seen\":\"2022-01-13T05:10:00.000000Z\",\"alert_count\":20"),
              std::string::npos) << before;
  }
  Host restarted(dir, profiles, metrics);
  EXPECT_EQ(published(dir), before);
}

// How the published incidents judge the late web-server scan: the reason given for the
// incident or group holding it.
std::string scan_reason(const TempDir& dir) {
  std::string all = published(dir);
  size_t at = all.find("\"rule\":\"Alert - ET SCAN Nmap Scripting Engine User-Agent Detected\"");
  if (at == std::string::npos) return "absent";
  size_t line = all.rfind('\n', at);
  size_t reason = all.find("\"reason\":\"", line);
  return all.substr(reason + 10, all.find('"', reason + 10) - reason - 10);
}

TEST(TriageHost, RetentionKeepsTheLearnedBaselineAndAnalystDecisions) {
  TempDir dir;
  ProfileCatalog profiles;
  MetricsRegistry metrics;
  const long day = 86400, start = 1641772800;
  std::string restored_reason;
  {
    Host live(dir, profiles, metrics);
    ASSERT_TRUE(live.committer->submit_and_wait(scenario(), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(live.host->sync(std::chrono::seconds(10)).ok());
    auto manual = live.host->add_suppression(
        "{\"sensor\":\"Wazuh\",\"rule\":\"Disk usage above 80%\",\"host\":\"db\"}", "known full disk");
    ASSERT_TRUE(manual.ok());
    // Everything stored so far is retired: the baseline and the suppression must outlive it.
    auto removed = live.host->retire_alerts_before(INT64_MAX);
    ASSERT_TRUE(removed.ok()) << removed.status().message();
    EXPECT_GT(*removed, 500);
    auto store = Store::open(dir.file("vigil.db"), {});
    EXPECT_EQ(*store->alert_count(), 0);
    EXPECT_TRUE(store->get_blob("baseline")->has_value());
  }
  {
    // A cold restart: nothing left to replay, yet the scan signature is known and the disk
    // alerts stay suppressed.
    Host restarted(dir, profiles, metrics);
    EXPECT_EQ(restarted.replayed, 0);
    RecordBatch later = disk_alerts(start + 4 * day, 3);
    for (int i = 0; i < 3; ++i) {
      later.add("{\"time\":\"" + std::to_string(start + 4 * day + 100 + i) +
                    "\",\"name\":\"Suricata: Alert - ET SCAN Nmap Scripting Engine User-Agent Detected\",\"ip\":\"10.0.0.1\",\"host\":\"web\",\"short\":\"x\"}",
                "aitads");
    }
    ASSERT_TRUE(restarted.committer->submit_and_wait(std::move(later), std::chrono::seconds(10)).ok());
    ASSERT_TRUE(restarted.host->sync(std::chrono::seconds(10)).ok());
    std::string now = published(dir);
    EXPECT_NE(now.find("\"status\":\"suppressed\",\"score\":0,\"title\":\"Disk usage above 80% on db\""),
              std::string::npos) << now;
    restored_reason = scan_reason(dir);
  }
  // Control: the same late alerts on an empty store are new.
  TempDir fresh;
  Host cold(fresh, profiles, metrics);
  RecordBatch late("test");
  for (int i = 0; i < 3; ++i) {
    late.add("{\"time\":\"" + std::to_string(start + 4 * day + 100 + i) +
                 "\",\"name\":\"Suricata: Alert - ET SCAN Nmap Scripting Engine User-Agent Detected\",\"ip\":\"10.0.0.1\",\"host\":\"web\",\"short\":\"x\"}",
             "aitads");
  }
  ASSERT_TRUE(cold.committer->submit_and_wait(std::move(late), std::chrono::seconds(10)).ok());
  ASSERT_TRUE(cold.host->sync(std::chrono::seconds(10)).ok());
  // Without the baseline the scan is a cold stream's first alerts (routine until the baseline
  // matures); with it, the scan is judged against two days of learned routine.
  std::string cold_reason = scan_reason(fresh);
  EXPECT_EQ(cold_reason.rfind("routine", 0), 0u) << cold_reason;
  EXPECT_NE(restored_reason.rfind("routine", 0), 0u) << restored_reason;
}

TEST(TriageHost, UnreadableStoredAlertsAreSkippedAndCounted) {
  TempDir dir;
  ProfileCatalog profiles;
  MetricsRegistry metrics;
  {
    auto store = Store::open(dir.file("vigil.db"), {});
    RecordBatch batch("test");
    batch.add("{\"time\":\"1641772800\",\"name\":\"Wazuh: x\",\"ip\":\"1.2.3.4\",\"host\":\"h\",\"short\":\"s\"}", "aitads");
    batch.add("{\"no\":\"time\"}", "aitads");
    batch.add("{}", "no-such-profile");
    int64_t first = 0;
    ASSERT_TRUE(store->insert_alerts(batch, 1, &first).ok());
  }
  Host host(dir, profiles, metrics);
  EXPECT_EQ(host.replayed, 1);
  EXPECT_NE(metrics.render().find("vigil_triage_unreadable_alerts_total 2\n"), std::string::npos);
  EXPECT_EQ(host.host->processed_seq(), 3);
}

}  // namespace
}  // namespace vigil::serve
