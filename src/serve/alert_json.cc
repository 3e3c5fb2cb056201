#include "serve/alert_json.h"

#include "core/time.h"

namespace vigil::serve {

void write_tactics(JsonWriter& w, triage::TacticSet set) {
  w.begin_array();
  for (int t = 0; t < triage::kTacticCount; ++t) {
    auto tactic = static_cast<triage::Tactic>(t);
    if (triage::has_tactic(set, tactic)) w.value(triage::tactic_name(tactic));
  }
  w.end_array();
}

void write_alert_fields(JsonWriter& w, const triage::Alert& alert) {
  w.field("time", format_time_us(alert.time_us));
  w.field("sensor", alert.sensor).field("rule", alert.rule_id).field("title", alert.title);
  if (!alert.category.empty()) w.field("category", alert.category);
  if (alert.severity >= 0) w.field("severity", alert.severity);
  w.key("tactics");
  write_tactics(w, alert.tactics);
  w.key("techniques").begin_array();
  for (std::string_view technique : alert.techniques) {
    if (!technique.empty()) w.value(technique);
  }
  w.end_array();
}

}  // namespace vigil::serve
