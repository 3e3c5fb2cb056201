// CLI and service agree: `vigil triage -r demo/rules demo/logs` and `vigil serve --rules
// demo/rules` fed the same events over HTTP surface the same incidents. Both run as the real
// binary. The service takes events as a live sender delivers them, in time order, so the test
// posts the demo's events merged by time (ties in file order, as the CLI breaks them); the CLI
// sorts its detections the same way. Compared: every incident and routine group (id, status,
// score, size, title), the surfaced ones' narratives, and for the top one its entities, its
// alert groups and its alerts (time and rule of each, the CLI's read through --detections).
// The demo rules include a Sigma correlation: the service runs it over the detections it
// stores, so its alert weighs in the same incident, score and narrative as the CLI's.
#include <httplib.h>
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "core/fields.h"
#include "read/json_record.h"
#include "serve/server_process.h"
#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

namespace fs = std::filesystem;

const std::string kVigil = std::string(VIGIL_BINARY_DIR) + "/vigil";
const fs::path kDemo = fs::path(VIGIL_SOURCE_DIR) / "demo";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string gunzip(const fs::path& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buffer[1 << 16];
  int n;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

// The demo's events as JSON lines, merged by event time (stable: ties keep file, then line order).
std::string events_in_time_order(size_t* count) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kDemo / "logs")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::pair<int64_t, std::string>> events;
  JsonRecordParser parser;
  Event event;
  for (const auto& file : files) {
    std::istringstream lines(gunzip(file));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      EXPECT_TRUE(parser.parse_copy(line, event).ok()) << file;
      auto time = event_time_us(event);
      EXPECT_TRUE(time.has_value()) << "every demo event has a time: " << line.substr(0, 200);
      events.emplace_back(time.value_or(0), line);
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string body;
  for (const auto& [time, line] : events) body += line + "\n";
  *count = events.size();
  return body;
}

