// Raw events through Vigil's own Sigma rules: each rule that fires becomes one alert record of
// the `vigil` profile, which the catalog reads back as a triage Alert with the rule's severity,
// ATT&CK tags and the event's entities.
#include "serve/event_detector.h"

#include <gtest/gtest.h>

#include "read/json_record.h"
#include "serve/profiles.h"

namespace vigil::serve {
namespace {

constexpr const char* kRules = R"(
title: Whoami Lists All Privileges
id: 11111111-0000-0000-0000-000000000001
tags: [attack.discovery, attack.t1033]
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\whoami.exe'
    CommandLine|contains: ' /all'
  condition: selection
level: medium
---
title: Any Whoami
id: 11111111-0000-0000-0000-000000000002
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\whoami.exe'
  condition: selection
level: low
)";

// A Sysmon process creation in the evtx_dump layout.
std::string sysmon_event(const std::string& command_line) {
  return R"({"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,)"
         R"("TimeCreated":{"#attributes":{"SystemTime":"2026-11-02T07:00:31.000000Z"}},)"
         R"("Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws03.contoso.local"},)"
         R"("EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","CommandLine":")" + command_line +
         R"(","User":"CONTOSO\\bob","Hashes":"SHA256=AB"}}})";
}

std::shared_ptr<EventDetector> detector() {
  sigma::LoadReport report;
  auto rules = sigma::RuleSet::from_yaml(kRules, {}, &report);
  EXPECT_EQ(report.loaded, 2u);
  return std::make_shared<EventDetector>(std::move(rules));
}

TEST(EventDetector, EachFiringRuleBecomesAnAlertRecord) {
  auto d = detector();
  JsonRecordParser parser;
  Event event;
  RecordBatch batch("test");
  ASSERT_TRUE(parser.parse_copy(sysmon_event("whoami /all"), event).ok());
  ASSERT_TRUE(d->detect(event, batch).ok());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.profile(0), "vigil");
  std::string first(batch.record(0));
  EXPECT_EQ(first.substr(0, first.find(",\"event\":")),
            R"({"time":"2026-11-02T07:00:31.000000Z","sensor":"Vigil","rule":"11111111-0000-0000-0000-000000000001",)"
            R"("title":"Whoami Lists All Privileges","level":"medium","severity":50,"tactics":["Discovery"],)"
            R"("techniques":["T1033"],"host":"ws03.contoso.local","user":"CONTOSO\\bob",)"
            R"("process":"C:\\Windows\\System32\\whoami.exe","hash":"SHA256=AB")");
  EXPECT_NE(first.find("\"event\":{\"Event\":"), std::string::npos);

  RecordBatch quiet("test");
  ASSERT_TRUE(parser.parse_copy(sysmon_event("whoami"), event).ok());
  ASSERT_TRUE(d->detect(event, quiet).ok());
  EXPECT_EQ(quiet.size(), 1u);  // only the broad rule
}

TEST(EventDetector, TheVigilProfileReadsDetectionsBackAsAlerts) {
  ProfileCatalog catalog;
  EXPECT_EQ(catalog.intake_for("events").status().code(), Code::kNotFound);
  catalog.set_detector(detector());
  auto intake = catalog.intake_for("events");
  ASSERT_TRUE(intake.ok());
  JsonRecordParser parser;
  Event event;
  RecordBatch batch("test");
  ASSERT_TRUE(parser.parse_copy(sysmon_event("whoami /all"), event).ok());
  ASSERT_TRUE((*intake)(event, batch).ok());
  ASSERT_EQ(batch.size(), 2u);
  std::string described = catalog.describe({1, 0, "vigil", "test", std::string(batch.record(0))});
  EXPECT_EQ(described,
            R"({"time":"2026-11-02T07:00:31.000000Z","sensor":"Vigil","rule":"11111111-0000-0000-0000-000000000001",)"
            R"("title":"Whoami Lists All Privileges","severity":50,"tactics":["Discovery"],"techniques":["T1033"],)"
            R"("entities":{"host":"ws03.contoso.local","user":"CONTOSO\\bob","process":"C:\\Windows\\System32\\whoami.exe","hash":"SHA256=AB"}})");
}

}  // namespace
}  // namespace vigil::serve
