// Baseline persistence: the per-signature and per-alert-type statistics as one JSON document,
// keyed by strings (sensor, rule, entity) so it survives across runs whose interned ids differ.
// Times are integer microseconds and masses doubles, so a save/load/save round trip is exact.
#include <simdjson.h>


#include "core/json_writer.h"
#include "triage/engine.h"
#include "triage/engine_internal.h"

namespace vigil::triage {

std::string Engine::save_baseline() const {
  const Impl& m = *impl_;
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("version", 1);
  w.field("start_us", m.baseline.started() ? m.baseline.start_us() : int64_t{0});
  w.line_break().key("signatures").begin_array();
  for (size_t i = 0; i < m.signatures.size(); ++i) {
    const SignatureInfo& sig = m.signatures[i];
    const SignatureStats& st = m.baseline.signature(static_cast<uint32_t>(i));
    w.line_break().begin_object();
    w.field("sensor", m.strings.str(sig.sensor)).field("rule", m.strings.str(sig.rule));
    w.field("title", m.strings.str(sig.title));
    w.field("mass", st.episode_mass).field("mass_us", st.mass_us).field("last_us", st.last_us);
    w.field("seen", int64_t{st.seen});
    w.end_object();
  }
  w.end_array();
  w.line_break().key("keys").begin_array();
  for (size_t i = 0; i < m.baseline.key_count(); ++i) {
    const KeyStats& k = m.baseline.key(static_cast<uint32_t>(i));
    w.line_break().begin_object();
    w.field("signature", int64_t{k.signature}).field("entity", m.strings.str(k.entity));
    w.field("alerts", k.alerts).field("episodes", int64_t{k.episodes});
    w.field("episode_alerts", int64_t{k.episode_alerts}).field("periodic_starts", int64_t{k.periodic_starts});
    w.field("first_us", k.first_us).field("last_us", k.last_us).field("episode_start_us", k.episode_start_us);
    w.field("mass", k.episode_mass).field("mass_us", k.mass_us);
    w.key("starts").begin_array();
    for (int64_t start : k.recent_starts) w.value(start);
    w.end_array();
    w.field("next_start", int64_t{k.recent_next}).field("window", k.window);
    w.field("window_alerts", int64_t{k.window_alerts}).field("next_burst", int64_t{k.next_burst});
    w.field("previous_window_alerts", int64_t{k.previous_window_alerts});
    w.field("peak", k.peak).field("peak_us", k.peak_us);
    w.end_object();
  }
  w.end_array().end_object();
  out += '\n';
  return out;
}

Status Engine::load_baseline(std::string_view json) {
  Impl& m = *impl_;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return Corrupt(std::string("baseline is not JSON: ") + simdjson::error_message(err));
  }
  int64_t version = 0;
  if (root["version"].get_int64().get(version) || version != 1) return Corrupt("baseline: unknown version");
  simdjson::dom::array sigs, keys;
  if (root["signatures"].get_array().get(sigs) || root["keys"].get_array().get(keys)) {
    return Corrupt("baseline: missing signatures or keys");
  }
  auto str = [](simdjson::dom::element e, const char* k) {
    std::string_view v;
    return e[k].get_string().get(v) ? std::string_view{} : v;
  };
  auto i64 = [](simdjson::dom::element e, const char* k) {
    int64_t v = 0;
    return e[k].get_int64().get(v) ? int64_t{0} : v;
  };
  auto dbl = [](simdjson::dom::element e, const char* k) {
    double v = 0;
    return e[k].get_double().get(v) ? 0.0 : v;
  };
  // Signatures are registered as if an alert of each had been prepared.
  std::vector<uint32_t> index;
  for (simdjson::dom::element s : sigs) {
    Alert a;
    a.sensor = str(s, "sensor");
    a.rule_id = str(s, "rule");
    a.title = str(s, "title");
    if (a.rule_id.empty()) return Corrupt("baseline: a signature has no rule");
    uint32_t id = prepare(a).signature;
    index.push_back(id);
    SignatureStats st;
    st.episode_mass = dbl(s, "mass");
    st.mass_us = i64(s, "mass_us");
    st.last_us = i64(s, "last_us");
    st.seen = i64(s, "seen") != 0;
    m.baseline.restore_signature(id, st);
  }
  for (simdjson::dom::element k : keys) {
    int64_t sig = i64(k, "signature");
    if (sig < 0 || static_cast<size_t>(sig) >= index.size()) return Corrupt("baseline: key of an unknown signature");
    KeyStats ks;
    ks.signature = index[static_cast<size_t>(sig)];
    ks.entity = m.strings.intern(str(k, "entity"));
    ks.alerts = static_cast<uint64_t>(i64(k, "alerts"));
    ks.episodes = static_cast<uint32_t>(i64(k, "episodes"));
    ks.episode_alerts = static_cast<uint32_t>(i64(k, "episode_alerts"));
    ks.periodic_starts = static_cast<uint32_t>(i64(k, "periodic_starts"));
    ks.first_us = i64(k, "first_us");
    ks.last_us = i64(k, "last_us");
    ks.episode_start_us = i64(k, "episode_start_us");
    ks.episode_mass = dbl(k, "mass");
    ks.mass_us = i64(k, "mass_us");
    simdjson::dom::array starts;
    if (!k["starts"].get_array().get(starts)) {
      int j = 0;
      for (simdjson::dom::element v : starts) {
        if (j == KeyStats::kRecentStarts) break;
        int64_t t = 0;
        if (!v.get_int64().get(t)) ks.recent_starts[j] = t;
        ++j;
      }
    }
    ks.recent_next = static_cast<uint8_t>(i64(k, "next_start") % KeyStats::kRecentStarts);
    ks.window = i64(k, "window");
    ks.window_alerts = static_cast<uint32_t>(i64(k, "window_alerts"));
    ks.next_burst = static_cast<uint32_t>(i64(k, "next_burst"));
    ks.previous_window_alerts = static_cast<uint32_t>(i64(k, "previous_window_alerts"));
    ks.peak = dbl(k, "peak");
    ks.peak_us = i64(k, "peak_us");
    m.baseline.restore_key(ks);
  }
  int64_t start = i64(root, "start_us");
  if (start != 0 && !m.baseline.started()) m.baseline.set_start(start);
  return Status::Ok();
}

}  // namespace vigil::triage
