#include "serve/incident_doc.h"

#include <unordered_set>

#include <xxhash.h>

#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"
#include "serve/alert_json.h"

namespace vigil::serve {
namespace {

// The fields the queue and the page share.
void write_common(JsonWriter& w, const triage::Incident& inc, const std::vector<std::string>& hosts) {
  w.field("id", inc.id);
  w.field("status", triage::status_name(inc.status));
  w.field("score", inc.score);
  w.field("title", inc.title);
  w.field("first_seen", format_time_us(inc.first_us));
  w.field("last_seen", format_time_us(inc.last_us));
  w.field("alert_count", inc.alert_count);
  w.field("routine_group", inc.is_routine_group);
  w.key("hosts").begin_array();
  for (const auto& host : hosts) w.value(host);
  w.end_array();
  w.key("tactics");
  write_tactics(w, inc.tactics);
}

}  // namespace

uint64_t incident_fingerprint(const triage::Incident& inc) {
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  auto add = [state](const void* p, size_t n) { XXH64_update(state, p, n); };
  auto add_string = [&](const std::string& s) {
    add(s.data(), s.size());
    add("\0", 1);
  };
  add_string(inc.title);
  add_string(inc.narrative);
  add_string(inc.reason);
  add(&inc.status, sizeof inc.status);
  add(&inc.score, sizeof inc.score);
  add(&inc.first_us, sizeof inc.first_us);
  add(&inc.last_us, sizeof inc.last_us);
  add(&inc.alert_count, sizeof inc.alert_count);
  add(&inc.tactics, sizeof inc.tactics);
  size_t sizes[] = {inc.entities.size(), inc.groups.size(), inc.merges.size(), inc.factors.size()};
  add(sizes, sizeof sizes);
  for (const auto& f : inc.factors) add(&f.value, sizeof f.value);
  for (const auto& g : inc.groups) add(&g.count, sizeof g.count);
  uint64_t hash = XXH64_digest(state);
  XXH64_freeState(state);
  return hash;
}

IncidentRow incident_row(const triage::Incident& inc, size_t max_alerts) {
  IncidentRow row;
  row.id = inc.id;
  row.status = triage::status_name(inc.status);
  row.score = inc.score;
  row.title = inc.title;
  row.first_seen_us = inc.first_us;
  row.last_seen_us = inc.last_us;
  row.alert_count = static_cast<int64_t>(inc.alert_count);
  for (const auto& [kind, value] : inc.entities) {
    if (kind == triage::EntityKind::kHost) row.hosts.push_back(value);
  }

  // What the `q` filter searches: id, title, entities, signatures, reason.
  std::string search = inc.id + "\n" + inc.title + "\n" + inc.reason + "\n";
  for (const auto& [kind, value] : inc.entities) search += value + "\n";
  for (const auto& g : inc.groups) search += g.sensor + " " + g.rule + " " + g.title + "\n";
  row.search_text = to_lower(search);

  JsonWriter summary(row.summary);
  summary.begin_object();
  write_common(summary, inc, row.hosts);
  summary.end_object();

  JsonWriter w(row.doc);
  w.begin_object();
  write_common(w, inc, row.hosts);
  w.field("narrative", inc.narrative);
  w.field("reason", inc.reason);
  w.key("techniques").begin_array();
  for (const auto& t : inc.techniques) w.value(t);
  w.end_array();
  w.key("entities").begin_array();
  for (const auto& [kind, value] : inc.entities) {
    w.begin_object().field("kind", triage::entity_kind_name(kind)).field("value", value).end_object();
  }
  w.end_array();
  w.key("score_factors").begin_array();
  for (const auto& f : inc.factors) {
    w.begin_object().field("name", f.name).field("value", f.value).field("detail", f.detail).end_object();
  }
  w.end_array();
  w.key("groups").begin_array();
  for (const auto& g : inc.groups) {
    w.begin_object();
    w.field("sensor", g.sensor).field("rule", g.rule).field("title", g.title).field("host", g.host);
    w.field("count", g.count);
    w.field("first_seen", format_time_us(g.first_us)).field("last_seen", format_time_us(g.last_us));
    w.field("novelty", g.novelty).field("surprise", g.surprise);
    w.key("tactics");
    write_tactics(w, g.tactics);
    w.end_object();
  }
  w.end_array();
  w.key("merges").begin_array();
  for (const auto& m : inc.merges) w.value(m);
  w.end_array();
  // Stored alerts by seq, each once: a correlation's alert carries the seq of the alert that
  // completed it (it is derived, not stored), so that seq can appear twice in the engine's list.
  w.key("alerts").begin_array();
  std::unordered_set<uint64_t> listed;
  bool truncated = false;
  for (uint64_t seq : inc.alerts) {
    if (listed.count(seq) != 0) continue;
    if (listed.size() == max_alerts) {
      truncated = true;
      break;
    }
    listed.insert(seq);
    w.value(seq);
  }
  w.end_array();
  w.field("alerts_truncated", truncated);
  w.end_object();
  return row;
}

}  // namespace vigil::serve
