// Profiles on small real-layout files (Wazuh alerts.json, Suricata EVE) read through the
// readers, the AIT CSV layout, generic field maps and the rule that the AIT profile never reads
// a column beyond its five.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <unistd.h>

#include "core/time.h"
#include "read/read_path.h"
#include "triage/case_file.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"
#include "triage/report.h"

namespace vigil::triage {
namespace {

namespace fs = std::filesystem;
const std::string kData = std::string(VIGIL_SOURCE_DIR) + "/src/triage/testdata";

// Maps every record of a file with a profile and keeps the outcomes and copies of the alerts.
struct Mapped {
  struct Copy {
    int64_t time_us;
    std::string sensor, rule, title, category, techniques;
    int severity;
    TacticSet tactics;
    std::array<std::string, kEntityKinds> entities;
  };
  std::vector<Profile::Outcome> outcomes;
  std::vector<Copy> alerts;
  std::vector<std::string> why;
};

class MapSink : public EventSink {
 public:
  MapSink(const Profile& p, Mapped& out) : p_(p), out_(out) {}
  bool on_event(const Event& ev, const RecordRef&) override {
    Alert a;
    std::string why;
    Profile::Outcome o = p_.map(ev, a, scratch_, &why);
    out_.outcomes.push_back(o);
    out_.why.push_back(why);
    if (o == Profile::Outcome::kAlert) {
      Mapped::Copy c{a.time_us, std::string(a.sensor), std::string(a.rule_id), std::string(a.title),
                     std::string(a.category), "", a.severity, a.tactics, {}};
      for (const auto& t : a.techniques) {
        if (!t.empty()) c.techniques += std::string(c.techniques.empty() ? "" : ",") + std::string(t);
      }
      for (int k = 0; k < kEntityKinds; ++k) c.entities[k] = a.entities[k];
      out_.alerts.push_back(std::move(c));
    }
    return true;
  }
  void on_issue(const ReadIssue& issue) override { ADD_FAILURE() << issue.describe(); }

