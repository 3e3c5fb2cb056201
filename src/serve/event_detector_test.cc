// Raw events through Vigil's own Sigma rules: each rule that fires becomes one alert record of
// the `vigil` profile, which the catalog reads back as exactly the triage Alert `vigil triage -r`
// makes of the same detection (normalised entities, severity from level, ATT&CK from tags).
#include "serve/event_detector.h"

#include <gtest/gtest.h>

#include "core/fields.h"
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
std::string sysmon_event(const std::string& command_line, const std::string& user = "CONTOSO\\\\bob") {
  return R"({"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,)"
         R"("TimeCreated":{"#attributes":{"SystemTime":"2026-11-02T07:00:31.000000Z"}},)"
         R"("Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws03.contoso.local"},)"
         R"("EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","CommandLine":")" + command_line +
         R"(","User":")" + user + R"(","Hashes":"MD5=99,SHA256=AB,IMPHASH=77"}}})";
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
            R"("title":"Whoami Lists All Privileges","category":"process_creation","severity":50,"tactics":["Discovery"],)"
            R"("techniques":["T1033"],"level":"medium","host":"ws03.contoso.local","user":"bob",)"
            R"("process":"c:\\windows\\system32\\whoami.exe","hash":"ab")");
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
            R"("title":"Whoami Lists All Privileges","category":"process_creation","severity":50,"tactics":["Discovery"],)"
            R"("techniques":["T1033"],"entities":{"host":"ws03.contoso.local","user":"bob",)"
            R"("process":"c:\\windows\\system32\\whoami.exe","hash":"ab"}})");
}

// The stored record, read back through the `vigil` profile, is the Alert DetectionAlerts makes
// of the hunt's Detection of the same hit: the CLI and the service cannot drift apart.
TEST(EventDetector, StoredAlertsAreTheAlertsOfVigilTriage) {
  sigma::LoadReport report;
  auto rules = sigma::RuleSet::from_yaml(kRules, {}, &report);
  ASSERT_EQ(report.loaded, 2u);
  DetectionAlerts reference(rules);
  sigma::Matcher matcher(rules);
  auto d = detector();
  ProfileCatalog catalog;
  auto vigil = catalog.find(EventDetector::kProfile);
  ASSERT_TRUE(vigil.ok());
  JsonRecordParser parser, stored_parser;  // an Event lives in its parser's buffers
  Event event, stored;
  // A person, a machine account and the SYSTEM account: only the person is a user entity.
  for (const char* user : {"CONTOSO\\\\Bob.Smith", "WS03$", "NT AUTHORITY\\\\SYSTEM"}) {
    SCOPED_TRACE(user);
    ASSERT_TRUE(parser.parse_copy(sysmon_event("whoami /all", user), event).ok());
    RecordBatch batch("test");
    ASSERT_TRUE(d->detect(event, batch).ok());
    std::vector<uint32_t> hits;
    matcher.match(event, &hits);
    ASSERT_EQ(batch.size(), hits.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      Detection detection = make_detection(event, rules.rules()[hits[i]], hits[i], event_time_us(event), RecordRef{},
                                           detection_hunt_options().max_key_fields);
      triage::Alert want = reference.convert(detection, 0);
      triage::Alert got;
      triage::MapScratch scratch;
      ASSERT_TRUE(stored_parser.parse_copy(batch.record(i), stored).ok());
      ASSERT_EQ((*vigil)->map(stored, got, scratch, nullptr), triage::Profile::Outcome::kAlert);
      EXPECT_EQ(got.time_us, want.time_us);
      EXPECT_EQ(got.sensor, want.sensor);
      EXPECT_EQ(got.rule_id, want.rule_id);
      EXPECT_EQ(got.title, want.title);
      EXPECT_EQ(got.category, want.category);
      EXPECT_EQ(got.severity, want.severity);
      EXPECT_EQ(got.tactics, want.tactics);
      EXPECT_EQ(got.techniques, want.techniques);
      EXPECT_EQ(got.entities, want.entities);
    }
    EXPECT_EQ(std::string(batch.record(0)).find("\"user\":\"bob.smith\"") != std::string::npos,
              std::string(user).find("Bob") != std::string::npos);
  }
}

}  // namespace
}  // namespace vigil::serve
