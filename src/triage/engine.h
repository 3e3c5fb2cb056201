// Engine: the incremental triage engine. Fed alert by alert in time order, it learns routine,
// collapses identical alerts, joins anomalous ones into incidents by shared entity, time and
// attack stage, and can be asked for a scored, explained Snapshot at any moment (a server feeds
// it continuously; the CLI feeds a batch and takes one snapshot). Owns all its state; strings of
// an Alert are copied (interned) during add(). Not thread-safe: one thread feeds and snapshots,
// or the caller serialises access.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "triage/alert.h"
#include "triage/baseline.h"
#include "triage/incident.h"
#include "triage/intern.h"
#include "triage/score.h"
#include "triage/verdict.h"

namespace vigil::triage {

struct EngineOptions {
  BaselineOptions baseline;
  ScoreOptions score;
  // An episode start (or burst) at least this surprising (nats) opens an incident...
  double strong_surprise = 3.0;
  // ...and at least this surprising joins an open incident but never opens one.
  double weak_surprise = 2.0;
  // A sensor severity read as a prior on rarity: at a signal, this many nats per 25 points of
  // severity above (or below) 50 are added (0 = off; Sigma levels are 25 points apart).
  double severity_prior_nats = 0;
  // A signal joins an incident holding one of its entities when that entity was anomalous in
  // the incident at most this long ago.
  int64_t entity_window_us = 2 * 3600LL * 1000000;
  // A strong (weak) signal on any entity joins an incident whose core activity was at most this
  // long ago; both windows widen with the incident's heat (see heat_gain).
  int64_t time_window_us = 20 * 60LL * 1000000;
  int64_t weak_window_us = 10 * 60LL * 1000000;
  // Further alerts of an alert type already in an incident stay with it while the incident's
  // core activity is at most this old (heat-widened); later ones fall back to routine.
  int64_t continuation_us = 5 * 60LL * 1000000;
  // A signal at a later ATT&CK stage than an incident that shares one of its entities joins it
  // within this long of the incident's last alert (multi-stage chains stay one incident).
  int64_t chain_window_us = 24 * 3600LL * 1000000;
  // A signal of an alert type that already belonged to an incident joins it again within this
  // long of the incident's last alert: a recurrence is the same issue, not a new one.
  int64_t recurrence_window_us = 24 * 3600LL * 1000000;
  // Windows are multiplied by 1 + heat_gain * ln(1 + heat / 10), heat being the incident's
  // summed surprise decayed with heat_memory_hours: a large ongoing attack makes nearby
  // anomalies more likely to belong to it.
  double heat_gain = 1.0;
  double heat_memory_hours = 1.0;
  // An entity seen with more distinct signatures than this (a gateway, a DNS server) still
  // names an incident's scope but no longer joins incidents by itself.
  uint32_t hub_signatures = 256;
  // A short capture with nothing surfaced. When less than one baseline memory has been watched
  // (this stream and any loaded baseline: no routine could be learned) and no incident reached the threshold, its most
  // unusual closed evidence -- every closed correlation and routine group whose surprise is
  // within `lone_margin` nats of the most surprising one -- is surfaced as one incident, below
  // the threshold and saying why: the level prior alone is too little to close a capture's only
  // evidence unseen. Off by default (a generic sensor's young stream is not trusted yet);
  // detection_engine_options() turns it on for Sigma captures.
  bool lone_evidence = false;
  double lone_margin = 1.0;
  // Record numbers kept per incident or group (0 = all). A long-running service bounds its
  // memory with this; `alert_count`s stay exact, `alerts` lists hold the first N.
  size_t max_records = 0;
};

// Sets one option by name ("strong_surprise=3.5", "entity_window_min=90"); for experiments and
// the CLI's --set flag. kInvalidArgument on an unknown name or a bad number.
Status set_option(EngineOptions& opts, std::string_view assignment);

// An alert with its strings interned: what the engine stores and what a batch caller can sort
// by time before feeding (Engine::prepare, then Engine::add in time order).
struct PreparedAlert {
  int64_t time_us = 0;
  uint64_t record = 0;
  uint32_t signature = 0;
  std::array<uint32_t, kEntityKinds> entities{};
};

class Engine {
 public:
  explicit Engine(EngineOptions opts = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies an analyst state: its suppressions and confirmations hold for alerts added later.
  void apply_state(const TriageState& state);

  // Interns an alert's strings and registers its signature.
  PreparedAlert prepare(const Alert& alert);
  // Feeds one alert. Times should not decrease; an earlier time is taken as the latest seen.
  void add(const PreparedAlert& alert);
  void add(const Alert& alert) { add(prepare(alert)); }

  // The current incidents, scored and explained. `with_alerts` includes record numbers;
  // `with_routine` includes routine and suppressed groups (one per alert type).
  Snapshot snapshot(bool with_alerts = true, bool with_routine = true) const;

  // The learned baseline as JSON (signatures by sensor and rule, alert types by entity), so a
  // later run over later logs starts from what this one learned instead of from nothing.
  std::string save_baseline() const;
  // Restores a saved baseline; call before the first add(). kCorrupt on a malformed document.
  Status load_baseline(std::string_view json);

  uint64_t alerts() const { return alerts_; }
  const EngineOptions& options() const { return opts_; }

 private:
  struct Impl;
  EngineOptions opts_;
  uint64_t alerts_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::triage