std::string text(simdjson::dom::element e, const char* key) {
  std::string_view v;
  return e[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string("<none>");
}

double number(simdjson::dom::element e, const char* key) {
  double v = -1;
  if (e[key].get_double().get(v) != simdjson::SUCCESS) {
    int64_t i = -1;
    if (e[key].get_int64().get(i) == simdjson::SUCCESS) v = static_cast<double>(i);
  }
  return v;
}

// What one incident shows, in a form both sides produce.
struct IncidentView {
  std::string id, title, narrative;
  double score = 0;
  std::set<std::string> entities;               // "kind=value"
  std::multiset<std::string> groups;            // "sensor|rule|host|count|first|last"
  std::set<std::string> alerts;                 // "time|rule" of the stored alerts
};

// An incident or routine group in one line: status, score, alerts, title.
std::string summary(simdjson::dom::element inc) {
  char score[32];
  std::snprintf(score, sizeof score, "%.2f", number(inc, "score"));
  return text(inc, "status") + "|" + score + "|" + std::to_string(static_cast<int64_t>(number(inc, "alert_count"))) +
         "|" + text(inc, "title");
}

std::string group_key(simdjson::dom::element g) {
  return text(g, "sensor") + "|" + text(g, "rule") + "|" + text(g, "host") + "|" +
         std::to_string(static_cast<int64_t>(number(g, "count"))) + "|" + text(g, "first_seen") + "|" +
         text(g, "last_seen");
}

class ParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kVigil)) GTEST_SKIP() << "needs the vigil binary (" << kVigil << ")";
  }

  // `vigil triage -r` over demo/logs: the surfaced incidents in report order, the top one in full.
  void run_cli(std::vector<IncidentView>* surfaced, std::map<std::string, std::string>* all, size_t* detections) {
    std::string report = dir_.file("report.json"), lines = dir_.file("detections.jsonl");
    std::string command = "'" + kVigil + "' triage '" + (kDemo / "logs").string() + "' -q --format json -o '" +
                          report + "' --detections '" + lines + "' -r '" + (kDemo / "rules").string() + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    // Alert record N of the report is line N + 1 of the detections.
    std::vector<std::string> alert_of_record;
    std::istringstream in(read_file(lines));
    std::string line;
    simdjson::dom::parser parser;
    while (std::getline(in, line)) {
      simdjson::dom::element d;
      ASSERT_EQ(parser.parse(line).get(d), simdjson::SUCCESS);
      bool correlation = false;
      if (d["correlation"].get_bool().get(correlation) != simdjson::SUCCESS) correlation = false;
      // The service stores the alerts of events only: a correlation's alert is derived again
      // from them (its record is the alert that completed it), so it is not among the stored.
      alert_of_record.push_back(correlation ? "" : text(d, "timestamp") + "|" + text(d, "rule_id"));
      if (!correlation) ++*detections;
    }
    simdjson::dom::element root;
    std::string json = read_file(report);
    ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS);
    for (simdjson::dom::element inc : root["incidents"].get_array()) {
      (*all)[text(inc, "id")] = summary(inc);
      if (text(inc, "status") != "surfaced") continue;
      IncidentView v;
      v.id = text(inc, "id");
      v.title = text(inc, "title");
      v.narrative = text(inc, "narrative");
      v.score = number(inc, "score");
      if (surfaced->empty()) {
        for (auto [kind, values] : inc["entities"].get_object()) {
          for (simdjson::dom::element value : values.get_array()) {
            v.entities.insert(std::string(kind) + "=" + std::string(value.get_string().value()));
          }
        }
        for (simdjson::dom::element g : inc["groups"].get_array()) v.groups.insert(group_key(g));
        for (simdjson::dom::element r : inc["alerts"].get_array()) {
          uint64_t record = r.get_uint64().value();
          ASSERT_LT(record, alert_of_record.size());
          if (!alert_of_record[record].empty()) v.alerts.insert(alert_of_record[record]);
        }
      }
      surfaced->push_back(std::move(v));
    }
    EXPECT_EQ(static_cast<size_t>(number(root, "surfaced")), surfaced->size());
  }

  // `vigil serve --rules`: the events posted in time order; the surfaced incidents by score.
  void run_service(std::vector<IncidentView>* surfaced, std::map<std::string, std::string>* all, size_t* stored) {
    ServerProcess server;
    std::vector<std::string> rules = {"--rules", (kDemo / "rules").string()};
    ASSERT_TRUE(server.start(kVigil, dir_.path() + "/data", rules).ok());
    size_t events = 0;
    std::string body = events_in_time_order(&events);
    ASSERT_GT(events, 0u);
    simdjson::dom::parser parser;
    {
      httplib::Client client("127.0.0.1", server.port());
      client.set_bearer_token_auth(server.token().c_str());
      client.set_read_timeout(120);
      auto res = client.Post("/api/v1/ingest?profile=events", body, "application/x-ndjson");
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 200) << res->body;
      simdjson::dom::element answer;
      ASSERT_EQ(parser.parse(res->body).get(answer), simdjson::SUCCESS);
      EXPECT_EQ(static_cast<size_t>(number(answer, "accepted")), events);
      *stored = static_cast<size_t>(number(answer, "stored"));
      int64_t last_seq = static_cast<int64_t>(number(answer, "last_seq"));
      // The engine has taken everything in; a clean stop publishes what it holds.
      for (int i = 0; i < 600; ++i) {
        auto stats = client.Get("/api/v1/stats");
        simdjson::dom::element s;
        if (stats && stats->status == 200 && parser.parse(stats->body).get(s) == simdjson::SUCCESS &&
            static_cast<int64_t>(number(s, "processed_seq")) >= last_seq) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ASSERT_EQ(server.stop(), 0);
    // Restarted, the service replays its store and shows the published incidents at once.
    ASSERT_TRUE(server.start(kVigil, dir_.path() + "/data", rules).ok());
    httplib::Client client("127.0.0.1", server.port());
    client.set_bearer_token_auth(server.token().c_str());
    auto list = client.Get("/api/v1/incidents?sort=score&limit=500");
    ASSERT_TRUE(list && list->status == 200);
    std::string list_body = list->body;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(list_body).get(root), simdjson::SUCCESS);
    EXPECT_LT(number(root, "total"), 500);
    std::vector<std::string> ids;
    for (simdjson::dom::element inc : root["incidents"].get_array()) {
      (*all)[text(inc, "id")] = summary(inc);
      if (text(inc, "status") == "surfaced") ids.push_back(text(inc, "id"));
    }
    simdjson::dom::parser page_parser;
    for (const std::string& id : ids) {
      auto page = client.Get(("/api/v1/incidents/" + id + "?alerts_limit=5000").c_str());
      ASSERT_TRUE(page && page->status == 200) << id;
      simdjson::dom::element doc;
      ASSERT_EQ(page_parser.parse(page->body).get(doc), simdjson::SUCCESS);
      IncidentView v;
      v.id = id;
      v.title = text(doc, "title");
      v.narrative = text(doc, "narrative");
      v.score = number(doc, "score");
      if (surfaced->empty()) {
        for (simdjson::dom::element e : doc["entities"].get_array()) v.entities.insert(text(e, "kind") + "=" + text(e, "value"));
        for (simdjson::dom::element g : doc["groups"].get_array()) v.groups.insert(group_key(g));
        for (simdjson::dom::element a : doc["alert_records"]["items"].get_array()) {
          simdjson::dom::element alert = a["alert"];
          v.alerts.insert(text(alert, "time") + "|" + text(alert, "rule"));
        }
      }
      surfaced->push_back(std::move(v));
    }
    EXPECT_EQ(server.stop(), 0);
  }

  TempDir dir_;
};

