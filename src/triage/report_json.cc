// JSON report: {"alerts": N, "incidents": [...]} with every incident's id, status, score and
// factors, title, narrative, reason, times, entities by kind, tactics, techniques, collapsed
// alert groups, merge notes and the 0-based input record numbers of its alerts.
#include "core/json_writer.h"
#include "core/time.h"
#include "triage/report.h"

namespace vigil::triage {

namespace {

// Scores and factors are shown to two decimals; times as ISO 8601 UTC.
void put_score(JsonWriter& w, std::string_view key, double v) { w.key(key).fixed(v, 2); }
void put_time(JsonWriter& w, std::string_view key, int64_t us) { w.field(key, format_time_us(us)); }

void write_incident(JsonWriter& w, const Incident& inc) {
  w.begin_object();
  w.field("id", inc.id).field("status", status_name(inc.status));
  put_score(w, "score", inc.score);
  w.field("title", inc.title).field("narrative", inc.narrative).field("reason", inc.reason);
  if (inc.lone_evidence) w.field("lone_evidence", true);
  put_time(w, "first_seen", inc.first_us);
  put_time(w, "last_seen", inc.last_us);
  w.field("alert_count", uint64_t{inc.alert_count});
  w.key("score_factors").begin_array();
  for (const Factor& f : inc.factors) {
    w.begin_object().field("name", f.name);
    put_score(w, "value", f.value);
    w.field("detail", f.detail).end_object();
  }
  w.end_array();
  w.key("entities").begin_object();
  for (int k = 0; k < kEntityKinds; ++k) {
    bool any = false;
    for (const auto& [kind, value] : inc.entities) {
      if (static_cast<int>(kind) != k) continue;
      if (!any) {
        w.key(entity_kind_name(kind)).begin_array();
        any = true;
      }
      w.value(value);
    }
    if (any) w.end_array();
  }
  w.end_object();
  // ATT&CK tactic ids ("TA0006") in kill-chain order, and their names in the same order.
  for (bool names : {false, true}) {
    w.key(names ? "tactic_names" : "tactics").begin_array();
    for (int t = 0; t < kTacticCount; ++t) {
      if (!has_tactic(inc.tactics, static_cast<Tactic>(t))) continue;
      w.value(names ? tactic_name(static_cast<Tactic>(t)) : tactic_id(static_cast<Tactic>(t)));
    }
    w.end_array();
  }
  w.key("techniques").begin_array();
  for (const std::string& t : inc.techniques) w.value(t);
  w.end_array();
  w.key("groups").begin_array();
  for (const AlertGroup& g : inc.groups) {
    w.begin_object();
    w.field("sensor", g.sensor).field("rule", g.rule).field("title", g.title).field("host", g.host);
    w.field("count", uint64_t{g.count});
    put_time(w, "first_seen", g.first_us);
    put_time(w, "last_seen", g.last_us);
    w.field("novelty", g.novelty);
    put_score(w, "surprise", g.surprise);
    w.end_object();
  }
  w.end_array();
  w.key("merges").begin_array();
  for (const std::string& m : inc.merges) w.value(m);
  w.end_array();
  w.key("alerts").begin_array();
  for (uint64_t r : inc.alerts) w.value(r);
  w.end_array();
  w.end_object();
}

}  // namespace

std::string render_json(const Snapshot& snap, const ReportOptions& opts) {
  std::string out;
  out.reserve(1024 + snap.alerts * 8);
  JsonWriter w(out);
  w.begin_object();
  w.field("alerts", uint64_t{snap.alerts}).field("surfaced", uint64_t{snap.surfaced});
  w.field("auto_closed", uint64_t{snap.auto_closed}).field("suppressed", uint64_t{snap.suppressed});
  put_score(w, "surface_threshold", opts.surface_threshold);
  if (snap.alerts > 0) {
    put_time(w, "first_seen", snap.first_us);
    put_time(w, "last_seen", snap.last_us);
  }
  w.key("incidents").begin_array();
  for (const Incident& inc : snap.incidents) {
    if (!opts.with_routine && inc.is_routine_group) continue;
    w.line_break();
    write_incident(w, inc);
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

}  // namespace vigil::triage
