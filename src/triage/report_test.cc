// Reports: the table fits 80 columns, the JSON carries the documented fields and parses, the
// HTML is one self-contained page (no script, no external reference).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <sstream>

#include "core/event.h"
#include "triage/case_file.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"
#include "triage/report.h"

namespace vigil::triage {
namespace {

const std::string kCases = std::string(VIGIL_SOURCE_DIR) + "/src/triage/testdata/cases";

Snapshot case_snapshot(const std::string& name) {
  auto c = testing::load_case(kCases + "/" + name);
  EXPECT_TRUE(c.ok());
  Engine engine;
  auto p = Profile::builtin("aitads");
  AlertCollector collector(engine, *p);
  Event ev;
  for (size_t i = 0; i < c->alerts.size(); ++i) {
    std::string time = std::to_string(c->alerts[i].time_s);
    ev.clear();
    ev.add_string("time", time);
    ev.add_string("name", c->alerts[i].name);
    ev.add_string("host", c->alerts[i].host);
    RecordRef ref;
    ref.index = i;
    collector.on_event(ev, ref);
  }
  collector.feed();
  return engine.snapshot();
}

Snapshot attack_snapshot() { return case_snapshot("attack_chain.case"); }

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

TEST(ReportTest, TableFitsEightyColumns) {
  Snapshot snap = attack_snapshot();
  ReportOptions opts;
  opts.show_auto_closed = true;
  std::string table = render_table(snap, opts);
  std::istringstream lines(table);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_LE(code_points(line), 80u) << line;
  }
  EXPECT_GT(n, 8u);
  EXPECT_NE(table.find("1 surfaced"), std::string::npos) << table;
  EXPECT_NE(table.find("why: novelty"), std::string::npos) << table;
}

// An incident closed for want of corroboration scores above the threshold: the table marks it
// so the listing of weak correlations does not read as a contradiction.
TEST(ReportTest, TableMarksUncorroboratedOddities) {
  ReportOptions opts;
  opts.show_auto_closed = true;
  std::string table = render_table(case_snapshot("lone_oddity.case"), opts);
  size_t at = table.find(".to TLD");
  ASSERT_NE(at, std::string::npos) << table;
  size_t line = table.rfind('\n', at) + 1;
  EXPECT_EQ(table.substr(line, 2), " *") << table.substr(line, at - line);
}

TEST(ReportTest, JsonCarriesTheDocumentedFields) {
  Snapshot snap = attack_snapshot();
  std::string json = render_json(snap, ReportOptions{});
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json.substr(0, 400);
  EXPECT_EQ(root["alerts"].get_uint64().value(), snap.alerts);
  simdjson::dom::array incidents = root["incidents"].get_array().value();
  uint64_t covered = 0;
  bool first = true;
  for (simdjson::dom::element inc : incidents) {
    for (const char* key : {"id", "status", "score", "title", "narrative", "reason", "first_seen", "last_seen",
                            "entities", "alerts", "score_factors", "tactics", "tactic_names", "techniques", "groups", "merges"}) {
      EXPECT_NE(inc[key].error(), simdjson::NO_SUCH_FIELD) << key;
    }
    if (first) {
      EXPECT_EQ(std::string_view(inc["status"].get_string().value()), "surfaced");
      EXPECT_GT(inc["score_factors"].get_array().value().size(), 0u);
      EXPECT_GT(inc["entities"]["host"].get_array().value().size(), 1u);
      // Tactics are ATT&CK ids ("TA0043"), names ride alongside in the same order.
      simdjson::dom::array tactics = inc["tactics"].get_array().value();
      simdjson::dom::array names = inc["tactic_names"].get_array().value();
      ASSERT_GT(tactics.size(), 0u);
      EXPECT_EQ(tactics.size(), names.size());
      for (simdjson::dom::element t : tactics) {
        std::string_view id = t.get_string().value();
        EXPECT_EQ(id.substr(0, 2), "TA") << id;
      }
      first = false;
    }
    covered += inc["alerts"].get_array().value().size();
  }
  EXPECT_EQ(covered, snap.alerts);
  // Without routine groups only the correlated incidents remain.
  ReportOptions lean;
  lean.with_routine = false;
  std::string small = render_json(snap, lean);
  EXPECT_LT(small.size(), json.size());
  EXPECT_EQ(small.find("RTN-"), std::string::npos);
}

TEST(ReportTest, HtmlIsSelfContained) {
  Snapshot snap = attack_snapshot();
  std::string html = render_html(snap, ReportOptions{});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("What happened:"), std::string::npos);
  for (const char* banned : {"<script", " src=", "href=", "@import", "url("}) {
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  }
  // The only URL is the SVG namespace, which is a name, not a fetch.
  size_t http = html.find("http");
  EXPECT_EQ(html.substr(http, 26), "http://www.w3.org/2000/svg");
  EXPECT_EQ(html.find("http", http + 1), std::string::npos);
}

}  // namespace
}  // namespace vigil::triage
