// Snapshot: turns the engine's live state into scored, titled, narrated incidents.
//
// Scoring happens here, not while feeding: an incident's score depends on everything it has
// absorbed so far, and a snapshot is cheap next to the stream (one pass over incidents and
// routine groups). Correlated incidents are scored and thresholded; routine groups carry the
// baseline's description of their habit as the reason they were closed. One exception, when
// asked for (EngineOptions::lone_evidence): a short capture in which nothing surfaced shows its
// most unusual closed evidence as one incident rather than closing everything on the prior.
#include <algorithm>
#include <cstdio>

#include "triage/engine.h"
#include "triage/engine_internal.h"
#include "triage/narrative.h"

namespace vigil::triage {

namespace {

std::string hex_id(const char* prefix, uint64_t h) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%s-%08x", prefix, static_cast<uint32_t>(h));
  return buf;
}

void fill_entities(const Interner& strings, const EntityTracker& seen, Incident& out) {
  for (int k = 0; k < kEntityKinds; ++k) {
    for (uint32_t v : seen.values[k]) {
      out.entities.emplace_back(static_cast<EntityKind>(k), std::string(strings.str(v)));
    }
  }
}

// What a closed incident or routine group would score with: for surfacing a short capture's
// most unusual closed evidence together (surface_lone_evidence).
struct Evidence {
  ScoreInput in;
  double best = 0;                      // its largest surprise
  std::string novelty;                  // routine groups: the kind of their largest surprise
  std::vector<std::string> techniques;
  bool routine_only = false;            // built only for this; not reported as routine
};

std::vector<std::string> techniques_of(const Interner& strings, const SignatureInfo& sig) {
  std::vector<std::string> out;
  for (uint32_t t : sig.techniques) {
    if (t != 0) out.emplace_back(strings.str(t));
  }
  return out;
}

// A capture shorter than one baseline memory in which nothing surfaced. With no history, every
// closed item was closed on the prior alone (for Sigma rules: their level), and auto-closing
// all of them means nobody looks at the capture at all. So its most unusual closed evidence --
// every closed correlation and routine group within `lone_margin` nats of the most surprising
// one -- becomes one surfaced incident, scored as usual (mostly below the threshold) and saying
// why.
// `incidents` holds only correlated incidents here (none surfaced), `evidence` beside them.
void surface_lone_evidence(Snapshot& snap, const std::vector<Evidence>& evidence,
                           std::vector<Incident>& routine, std::vector<Evidence>& routine_evidence,
                           double span_hours, const EngineOptions& o) {
  // The most unusual evidence, suppressed types included: once an analyst has dismissed a
  // capture's low hits, its informational background does not take their place.
  double best = 0;
  for (const Evidence& e : evidence) best = std::max(best, e.best);
  for (const Evidence& e : routine_evidence) best = std::max(best, e.best);
  if (best <= 0) return;
  const double floor = best - o.lone_margin;
  bool any = false;
  for (const Evidence& e : evidence) any |= e.best >= floor;
  for (size_t i = 0; i < routine.size(); ++i) {
    any |= routine[i].status == IncidentStatus::kAutoClosed && routine_evidence[i].best >= floor;
  }
  if (!any) return;
  struct Pick {
    Incident inc;
    const Evidence* ev;
  };
  std::vector<Pick> picks;
  std::vector<Incident> kept;
  for (size_t i = 0; i < snap.incidents.size(); ++i) {
    if (evidence[i].best >= floor) {
      picks.push_back({std::move(snap.incidents[i]), &evidence[i]});
    } else {
      kept.push_back(std::move(snap.incidents[i]));
    }
  }
  snap.incidents.swap(kept);
  std::vector<Evidence> chosen_routine;  // owns the routine evidence picked below
  chosen_routine.reserve(routine.size());
  for (size_t i = 0; i < routine.size();) {
    if (routine[i].status == IncidentStatus::kAutoClosed && routine_evidence[i].best >= floor) {
      chosen_routine.push_back(std::move(routine_evidence[i]));
      Incident inc = std::move(routine[i]);
      inc.groups[0].surprise = chosen_routine.back().best;
      inc.groups[0].novelty = chosen_routine.back().novelty;
      picks.push_back({std::move(inc), &chosen_routine.back()});
      routine.erase(routine.begin() + static_cast<ptrdiff_t>(i));
      routine_evidence.erase(routine_evidence.begin() + static_cast<ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  std::stable_sort(picks.begin(), picks.end(),
                   [](const Pick& a, const Pick& b) { return a.ev->best > b.ev->best; });
  Incident out;
  out.id = "INC" + picks.front().inc.id.substr(3);
  out.first_us = picks.front().inc.first_us;
  out.last_us = picks.front().inc.last_us;
  ScoreInput in;
  for (Pick& p : picks) {
    Incident& inc = p.inc;
    out.first_us = std::min(out.first_us, inc.first_us);
    out.last_us = std::max(out.last_us, inc.last_us);
    out.alert_count += inc.alert_count;
    out.tactics |= inc.tactics;
    for (auto& e : inc.entities) {
      if (std::find(out.entities.begin(), out.entities.end(), e) == out.entities.end()) {
        out.entities.push_back(std::move(e));
      }
    }
    for (const std::string& t : p.ev->techniques) {
      if (std::find(out.techniques.begin(), out.techniques.end(), t) == out.techniques.end()) {
        out.techniques.push_back(t);
      }
    }
    for (AlertGroup& g : inc.groups) out.groups.push_back(std::move(g));
    for (std::string& mg : inc.merges) out.merges.push_back(std::move(mg));
    out.alerts.insert(out.alerts.end(), inc.alerts.begin(), inc.alerts.end());
    in.surprises.insert(in.surprises.end(), p.ev->in.surprises.begin(), p.ev->in.surprises.end());
    in.tactics |= p.ev->in.tactics;
    in.own_chain = std::max(in.own_chain, p.ev->in.own_chain);
    in.max_burst_ratio = std::max(in.max_burst_ratio, p.ev->in.max_burst_ratio);
    in.max_severity = std::max(in.max_severity, p.ev->in.max_severity);
    in.confirmed |= p.ev->in.confirmed;
  }
  std::sort(out.alerts.begin(), out.alerts.end());
  std::stable_sort(out.groups.begin(), out.groups.end(), [](const AlertGroup& a, const AlertGroup& b) {
    if (a.surprise != b.surprise) return a.surprise > b.surprise;
    return a.count > b.count;
  });
  std::vector<std::string> hosts, sensors;
  for (const AlertGroup& g : out.groups) {
    if (g.surprise < o.score.spread_min_surprise) continue;
    if (std::find(hosts.begin(), hosts.end(), g.host) == hosts.end()) hosts.push_back(g.host);
    if (std::find(sensors.begin(), sensors.end(), g.sensor) == sensors.end()) sensors.push_back(g.sensor);
  }
  in.hosts = static_cast<int>(hosts.size());
  in.sensors = static_cast<int>(sensors.size());
  out.score = score_incident(in, o.score, &out.factors);
  out.status = IncidentStatus::kSurfaced;
  out.lone_evidence = true;
  char span[32], buf[400];
  if (span_hours < 2) {
    std::snprintf(span, sizeof span, "%.0f-minute", std::max(1.0, span_hours * 60));
  } else {
    std::snprintf(span, sizeof span, "%.1f-hour", span_hours);
  }
  std::snprintf(buf, sizeof buf,
                "the only evidence of a %s capture in which nothing reached the surfacing "
                "threshold: too short a stream to learn routine from, so its most unusual "
                "detections (%.1f nats, and any within %.1f of that) are shown rather than closed "
                "on their level alone",
                span, best, o.lone_margin);
  out.reason = buf;
  out.title = incident_title(out);
  out.narrative = write_narrative(out, 1, o.score.surface_threshold);
  snap.auto_closed -= picks.size();
  snap.surfaced = 1;
  snap.surfaced_alerts = out.alert_count;
  snap.incidents.insert(snap.incidents.begin(), std::move(out));
}

}  // namespace

Snapshot Engine::snapshot(bool with_alerts, bool with_routine) const {
  const Impl& m = *impl_;
  Snapshot snap;
  snap.alerts = alerts_;
  snap.first_us = m.first_us;
  snap.last_us = m.now_us;
  snap.volume.start_us = m.first_us;
  snap.volume.bucket_us = m.bucket_us;
  snap.volume.counts = m.volume;
  const ScoreOptions& so = opts_.score;

  auto group_of = [&](uint32_t key, uint64_t count, int64_t first, int64_t last) {
    const KeyStats& ks = m.baseline.key(key);
    const SignatureInfo& sig = m.signatures[ks.signature];
    AlertGroup g;
    g.sensor = m.strings.str(sig.sensor);
    g.rule = m.strings.str(sig.rule);
    g.title = m.strings.str(sig.title);
    g.host = m.strings.str(ks.entity);
    g.count = count;
    g.first_us = first;
    g.last_us = last;
    g.tactics = sig.tactics;
    return g;
  };

  std::vector<Incident> correlated;
  std::vector<Evidence> evidence;  // beside `correlated`, same order
  for (uint32_t i = 0; i < m.incidents.size(); ++i) {
    const IncidentState& st = m.incidents[i];
    if (st.parent != i || st.keys.empty()) continue;
    Incident inc;
    inc.id = hex_id("INC", st.seed_hash);
    inc.first_us = st.first_us;
    inc.last_us = st.last_us;
    inc.tactics = st.tactics;
    inc.alert_count = st.alert_count;
    inc.merges = st.merges;
    fill_entities(m.strings, st.seen, inc);
    // Hosts by the evidence they carry, so titles and narratives name the heart of it first.
    std::vector<std::pair<std::string, double>> host_weight;
    for (const KeyEntry& e : st.keys) {
      std::string host(m.strings.str(m.baseline.key(e.key).entity));
      auto hw = std::find_if(host_weight.begin(), host_weight.end(),
                             [&](const auto& p) { return p.first == host; });
      if (hw == host_weight.end()) {
        host_weight.emplace_back(host, e.surprise);
      } else {
        hw->second += e.surprise;
      }
    }
    auto weight_of = [&](const std::string& host) {
      for (const auto& [h, w] : host_weight) {
        if (h == host) return w;
      }
      return 0.0;
    };
    std::stable_sort(inc.entities.begin(), inc.entities.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first < b.first;
      if (a.first != EntityKind::kHost) return false;
      return weight_of(a.second) > weight_of(b.second);
    });
    ScoreInput in;
    std::vector<uint32_t> sensors;
    // Evidence per signature (its most surprising host) and the hosts that carried evidence.
    std::vector<std::pair<uint32_t, double>> by_signature;
    std::vector<uint32_t> evidence_hosts;
    for (const KeyEntry& e : st.keys) {
      AlertGroup g = group_of(e.key, e.count, e.first_us, e.last_us);
      g.surprise = e.surprise;
      g.novelty = e.novelty == Novelty::kNone ? "" : novelty_name(e.novelty);
      if (e.periodic && g.novelty == "rare return") g.novelty = "";
      if (e.suppressed) g.novelty = "suppressed";
      inc.groups.push_back(std::move(g));
      if (e.suppressed) continue;
      const KeyStats& ks = m.baseline.key(e.key);
      auto it = std::find_if(by_signature.begin(), by_signature.end(),
                             [&](const auto& p) { return p.first == ks.signature; });
      if (!so.novelty_per_signature) {
        in.surprises.push_back(e.surprise);
      } else if (it == by_signature.end()) {
        by_signature.emplace_back(ks.signature, e.surprise);
      } else {
        it->second = std::max<double>(it->second, e.surprise);
      }
      if (e.surprise >= so.spread_min_surprise &&
          std::find(evidence_hosts.begin(), evidence_hosts.end(), ks.entity) == evidence_hosts.end()) {
        evidence_hosts.push_back(ks.entity);
      }
      const SignatureInfo& sig = m.signatures[ks.signature];
      in.own_chain = std::max(in.own_chain, chain_length(sig.tactics));
      if (e.surprise >= so.spread_min_surprise &&
          std::find(sensors.begin(), sensors.end(), sig.sensor) == sensors.end()) {
        sensors.push_back(sig.sensor);
      }
      for (uint32_t tech : sig.techniques) {
        if (tech == 0) continue;
        std::string name(m.strings.str(tech));
        if (std::find(inc.techniques.begin(), inc.techniques.end(), name) == inc.techniques.end()) {
          inc.techniques.push_back(name);
        }
      }
    }
    std::sort(inc.groups.begin(), inc.groups.end(), [](const AlertGroup& a, const AlertGroup& b) {
      if (a.surprise != b.surprise) return a.surprise > b.surprise;
      return a.count > b.count;
    });
    for (const auto& [signature, surprise] : by_signature) in.surprises.push_back(surprise);
    in.hosts = static_cast<int>(evidence_hosts.size());
    in.sensors = static_cast<int>(sensors.size());
    in.tactics = st.tactics;
    in.max_burst_ratio = st.max_burst;
    in.max_severity = st.max_severity;
    in.confirmed = st.confirmed;
    inc.score = score_incident(in, so, &inc.factors);
    inc.title = incident_title(inc);
    char buf[400];
    if (inc.score >= so.surface_threshold && !corroborated(in, so, opts_.strong_surprise)) {
      inc.status = IncidentStatus::kAutoClosed;
      std::snprintf(buf, sizeof buf,
                    "score %.1f reaches the threshold, but on one unusual signature that nothing "
                    "corroborates (no second strongly unusual signature, other host or sensor, "
                    "attack stage, burst, or sensor severity of medium or more): an oddity, not "
                    "yet an incident",
                    inc.score);
    } else if (inc.score >= so.surface_threshold) {
      inc.status = IncidentStatus::kSurfaced;
      std::snprintf(buf, sizeof buf, "score %.1f reaches the surfacing threshold %.1f", inc.score,
                    so.surface_threshold);
    } else {
      inc.status = IncidentStatus::kAutoClosed;
      std::snprintf(buf, sizeof buf,
                    "score %.1f is below the surfacing threshold %.1f: too little evidence "
                    "beyond the baseline to need an analyst",
                    inc.score, so.surface_threshold);
    }
    inc.reason = buf;
    if (with_alerts) {
      inc.alerts = st.records;
      std::sort(inc.alerts.begin(), inc.alerts.end());
    }
    Evidence ev;
    ev.in = in;
    ev.techniques = inc.techniques;
    for (const AlertGroup& g : inc.groups) ev.best = std::max(ev.best, g.surprise);
    correlated.push_back(std::move(inc));
    evidence.push_back(std::move(ev));
  }
  std::vector<size_t> order(correlated.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const Incident& a = correlated[x];
    const Incident& b = correlated[y];
    if ((a.status == IncidentStatus::kSurfaced) != (b.status == IncidentStatus::kSurfaced)) {
      return a.status == IncidentStatus::kSurfaced;
    }
    return a.score > b.score;
  });
  std::vector<Evidence> correlated_evidence;
  {
    std::vector<Incident> sorted;
    for (size_t i : order) {
      sorted.push_back(std::move(correlated[i]));
      correlated_evidence.push_back(std::move(evidence[i]));
    }
    correlated.swap(sorted);
  }
  size_t rank = 0;
  for (Incident& inc : correlated) {
    if (inc.status == IncidentStatus::kSurfaced) {
      ++snap.surfaced;
      snap.surfaced_alerts += inc.alert_count;
      inc.narrative = write_narrative(inc, ++rank, so.surface_threshold);
    } else {
      ++snap.auto_closed;
    }
  }
  snap.incidents = std::move(correlated);

  // A short capture with nothing surfaced: routine groups are built even when not asked for,
  // since its most unusual closed evidence may be among them (see surface_lone_evidence).
  // Hours actually watched: this stream and any baseline loaded before it, without the assumed
  // quiet time before the first alert.
  const double span_hours = static_cast<double>(m.now_us - m.first_us) / 3.6e9;
  const double watched_hours =
      m.baseline.started()
          ? static_cast<double>(m.now_us - m.baseline.start_us()) / 3.6e9 - opts_.baseline.prior_quiet_hours
          : 0;
  const bool lone = opts_.lone_evidence && snap.surfaced == 0 && alerts_ > 0 &&
                    watched_hours < opts_.baseline.memory_hours;
  std::vector<Incident> routine;
  std::vector<Evidence> routine_evidence;
  for (const RoutineGroup& rg : m.groups) {
    if (rg.count == 0) continue;  // every alert moved into an incident
    if (rg.suppressed) {
      ++snap.suppressed;
    } else {
      ++snap.auto_closed;
    }
    if (!with_routine && !lone) continue;
    const KeyStats& ks = m.baseline.key(rg.key);
    const SignatureInfo& sig = m.signatures[ks.signature];
    Incident inc;
    inc.is_routine_group = true;
    inc.status = rg.suppressed ? IncidentStatus::kSuppressed : IncidentStatus::kAutoClosed;
    inc.id = hex_id(rg.suppressed ? "SUP" : "RTN",
                    stable_hash(m.strings.str(sig.sensor), m.strings.str(sig.rule),
                                m.strings.str(ks.entity), 0));
    inc.first_us = rg.first_us;
    inc.last_us = rg.last_us;
    inc.tactics = sig.tactics;
    inc.alert_count = rg.count;
    inc.groups.push_back(group_of(rg.key, rg.count, rg.first_us, rg.last_us));
    fill_entities(m.strings, rg.seen, inc);
    inc.title = incident_title(inc);
    if (rg.suppressed) {
      inc.reason = "matched an analyst's suppression of this alert type on this host";
    } else {
      inc.reason = "routine: " + m.baseline.describe_habit(rg.key);
      if (rg.weak_signals > 0) {
        inc.reason += "; mildly unusual " + std::to_string(rg.weak_signals) +
                      (rg.weak_signals == 1 ? " time" : " times") +
                      " but never alongside other anomalous activity";
      }
    }
    if (with_alerts) {
      inc.alerts = rg.records;
      std::sort(inc.alerts.begin(), inc.alerts.end());
    }
    Evidence ev;
    ev.best = rg.surprise;
    ev.novelty = rg.surprise > 0 ? novelty_name(rg.novelty) : "";
    ev.in.surprises.push_back(rg.surprise);
    ev.in.tactics = sig.tactics;
    ev.in.own_chain = chain_length(sig.tactics);
    ev.in.max_severity = sig.severity;
    ev.techniques = techniques_of(m.strings, sig);
    ev.routine_only = !with_routine;
    routine.push_back(std::move(inc));
    routine_evidence.push_back(std::move(ev));
  }
  if (lone) {
    surface_lone_evidence(snap, correlated_evidence, routine, routine_evidence, span_hours, opts_);
  }
  for (size_t i = 0; i < routine.size();) {
    if (routine_evidence[i].routine_only) {
      routine.erase(routine.begin() + static_cast<ptrdiff_t>(i));
      routine_evidence.erase(routine_evidence.begin() + static_cast<ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  std::stable_sort(routine.begin(), routine.end(), [](const Incident& a, const Incident& b) {
    if (a.status != b.status) return a.status < b.status;
    return a.alert_count > b.alert_count;
  });
  for (Incident& inc : routine) snap.incidents.push_back(std::move(inc));
  return snap;
}

}  // namespace vigil::triage
