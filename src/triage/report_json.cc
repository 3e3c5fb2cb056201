// JSON report: {"alerts": N, "incidents": [...]} with every incident's id, status, score and
// factors, title, narrative, reason, times, entities by kind, tactics, techniques, collapsed
// alert groups, merge notes and the 0-based input record numbers of its alerts.
#include <cstdio>

#include "core/event.h"
#include "core/time.h"
#include "triage/report.h"

namespace vigil::triage {

namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void key(std::string_view k) {
    comma();
    out_ += '"';
    json_escape(k, out_);
    out_ += "\":";
    fresh_ = true;
  }
  void str(std::string_view s) {
    comma();
    out_ += '"';
    json_escape(s, out_);
    out_ += '"';
  }
  void num(double v) {
    comma();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    out_ += buf;
  }
  void integer(uint64_t v) {
    comma();
    out_ += std::to_string(v);
  }
  void time(int64_t us) { str(format_time_us(us)); }
  void open(char c) {
    comma();
    out_ += c;
    fresh_ = true;
  }
  void close(char c) {
    out_ += c;
    fresh_ = false;
  }
  // Starts the next array element on a new line.
  void next_line() {
    comma();
    out_ += '\n';
    fresh_ = true;
  }

 private:
  void comma() {
    if (!fresh_) out_ += ',';
    fresh_ = false;
  }
  std::string& out_;
  bool fresh_ = true;
};

void write_incident(Writer& w, const Incident& inc) {
  w.open('{');
  w.key("id");
  w.str(inc.id);
  w.key("status");
  w.str(status_name(inc.status));
  w.key("score");
  w.num(inc.score);
  w.key("title");
  w.str(inc.title);
  w.key("narrative");
  w.str(inc.narrative);
  w.key("reason");
  w.str(inc.reason);
  w.key("first_seen");
  w.time(inc.first_us);
  w.key("last_seen");
  w.time(inc.last_us);
  w.key("alert_count");
  w.integer(inc.alert_count);
  w.key("score_factors");
  w.open('[');
  for (const Factor& f : inc.factors) {
    w.open('{');
    w.key("name");
    w.str(f.name);
    w.key("value");
    w.num(f.value);
    w.key("detail");
    w.str(f.detail);
    w.close('}');
  }
  w.close(']');
  w.key("entities");
  w.open('{');
  for (int k = 0; k < kEntityKinds; ++k) {
    bool any = false;
    for (const auto& [kind, value] : inc.entities) {
      if (static_cast<int>(kind) != k) continue;
      if (!any) {
        w.key(entity_kind_name(kind));
        w.open('[');
        any = true;
      }
      w.str(value);
    }
    if (any) w.close(']');
  }
  w.close('}');
  // ATT&CK tactic ids ("TA0006") in kill-chain order, and their names in the same order.
  for (bool names : {false, true}) {
    w.key(names ? "tactic_names" : "tactics");
    w.open('[');
    for (int t = 0; t < kTacticCount; ++t) {
      if (!has_tactic(inc.tactics, static_cast<Tactic>(t))) continue;
      w.str(names ? tactic_name(static_cast<Tactic>(t)) : tactic_id(static_cast<Tactic>(t)));
    }
    w.close(']');
  }
  w.key("techniques");
  w.open('[');
  for (const std::string& t : inc.techniques) w.str(t);
  w.close(']');
  w.key("groups");
  w.open('[');
  for (const AlertGroup& g : inc.groups) {
    w.open('{');
    w.key("sensor");
    w.str(g.sensor);
    w.key("rule");
    w.str(g.rule);
    w.key("title");
    w.str(g.title);
    w.key("host");
    w.str(g.host);
    w.key("count");
    w.integer(g.count);
    w.key("first_seen");
    w.time(g.first_us);
    w.key("last_seen");
    w.time(g.last_us);
    w.key("novelty");
    w.str(g.novelty);
    w.key("surprise");
    w.num(g.surprise);
    w.close('}');
  }
  w.close(']');
  w.key("merges");
  w.open('[');
  for (const std::string& m : inc.merges) w.str(m);
  w.close(']');
  w.key("alerts");
  w.open('[');
  for (uint64_t r : inc.alerts) w.integer(r);
  w.close(']');
  w.close('}');
}

}  // namespace

std::string render_json(const Snapshot& snap, const ReportOptions& opts) {
  std::string out;
  out.reserve(1024 + snap.alerts * 8);
  Writer w(out);
  w.open('{');
  w.key("alerts");
  w.integer(snap.alerts);
  w.key("surfaced");
  w.integer(snap.surfaced);
  w.key("auto_closed");
  w.integer(snap.auto_closed);
  w.key("suppressed");
  w.integer(snap.suppressed);
  w.key("surface_threshold");
  w.num(opts.surface_threshold);
  if (snap.alerts > 0) {
    w.key("first_seen");
    w.time(snap.first_us);
    w.key("last_seen");
    w.time(snap.last_us);
  }
  w.key("incidents");
  w.open('[');
  for (const Incident& inc : snap.incidents) {
    if (!opts.with_routine && inc.is_routine_group) continue;
    w.next_line();
    write_incident(w, inc);
  }
  w.close(']');
  w.close('}');
  out += '\n';
  return out;
}

}  // namespace vigil::triage
