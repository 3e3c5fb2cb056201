// Engine: correlation as signals joining the incidents they touch.
//
// Most alerts are routine, and routine alerts never start or join anything: they are collapsed
// into one auto-closed group per alert type (signature on host). Only *signals* correlate — an
// alert type starting an episode (or bursting) with a surprise, from the baseline, above a
// threshold. Strong signals may open an incident; weak ones may only join one, so mildly unusual
// types add context to real activity but never create work on their own.
//
// A signal joins every open incident it is related to, and incidents it links are merged (the
// reason is recorded):
//   - by entity: it shares a host, user, address, file... with the incident, and that entity
//     was itself anomalous in the incident recently (each entity keeps its own clock, so one busy
//     host cannot drag a days-old incident along);
//   - by time: it falls shortly after the incident's core activity, on any entity — the way a
//     scan touches many hosts at once. The window widens with the incident's heat (its decayed
//     summed surprise): during a large attack, other anomalies are more likely part of it. Time
//     joins do not advance the incident's core clock, so unrelated anomalies cannot chain a
//     quiet incident forward hour after hour;
//   - by stage: it shares an entity and names a later ATT&CK tactic than the incident has, within
//     a day — scan, exploitation, privilege escalation and exfiltration stay one story.
// Once an alert type is in an incident, its further alerts follow it while the incident is hot
// or while the type keeps firing at burst volume; afterwards they are routine again.
//
// Everything is keyed by interned ids and the per-alert path is a few array lookups; the
// candidate search over open incidents runs only for signals, which are rare.
#include "triage/engine.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/text.h"
#include "triage/engine_internal.h"

