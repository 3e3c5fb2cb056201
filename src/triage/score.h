// Score: how much an incident deserves an analyst, as a sum of named factors so every rank can
// be explained. Pure functions over a ScoreInput; thread-safe.
#pragma once

#include <vector>

#include "triage/incident.h"
#include "triage/tactic.h"

namespace vigil::triage {

struct ScoreOptions {
  // Each signature counts by how far its surprise (nats, on its most surprising host) rises
  // above this floor; with novelty_per_signature off, each alert type (signature on a host).
  double novelty_floor = 2.0;
  bool novelty_per_signature = true;
  double spread_per_host = 0.5;      // per host beyond the first that carried evidence...
  double spread_min_surprise = 3.0;  // ...a surprise at least this high
  int spread_host_cap = 6;
  double per_extra_sensor = 1.0;     // per sensor beyond the first that carried evidence
  double per_chain_step = 1.5;       // per kill-chain transition among the tactics
  double burst_weight = 0.5;         // times ln(burst ratio)
  double burst_cap = 3;
  double severity_weight = 2;        // at severity 100; nothing at 50 or below
  double confirmed_bonus = 5;        // an alert type an analyst confirmed malicious before
  double surface_threshold = 2;      // surfaced at or above this score
  // One unusual signature is one oddity, not yet an incident: an incident whose strong evidence
  // (surprise >= strong_surprise) is a single signature surfaces only when something
  // corroborates it -- another host or sensor with such evidence, a kill-chain transition, a
  // burst, the sensor rating it at least `corroborating_severity`, or an analyst's confirmation.
  bool single_needs_corroboration = true;
  int corroborating_severity = 50;
};

struct ScoreInput {
  std::vector<double> surprises;  // one per signature (or alert type) in the incident
  int hosts = 0;                  // hosts that carried evidence
  int sensors = 0;                // sensors that carried evidence
  TacticSet tactics = 0;
  int own_chain = 0;              // the longest chain_length one signature's tactics make alone
  double max_burst_ratio = 0;
  int max_severity = -1;
  bool confirmed = false;
};

// Whether an incident with this evidence may surface on its score: false for a single strong
// signature (surprise >= strong_surprise, the engine's) that nothing corroborates (see
// ScoreOptions::single_needs_corroboration).
bool corroborated(const ScoreInput& in, const ScoreOptions& opts, double strong_surprise);

// Fills `factors` (only the non-zero ones, largest first) and returns their sum.
double score_incident(const ScoreInput& in, const ScoreOptions& opts, std::vector<Factor>* factors);

}  // namespace vigil::triage