TEST_F(ParityTest, ServeWithRulesSurfacesTheIncidentsOfTriageWithRules) {
  std::vector<IncidentView> cli, service;
  std::map<std::string, std::string> cli_all, service_all;
  size_t detections = 0, stored = 0;
  run_cli(&cli, &cli_all, &detections);
  run_service(&service, &service_all, &stored);
  if (HasFatalFailure()) return;
  std::printf("parity: %zu event detections (CLI) / %zu alerts stored (service); %zu / %zu surfaced incidents, "
              "%zu / %zu incidents and routine groups\n",
              detections, stored, cli.size(), service.size(), cli_all.size(), service_all.size());
  EXPECT_EQ(stored, detections);
  // Every incident and routine group, surfaced or not, with its status, score and size.
  EXPECT_EQ(service_all, cli_all);
  ASSERT_FALSE(cli.empty()) << "the demo surfaces incidents";
  ASSERT_EQ(service.size(), cli.size());
  for (size_t i = 0; i < cli.size(); ++i) {
    SCOPED_TRACE(cli[i].id + " " + cli[i].title);
    EXPECT_EQ(service[i].id, cli[i].id);
    EXPECT_EQ(service[i].title, cli[i].title);
    EXPECT_NEAR(service[i].score, cli[i].score, 0.01);
    EXPECT_EQ(service[i].narrative, cli[i].narrative);
  }
  const IncidentView& top_cli = cli.front();
  const IncidentView& top_service = service.front();
  EXPECT_FALSE(top_cli.alerts.empty());
  EXPECT_EQ(top_service.alerts, top_cli.alerts);
  EXPECT_EQ(top_service.groups, top_cli.groups);
  // The demo's correlation rule (a burst of discovery commands) runs on both sides.
  bool burst = false;
  for (const std::string& g : top_service.groups) burst |= g.find("6f1c2a0e-6c1b-4d57-9a43-0d6a3c7e1010") != std::string::npos;
  EXPECT_TRUE(burst) << "the discovery-burst correlation is in the top incident";
  EXPECT_EQ(top_service.entities, top_cli.entities);
  // Normalised as the CLI does it: no domain-qualified or machine accounts among the users.
  for (const std::string& e : top_service.entities) {
    if (e.rfind("user=", 0) != 0) continue;
    EXPECT_EQ(e.find('\\'), std::string::npos) << e;
    EXPECT_NE(e.back(), '$') << e;
  }
}

}  // namespace
}  // namespace vigil::serve