namespace vigil::triage {

namespace {

constexpr double kUsPerHour = 3600.0 * 1e6;

uint64_t mix64(uint64_t x) {
  x ^= x >> 31;
  x *= 0x9e3779b97f4a7c15ULL;
  x ^= x >> 29;
  return x;
}

std::string minutes(int64_t us) {
  char buf[48];
  double m = static_cast<double>(us) / 60e6;
  if (m < 120) {
    std::snprintf(buf, sizeof buf, "%.0f min", m);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f h", m / 60);
  }
  return buf;
}

}  // namespace

uint64_t stable_hash(std::string_view a, std::string_view b, std::string_view c, int64_t t) {
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  XXH3_64bits_update(st, a.data(), a.size());
  XXH3_64bits_update(st, "\x1f", 1);
  XXH3_64bits_update(st, b.data(), b.size());
  XXH3_64bits_update(st, "\x1f", 1);
  XXH3_64bits_update(st, c.data(), c.size());
  XXH3_64bits_update(st, &t, sizeof t);
  uint64_t h = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  return h;
}

void EntityTracker::add(const PreparedAlert& a) {
  for (int k = 0; k < kEntityKinds; ++k) {
    uint32_t v = a.entities[k];
    if (v == 0 || v == last[k]) continue;
    last[k] = v;
    auto& vs = values[k];
    if (std::find(vs.begin(), vs.end(), v) != vs.end()) continue;
    if (vs.size() < kPerKind) {
      vs.push_back(v);
    } else {
      more[k]++;
    }
  }
}

void EntityTracker::merge(const EntityTracker& other) {
  for (int k = 0; k < kEntityKinds; ++k) {
    for (uint32_t v : other.values[k]) {
      auto& vs = values[k];
      if (std::find(vs.begin(), vs.end(), v) != vs.end()) continue;
      if (vs.size() < kPerKind) {
        vs.push_back(v);
      } else {
        more[k]++;
      }
    }
    more[k] += other.more[k];
  }
}

uint32_t Engine::Impl::primary_entity(const PreparedAlert& a) const {
  for (EntityKind k : {EntityKind::kHost, EntityKind::kHostIp, EntityKind::kDstIp,
                       EntityKind::kSrcIp, EntityKind::kUser}) {
    uint32_t v = a.entities[static_cast<int>(k)];
    if (v != 0) return v;
  }
  return 0;
}

std::string Engine::Impl::host_of_key(uint32_t key) const {
  return std::string(strings.str(baseline.key(key).entity));
}

Engine::Engine(EngineOptions opts) : opts_(opts), impl_(std::make_unique<Impl>(opts)) {
  impl_->signature_slots.assign(256, UINT64_MAX);
  impl_->signature_index.assign(256, 0);
  impl_->entity_signature_seen.assign(1024, UINT64_MAX);
}

Engine::~Engine() = default;

void Engine::apply_state(const TriageState& state) {
  Impl& m = *impl_;
  m.suppressions.clear();
  for (const Suppression& s : state.suppressions()) m.suppressions.push_back(s.key);
  m.confirmations = state.confirmed();
  // Resolve against signatures already registered; later ones resolve in prepare().
  for (SignatureInfo& sig : m.signatures) {
    sig.suppressed_hosts.clear();
    sig.confirmed_hosts.clear();
    std::string_view sensor = m.strings.str(sig.sensor);
    std::string_view rule = m.strings.str(sig.rule);
    for (const KeyRef& k : m.suppressions) {
      if (k.sensor == sensor && k.rule == rule) sig.suppressed_hosts.push_back(m.strings.intern(k.host));
    }
    for (const KeyRef& k : m.confirmations) {
      if (k.sensor == sensor && k.rule == rule) sig.confirmed_hosts.push_back(m.strings.intern(k.host));
    }
  }
}

PreparedAlert Engine::prepare(const Alert& alert) {
  Impl& m = *impl_;
  PreparedAlert p;
  p.time_us = alert.time_us;
  p.record = alert.record;
  uint32_t sensor = m.strings.intern(alert.sensor);
  uint32_t rule = m.strings.intern(alert.rule_id.empty() ? alert.title : alert.rule_id);
  uint64_t packed = (uint64_t{sensor} << 32) | rule;
  size_t mask = m.signature_slots.size() - 1;
  size_t i = mix64(packed) & mask;
  for (;; i = (i + 1) & mask) {
    if (m.signature_slots[i] == UINT64_MAX) break;
    if (m.signature_slots[i] == packed) {
      p.signature = m.signature_index[i];
      break;
    }
  }
  if (m.signature_slots[i] == UINT64_MAX) {
    SignatureInfo sig;
    sig.sensor = sensor;
    sig.rule = rule;
    sig.title = m.strings.intern(alert.title.empty() ? alert.rule_id : alert.title);
    sig.category = m.strings.intern(alert.category);
    sig.severity = alert.severity;
    sig.tactics = alert.tactics != 0 ? alert.tactics : infer_tactics(alert.title);
    for (int t = 0; t < kMaxTechniques; ++t) sig.techniques[t] = m.strings.intern(alert.techniques[t]);
    for (const KeyRef& k : m.suppressions) {
      if (k.sensor == alert.sensor && k.rule == m.strings.str(rule)) {
        sig.suppressed_hosts.push_back(m.strings.intern(k.host));
      }
    }
    for (const KeyRef& k : m.confirmations) {
      if (k.sensor == alert.sensor && k.rule == m.strings.str(rule)) {
        sig.confirmed_hosts.push_back(m.strings.intern(k.host));
      }
    }
    p.signature = static_cast<uint32_t>(m.signatures.size());
    m.signatures.push_back(std::move(sig));
    m.signature_slots[i] = packed;
    m.signature_index[i] = p.signature;
    if (m.signatures.size() * 2 > m.signature_slots.size()) {
      std::vector<uint64_t> slots(m.signature_slots.size() * 2, UINT64_MAX);
      std::vector<uint32_t> index(slots.size(), 0);
      size_t mk = slots.size() - 1;
      for (size_t j = 0; j < m.signature_slots.size(); ++j) {
        if (m.signature_slots[j] == UINT64_MAX) continue;
        size_t q = mix64(m.signature_slots[j]) & mk;
        while (slots[q] != UINT64_MAX) q = (q + 1) & mk;
        slots[q] = m.signature_slots[j];
        index[q] = m.signature_index[j];
      }
      m.signature_slots.swap(slots);
      m.signature_index.swap(index);
    }
  } else {
    // Keep the strongest severity and every tactic a sensor ever named for the signature.
    SignatureInfo& sig = m.signatures[p.signature];
    if (alert.severity > sig.severity) sig.severity = alert.severity;
    sig.tactics |= alert.tactics;
  }
  for (int k = 0; k < kEntityKinds; ++k) p.entities[k] = m.strings.intern(alert.entities[k]);
  return p;
}

namespace {

// The association window of an incident at time t: `base` widened by the incident's heat.
int64_t widen(const IncidentState& inc, int64_t base, int64_t t, const EngineOptions& o) {
  double hours = static_cast<double>(t - inc.heat_us) / kUsPerHour;
  double heat = inc.heat * std::exp(-std::max(0.0, hours) / o.heat_memory_hours);
  return static_cast<int64_t>(static_cast<double>(base) * (1 + o.heat_gain * std::log1p(heat / 10)));
}

void add_heat(IncidentState& inc, double s, int64_t t, const EngineOptions& o) {
  double hours = static_cast<double>(t - inc.heat_us) / kUsPerHour;
  inc.heat = inc.heat * std::exp(-std::max(0.0, hours) / o.heat_memory_hours) + s;
  inc.heat_us = t;
}

}  // namespace

// Counts distinct signatures per entity among signals, to recognise hubs.
bool Engine::Impl::is_hub(uint32_t entity, uint32_t signature, uint32_t limit) {
  Impl& m = *this;
  if (entity >= m.entity_signatures.size()) m.entity_signatures.resize(entity + 1, 0);
  uint64_t packed = (uint64_t{signature} << 32) | entity;
  size_t mask = m.entity_signature_seen.size() - 1;
  size_t i = mix64(packed) & mask;
  bool found = false;
  for (;; i = (i + 1) & mask) {
    if (m.entity_signature_seen[i] == UINT64_MAX) break;
    if (m.entity_signature_seen[i] == packed) {
      found = true;
      break;
    }
  }
  if (!found) {
    m.entity_signature_seen[i] = packed;
    m.entity_signatures[entity]++;
    if (++m.entity_signature_count * 2 > m.entity_signature_seen.size()) {
      std::vector<uint64_t> next(m.entity_signature_seen.size() * 2, UINT64_MAX);
      size_t mk = next.size() - 1;
      for (uint64_t v : m.entity_signature_seen) {
        if (v == UINT64_MAX) continue;
        size_t q = mix64(v) & mk;
        while (next[q] != UINT64_MAX) q = (q + 1) & mk;
        next[q] = v;
      }
      m.entity_signature_seen.swap(next);
    }
  }
  return m.entity_signatures[entity] > limit;
}

void Engine::Impl::merge(uint32_t root, uint32_t other, std::string note, int64_t t,
                         const EngineOptions& o) {
  IncidentState& dst = incidents[root];
  IncidentState& src = incidents[other];
  src.parent = root;
  dst.merges.push_back(std::move(note));
  for (std::string& n : src.merges) dst.merges.push_back(std::move(n));
  for (const KeyEntry& e : src.keys) {
    auto same = std::find_if(dst.keys.begin(), dst.keys.end(), [&](const KeyEntry& x) { return x.key == e.key; });
    if (same != dst.keys.end()) {
      // The type was in both: one entry, the larger surprise, the counts added.
      same->count += e.count;
      same->first_us = std::min(same->first_us, e.first_us);
      same->last_us = std::max(same->last_us, e.last_us);
      if (e.surprise > same->surprise) {
        same->surprise = e.surprise;
        same->novelty = e.novelty;
        same->periodic = e.periodic;
      }
      same->burst_ratio = std::max(same->burst_ratio, e.burst_ratio);
      same->suppressed = same->suppressed && e.suppressed;
      if (key_incident[e.key] == other) {
        key_incident[e.key] = root;
        key_slot[e.key] = static_cast<uint32_t>(same - dst.keys.begin());
      }
      continue;
    }
    if (key_incident[e.key] == other) {
      key_incident[e.key] = root;
      key_slot[e.key] = static_cast<uint32_t>(dst.keys.size());
    }
    dst.keys.push_back(e);
  }
  for (const EntityClock& ec : src.clocks) {
    auto it = std::find_if(dst.clocks.begin(), dst.clocks.end(),
                           [&](const EntityClock& x) { return x.entity == ec.entity; });
    if (it == dst.clocks.end()) {
      dst.clocks.push_back(ec);
    } else {
      it->last_us = std::max(it->last_us, ec.last_us);
    }
  }
  dst.records.insert(dst.records.end(), src.records.begin(), src.records.end());
  if (o.max_records != 0 && dst.records.size() > o.max_records) dst.records.resize(o.max_records);
  dst.alert_count += src.alert_count;
  src.alert_count = 0;
  dst.seen.merge(src.seen);
  dst.first_us = std::min(dst.first_us, src.first_us);
  dst.last_us = std::max(dst.last_us, src.last_us);
  dst.core_us = std::max(dst.core_us, src.core_us);
  add_heat(dst, 0, t, o);
  add_heat(src, 0, t, o);
  dst.heat += src.heat;
  dst.tactics |= src.tactics;
  dst.max_severity = std::max(dst.max_severity, src.max_severity);
  dst.max_burst = std::max(dst.max_burst, src.max_burst);
  dst.confirmed |= src.confirmed;
  src.keys.clear();
  src.records.clear();
  src.clocks.clear();
  src.merges.clear();
}

void Engine::add(const PreparedAlert& a) {
  Impl& m = *impl_;
  const EngineOptions& o = opts_;
  int64_t t = std::max(a.time_us, m.now_us);
  if (!m.started) {
    m.started = true;
    m.first_us = t;
  }
  m.now_us = t;
  ++alerts_;
  auto bucket = static_cast<size_t>((t - m.first_us) / m.bucket_us);
  while (bucket >= Impl::kMaxBuckets) {
    for (size_t b = 0; b < m.volume.size(); ++b) {
      if (b % 2 == 0) {
        m.volume[b / 2] = m.volume[b];
      } else {
        m.volume[b / 2] += m.volume[b];
      }
    }
    m.volume.resize((m.volume.size() + 1) / 2);
    m.bucket_us *= 2;
    bucket = static_cast<size_t>((t - m.first_us) / m.bucket_us);
  }
  if (bucket >= m.volume.size()) m.volume.resize(bucket + 1, 0);
  m.volume[bucket]++;
  const SignatureInfo& sig = m.signatures[a.signature];
  uint32_t host = a.entities[static_cast<int>(EntityKind::kHost)];
  uint32_t entity = m.primary_entity(a);
  Observation obs = m.baseline.observe(a.signature, entity, t);
  uint32_t key = obs.key;
  if (key >= m.key_incident.size()) {
    size_t n = m.baseline.key_count();
    m.key_incident.resize(n, kNone);
    m.key_slot.resize(n, 0);
    m.key_routine.resize(n, kNone);
    m.key_suppressed.resize(n, kNone);
    m.key_window_mark.resize(n, 0);
    m.key_window_count.resize(n, 0);
    m.key_last_incident.resize(n, kNone);
  }
  if (obs.window_start) {
    uint32_t g = m.key_routine[key];
    m.key_window_mark[key] = g == kNone ? 0 : static_cast<uint32_t>(m.groups[g].records.size());
    m.key_window_count[key] = g == kNone ? 0 : m.groups[g].count;
  }
  if (obs.new_episode) m.key_incident[key] = kNone;

  bool signal_point = obs.new_episode || obs.novelty == Novelty::kBurst;
  double s = obs.surprise;
  if (signal_point && sig.severity >= 70) s += sig.severity >= 90 ? 2 : 1;
  if (signal_point && sig.severity >= 0) s += o.severity_prior_nats * (sig.severity - 50) / 25.0;
  uint32_t scope = host != 0 ? host : entity;
  bool confirmed = std::find(sig.confirmed_hosts.begin(), sig.confirmed_hosts.end(), scope) !=
                   sig.confirmed_hosts.end();
  if (confirmed && signal_point) s = std::max(s, o.strong_surprise);
  bool suppressed = !sig.suppressed_hosts.empty() &&
                    std::find(sig.suppressed_hosts.begin(), sig.suppressed_hosts.end(), scope) !=
                        sig.suppressed_hosts.end() &&
                    obs.novelty != Novelty::kBurst;

  auto to_group = [&](bool as_suppressed, bool weak) {
    std::vector<uint32_t>& index = as_suppressed ? m.key_suppressed : m.key_routine;
    if (index[key] == kNone) {
      index[key] = static_cast<uint32_t>(m.groups.size());
      RoutineGroup g;
      g.key = key;
      g.suppressed = as_suppressed;
      g.first_us = t;
      m.groups.push_back(std::move(g));
    }
    RoutineGroup& g = m.groups[index[key]];
    g.count++;
    g.last_us = t;
    if (weak) g.weak_signals++;
    if (signal_point && s > g.surprise) {
      g.surprise = static_cast<float>(s);
      g.novelty = obs.novelty;
    }
    if (o.max_records == 0 || g.records.size() < o.max_records) g.records.push_back(a.record);
    g.seen.add(a);
  };

  auto add_to_incident = [&](uint32_t root, double surprise, bool as_signal) {
    IncidentState& inc = m.incidents[root];
    inc.last_us = t;
    inc.alert_count++;
    if (o.max_records == 0 || inc.records.size() < o.max_records) inc.records.push_back(a.record);
    inc.seen.add(a);
    if (m.key_incident[key] != root) {
      m.key_incident[key] = root;
      m.key_last_incident[key] = root;
      m.key_slot[key] = static_cast<uint32_t>(inc.keys.size());
      KeyEntry e;
      e.key = key;
      e.first_us = t;
      inc.keys.push_back(e);
    }
    KeyEntry& e = inc.keys[m.key_slot[key]];
    e.count++;
    e.last_us = t;
    if (suppressed) {
      // A type judged benign rides along for context but adds no evidence.
      e.suppressed = true;
      return;
    }
    if (as_signal) {
      if (surprise > e.surprise) {
        e.surprise = static_cast<float>(surprise);
        e.novelty = obs.novelty;
        e.periodic = obs.periodic;
      }
      e.burst_ratio = std::max(e.burst_ratio, obs.burst_ratio);
      inc.max_burst = std::max(inc.max_burst, obs.burst_ratio);
      inc.tactics |= sig.tactics;
      inc.max_severity = std::max(inc.max_severity, sig.severity);
      inc.confirmed |= confirmed;
    }
  };

  if (signal_point && s >= o.weak_surprise) {
    // A suppressed type may join what other evidence opened, never open anything itself.
    bool strong = !suppressed && s >= o.strong_surprise;
    // Entities this alert can join by: every entity it names, except hubs.
    uint32_t joinable[kEntityKinds];
    int njoin = 0;
    for (int k = 0; k < kEntityKinds; ++k) {
      uint32_t v = a.entities[k];
      if (v == 0 || std::find(joinable, joinable + njoin, v) != joinable + njoin) continue;
      if (m.is_hub(v, a.signature, o.hub_signatures)) continue;
      joinable[njoin++] = v;
    }
    struct Candidate {
      uint32_t root;
      bool by_entity;  // a shared entity anomalous there recently: advances the core clock
      std::string why;
    };
    std::vector<Candidate> cands;
    std::vector<uint32_t> still_open;
    for (uint32_t id : m.open) {
      uint32_t r = m.find(id);
      if (r != id) continue;  // merged away
      IncidentState& inc = m.incidents[r];
      int64_t longest = std::max({widen(inc, o.entity_window_us, t, o), o.chain_window_us,
                                  o.recurrence_window_us, widen(inc, o.time_window_us, t, o)});
      if (t - inc.last_us > longest && t - inc.core_us > longest) continue;  // closed for good
      still_open.push_back(r);
      Candidate c{r, false, {}};
      bool matched = false;
      for (const EntityClock& ec : inc.clocks) {
        if (std::find(joinable, joinable + njoin, ec.entity) == joinable + njoin) continue;
        if (t - ec.last_us <= o.entity_window_us) {
          c.by_entity = true;
          c.why = "shared " + std::string(m.strings.str(ec.entity)) + " (anomalous there " +
                  minutes(t - ec.last_us) + " earlier)";
          matched = true;
          break;
        }
        // A later attack stage on an entity of the incident.
        int lowest = inc.tactics ? __builtin_ctz(inc.tactics) : kTacticCount;
        int highest_new = sig.tactics ? 31 - __builtin_clz(sig.tactics) : -1;
        if (highest_new > lowest && t - inc.last_us <= o.chain_window_us) {
          c.why = "later attack stage (" +
                  std::string(tactic_name(static_cast<Tactic>(highest_new))) + ") on shared " +
                  std::string(m.strings.str(ec.entity));
          matched = true;
          break;
        }
      }
      if (!matched) {
        int64_t window = widen(inc, strong ? o.time_window_us : o.weak_window_us, t, o);
        if (t - inc.core_us <= window) {
          c.why = "within " + minutes(t - inc.core_us) + " of its activity";
          matched = true;
        }
      }
      if (matched) cands.push_back(std::move(c));
    }
    m.open.swap(still_open);
    // Nothing related by entity, time or stage: a recurrence of an alert type that belonged to
    // an incident within the recurrence window is the same issue coming back. It joins that
    // incident alone (it never merges two) and does not move its clocks.
    bool recurrence = false;
    if (cands.empty() && m.key_last_incident[key] != kNone) {
      uint32_t r = m.find(m.key_last_incident[key]);
      if (t - m.incidents[r].last_us <= o.recurrence_window_us) {
        cands.push_back({r, false, "recurrence"});
        recurrence = true;
      }
    }

    uint32_t root = kNone;
    bool by_entity = false;
    if (!cands.empty()) {
      // The hottest candidate absorbs the others.
      auto hotter = [&](const Candidate& x, const Candidate& y) {
        return m.incidents[x.root].heat > m.incidents[y.root].heat;
      };
      std::sort(cands.begin(), cands.end(), hotter);
      root = cands[0].root;
      for (const Candidate& c : cands) by_entity |= c.by_entity;
      for (size_t ci = 1; ci < cands.size(); ++ci) {
        char id[16];
        std::snprintf(id, sizeof id, "INC-%08x", static_cast<uint32_t>(m.incidents[cands[ci].root].seed_hash));
        m.merge(root, cands[ci].root,
                "absorbed " + std::string(id) + " when " + std::string(m.strings.str(sig.title)) +
                    " linked both: " + cands[0].why + "; " + cands[ci].why,
                t, o);
      }
    } else if (strong) {
      root = static_cast<uint32_t>(m.incidents.size());
      IncidentState inc;
      inc.parent = root;
      inc.seed_hash = stable_hash(m.strings.str(sig.sensor), m.strings.str(sig.rule),
                                  m.strings.str(entity), t);
      inc.first_us = t;
      inc.core_us = t;
      inc.heat_us = t;
      m.incidents.push_back(std::move(inc));
      m.open.push_back(root);
      by_entity = true;
    }
    if (root != kNone) {
      IncidentState& inc = m.incidents[root];
      if (strong && !recurrence) {
        if (by_entity) inc.core_us = t;
        for (int j = 0; j < njoin; ++j) {
          auto it = std::find_if(inc.clocks.begin(), inc.clocks.end(),
                                 [&](const EntityClock& x) { return x.entity == joinable[j]; });
          if (it == inc.clocks.end()) {
            inc.clocks.push_back({joinable[j], t});
          } else {
            it->last_us = t;
          }
        }
      }
      bool attaching = m.key_incident[key] != root;
      if (!suppressed && (attaching || inc.keys[m.key_slot[key]].surprise < s)) add_heat(inc, s, t, o);
      add_to_incident(root, s, true);
      if (attaching && obs.novelty == Novelty::kBurst && m.key_routine[key] != kNone) {
        // The burst began before it was recognised: its earlier alerts in this window were
        // filed as routine; they belong to the incident.
        RoutineGroup& g = m.groups[m.key_routine[key]];
        size_t mark = std::min<size_t>(m.key_window_mark[key], g.records.size());
        uint64_t moved = g.count - std::min(m.key_window_count[key], g.count);
        inc.records.insert(inc.records.end(), g.records.begin() + static_cast<ptrdiff_t>(mark), g.records.end());
        if (o.max_records != 0 && inc.records.size() > o.max_records) inc.records.resize(o.max_records);
        g.records.resize(mark);
        g.count -= moved;
        inc.alert_count += moved;
        inc.keys[m.key_slot[key]].count += moved;
      }
      return;
    }
    to_group(suppressed, !suppressed);
    return;
  }

  if (m.key_incident[key] != kNone) {
    uint32_t root = m.find(m.key_incident[key]);
    m.key_incident[key] = root;
    IncidentState& inc = m.incidents[root];
    // A type keeps following its incident while the incident is hot, or for as long as it goes
    // on firing at burst volume (a long scan stays whole).
    if (t - inc.core_us <= widen(inc, o.continuation_us, t, o) || obs.heavy) {
      add_to_incident(root, 0, false);
      return;
    }
    m.key_incident[key] = kNone;
  }
  to_group(suppressed, false);
}

}  // namespace vigil::triage