 private:
  const Profile& p_;
  Mapped& out_;
  MapScratch scratch_;
};

Mapped map_file(const std::string& path, const Profile& p) {
  Mapped m;
  MapSink sink(p, m);
  ReadOptions ro;
  ro.csv_columns = p.csv_columns();
  Status st = read_path(path, sink, ro);
  EXPECT_TRUE(st.ok()) << st.message();
  return m;
}

std::string entity(const Mapped::Copy& c, EntityKind k) { return c.entities[static_cast<int>(k)]; }

TEST(ProfileTest, Wazuh) {
  auto p = Profile::builtin("wazuh");
  ASSERT_TRUE(p.ok());
  Mapped m = map_file(kData + "/wazuh_alerts.json", *p);
  ASSERT_EQ(m.outcomes.size(), 5u);
  EXPECT_EQ(m.outcomes[3], Profile::Outcome::kSkip);  // no rule: not an alert
  EXPECT_EQ(m.outcomes[4], Profile::Outcome::kBad);   // unreadable timestamp
  EXPECT_NE(m.why[4].find("timestamp"), std::string::npos);
  ASSERT_EQ(m.alerts.size(), 3u);
  const auto& brute = m.alerts[0];
  EXPECT_EQ(brute.sensor, "Wazuh");
  EXPECT_EQ(brute.rule, "5712");
  EXPECT_EQ(brute.title, "sshd: brute force trying to get access to the system. Non existent user.");
  EXPECT_EQ(brute.category, "syslog");
  EXPECT_EQ(brute.severity, 67);  // level 10 of 15
  EXPECT_EQ(brute.tactics, tactic_bit(Tactic::kCredentialAccess));
  EXPECT_EQ(brute.techniques, "T1110");
  EXPECT_EQ(entity(brute, EntityKind::kHost), "mail");
  EXPECT_EQ(entity(brute, EntityKind::kHostIp), "172.17.131.81");
  EXPECT_EQ(entity(brute, EntityKind::kSrcIp), "10.0.0.5");
  EXPECT_EQ(entity(brute, EntityKind::kUser), "admin");
  EXPECT_EQ(brute.time_us, *parse_time_us("2022-01-15T01:32:32.155Z"));
  const auto& sudo = m.alerts[1];
  EXPECT_EQ(sudo.tactics, tactic_bit(Tactic::kPrivilegeEscalation) | tactic_bit(Tactic::kDefenseEvasion));
  EXPECT_EQ(entity(sudo, EntityKind::kUser), "root");
  const auto& fim = m.alerts[2];
  EXPECT_EQ(entity(fim, EntityKind::kFile), "/etc/passwd");
  EXPECT_EQ(entity(fim, EntityKind::kHash).size(), 64u);
}

TEST(ProfileTest, Suricata) {
  auto p = Profile::builtin("suricata");
  ASSERT_TRUE(p.ok());
  Mapped m = map_file(kData + "/suricata_eve.json", *p);
  ASSERT_EQ(m.outcomes.size(), 5u);
  EXPECT_EQ(m.outcomes[1], Profile::Outcome::kSkip);  // flow
  EXPECT_EQ(m.outcomes[2], Profile::Outcome::kSkip);  // dns
  EXPECT_EQ(m.outcomes[4], Profile::Outcome::kBad);   // alert without alert object
  ASSERT_EQ(m.alerts.size(), 2u);
  const auto& scan = m.alerts[0];
  EXPECT_EQ(scan.sensor, "Suricata");
  EXPECT_EQ(scan.rule, "2024364");
  EXPECT_EQ(scan.title, "ET SCAN Possible Nmap User-Agent Observed");
  EXPECT_EQ(scan.severity, 80);
  EXPECT_EQ(scan.tactics, tactic_bit(Tactic::kReconnaissance));
  EXPECT_EQ(scan.techniques, "T1595");
  EXPECT_EQ(entity(scan, EntityKind::kHost), "inet-firewall");
  EXPECT_EQ(entity(scan, EntityKind::kSrcIp), "192.168.131.10");
  EXPECT_EQ(entity(scan, EntityKind::kDstIp), "10.35.35.206");
  EXPECT_EQ(entity(scan, EntityKind::kUrl), "intranet.example/index.php");
  EXPECT_EQ(m.alerts[1].severity, 40);
  EXPECT_EQ(m.alerts[1].tactics, 0);
}

TEST(ProfileTest, AitRow) {
  auto p = Profile::builtin("aitads");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->csv_columns(), (std::vector<std::string>{"time", "name", "ip", "host", "short"}));
  Event ev;
  ev.add_string("time", "1642213952");
  ev.add_string("name", "Wazuh: ClamAV database update");
  ev.add_string("ip", "172.17.131.81");
  ev.add_string("host", "mail");
  ev.add_string("short", "W-Sys-Cav");
  Alert a;
  MapScratch scratch;
  std::string why;
  ASSERT_EQ(p->map(ev, a, scratch, &why), Profile::Outcome::kAlert) << why;
  EXPECT_EQ(a.time_us, 1642213952LL * 1000000);
  EXPECT_EQ(a.sensor, "Wazuh");
  EXPECT_EQ(a.title, "ClamAV database update");
  EXPECT_EQ(a.category, "W-Sys-Cav");
  EXPECT_EQ(a.entity(EntityKind::kHost), "mail");
  EXPECT_EQ(a.entity(EntityKind::kHostIp), "172.17.131.81");
  ev.clear();
  ev.add_string("time", "yesterday");
  ev.add_string("name", "Wazuh: x");
  EXPECT_EQ(p->map(ev, a, scratch, &why), Profile::Outcome::kBad);
}

TEST(ProfileTest, GenericFieldMap) {
  EXPECT_FALSE(Profile::generic("title=rule.name").ok());        // no time
  EXPECT_FALSE(Profile::generic("time=ts").ok());                // no title
  EXPECT_FALSE(Profile::generic("time=ts,title=x,colour=y").ok());
  EXPECT_FALSE(Profile::generic("time=ts,title").ok());
  auto p = Profile::generic("time=ts,title=rule.name,sensor='Zeek',host=host.name,src_ip=src,severity=sev,"
                            "severity_max=10,tactic=tactic");
  ASSERT_TRUE(p.ok()) << p.status().message();
  Event ev;
  ev.add_int("ts", 1642213952123);  // milliseconds
  ev.begin_object("rule");
  ev.add_string("name", "Port scan");
  ev.end_container();
  ev.begin_object("host");
  ev.add_string("name", "gw");
  ev.end_container();
  ev.add_string("src", "10.1.1.1");
  ev.add_int("sev", 7);
  ev.add_string("tactic", "TA0007");
  Alert a;
  MapScratch scratch;
  std::string why;
  ASSERT_EQ(p->map(ev, a, scratch, &why), Profile::Outcome::kAlert) << why;
  EXPECT_EQ(a.time_us, 1642213952123000LL);
  EXPECT_EQ(a.sensor, "Zeek");
  EXPECT_EQ(a.title, "Port scan");
  EXPECT_EQ(a.entity(EntityKind::kHost), "gw");
  EXPECT_EQ(a.entity(EntityKind::kSrcIp), "10.1.1.1");
  EXPECT_EQ(a.severity, 70);
  EXPECT_EQ(a.tactics, tactic_bit(Tactic::kDiscovery));
  // Flat names become the CSV columns to read; a dotted path means the whole record is needed.
  auto flat = Profile::generic("time=when,title=what,host=where");
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(flat->csv_columns(), (std::vector<std::string>{"when", "what", "where"}));
  EXPECT_TRUE(p->csv_columns().empty());
}

TEST(ProfileTest, AlertTimeUnits) {
  Event ev;
  ev.add_string("s", "1642213952");
  ev.add_string("ms", "1642213952000");
  ev.add_int("us", 1642213952000000);
  ev.add_string("iso", "2022-01-15T03:32:32+01:00");
  ev.add_string("bad", "soon");
  for (const char* f : {"s", "ms", "us", "iso"}) {
    EXPECT_EQ(alert_time_us(ev.root().get(f)).value_or(0), 1642213952LL * 1000000) << f;
  }
  EXPECT_FALSE(alert_time_us(ev.root().get("bad")).has_value());
  EXPECT_FALSE(alert_time_us(ev.root().get("missing")).has_value());
}

// Found by alert_fuzz (UBSan): a number past int64 microseconds was cast to int64.
TEST(ProfileTest, AlertTimeOutOfRangeIsNoTime) {
  Event ev;
  ev.add_string("huge", "111111111111111111111111111111111111111111");
  ev.add_double("big", 1e300);
  ev.add_double("edge", 9.3e18);
  ev.add_double("neg", -5);
  for (const char* f : {"huge", "big", "edge", "neg"}) {
    EXPECT_FALSE(alert_time_us(ev.root().get(f)).has_value()) << f;
  }
}

// Found by ingest_fuzz (UBSan): a Suricata severity of 5840668316740936704 overflowed `sev * 20`.
// A Wazuh level of "nan" (from_chars reads it as a number) reached a float-to-int cast.
TEST(ProfileTest, OutOfRangeSeverities) {
  const fs::path dir = fs::path(VIGIL_BINARY_DIR) / "test-tmp" / "profile-severity";
  fs::create_directories(dir);
  const std::string eve = (dir / "eve.json").string(), wazuh = (dir / "alerts.json").string();
  {
    std::ofstream out(eve);
    for (const char* sev : {"5840668316740936704", "1", "5", "9", "0"}) {
      out << R"({"timestamp":"2022-01-18T10:21:05.123456+0000","event_type":"alert","alert":{"signature_id":1,"severity":)"
          << sev << "}}\n";
    }
  }
  {
    std::ofstream out(wazuh);
    for (const char* level : {R"("nan")", R"("-nan")", R"("inf")", "1e308", "-4", "15"}) {
      out << R"({"timestamp":"2022-01-15T01:32:32.155+0000","rule":{"id":"5712","description":"x","level":)" << level
          << "}}\n";
    }
  }
  auto suricata = Profile::builtin("suricata");
  ASSERT_TRUE(suricata.ok());
  Mapped s = map_file(eve, *suricata);
  ASSERT_EQ(s.alerts.size(), 5u);
  EXPECT_EQ(s.alerts[0].severity, 0);
  EXPECT_EQ(s.alerts[1].severity, 80);
  EXPECT_EQ(s.alerts[2].severity, 0);
  EXPECT_EQ(s.alerts[3].severity, 0);
  EXPECT_EQ(s.alerts[4].severity, -1);  // 0 is not a Suricata severity
  auto w = Profile::builtin("wazuh");
  ASSERT_TRUE(w.ok());
  Mapped m = map_file(wazuh, *w);
  ASSERT_EQ(m.alerts.size(), 6u);
  EXPECT_EQ(m.alerts[0].severity, -1);
  EXPECT_EQ(m.alerts[1].severity, -1);
  EXPECT_EQ(m.alerts[2].severity, 100);
  EXPECT_EQ(m.alerts[3].severity, 100);
  EXPECT_EQ(m.alerts[4].severity, 0);
  EXPECT_EQ(m.alerts[5].severity, 100);
}

// Writes a case's alerts as AIT CSV; with `labels`, two extra columns of random text follow.
void write_csv(const testing::Case& c, const std::string& path, bool labels) {
  std::ofstream out(path);
  out << "time,name,ip,host,short" << (labels ? ",time_label,event_label" : "") << "\n";
  std::mt19937 rng(7);
  const char* junk[] = {"-", "dirb", "false_positive", "privilege_escalation", "\"quoted, comma\"", ""};
  for (const testing::CaseAlert& a : c.alerts) {
    out << a.time_s << "," << a.name << ",10.0.0." << a.host.size() << "," << a.host << ",X";
    if (labels) out << "," << junk[rng() % 6] << "," << junk[rng() % 6];
    out << "\n";
  }
}

std::string triage_json(const std::string& path) {
  Engine engine;
  auto p = Profile::builtin("aitads");
  AlertCollector collector(engine, *p);
  ReadOptions ro;
  ro.csv_columns = p->csv_columns();
  ReadStats stats;
  Status st = read_path(path, collector, ro, &stats);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(collector.problems().empty()) << collector.problems().front();
  collector.end_input(stats.records + stats.damaged);
  collector.feed();
  return render_json(engine.snapshot(), ReportOptions{});
}

TEST(ProfileTest, AitProfileNeverReadsExtraColumns) {
  auto c = testing::load_case(kData + "/cases/attack_chain.case");
  ASSERT_TRUE(c.ok());
  fs::path dir = fs::temp_directory_path() / ("vigil_triage_cols_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string plain = (dir / "plain.csv").string(), labelled = (dir / "labelled.csv").string();
  write_csv(*c, plain, false);
  write_csv(*c, labelled, true);
  std::string a = triage_json(plain), b = triage_json(labelled);
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("\"status\":\"surfaced\""), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil::triage
