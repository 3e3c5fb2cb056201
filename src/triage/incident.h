// Incident: the engine's output — a group of alerts with a status, a score broken into factors,
// a title, a narrative and the input record numbers it covers. Plain values built by
// Engine::snapshot(); the caller owns them and may hand them to any thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "triage/alert.h"
#include "triage/tactic.h"

namespace vigil::triage {

enum class IncidentStatus : uint8_t {
  kSurfaced,    // needs an analyst
  kAutoClosed,  // routine or too weak to act on; `reason` says which
  kSuppressed,  // matched an analyst's suppression
};
const char* status_name(IncidentStatus s);  // "surfaced", "auto-closed", "suppressed"

// One contribution to an incident's score.
struct Factor {
  std::string name;    // "novelty", "spread", "sensors", "chain", "burst", "severity", "confirmed"
  double value = 0;
  std::string detail;  // "4 alert types never seen before"
};

// Identical alerts collapsed: one signature on one host, with how many and why it is here.
struct AlertGroup {
  std::string sensor;
  std::string rule;     // the signature's identity (rule id, or title when the sensor gives none)
  std::string title;
  std::string host;
  uint64_t count = 0;
  int64_t first_us = 0;
  int64_t last_us = 0;
  std::string novelty;  // "new signature", "new on entity", "rare return", "burst", "" (routine)
  double surprise = 0;
  TacticSet tactics = 0;
};

struct Incident {
  std::string id;            // stable for the same input: INC-/RTN-/SUP- and 8 hex digits
  IncidentStatus status = IncidentStatus::kAutoClosed;
  double score = 0;
  std::vector<Factor> factors;
  std::string title;
  std::string narrative;     // surfaced incidents only
  std::string reason;        // why auto-closed / suppressed; why surfaced for surfaced ones
  int64_t first_us = 0;
  int64_t last_us = 0;
  std::vector<std::pair<EntityKind, std::string>> entities;  // distinct, by kind
  TacticSet tactics = 0;
  std::vector<std::string> techniques;
  std::vector<AlertGroup> groups;  // by decreasing surprise, then count
  std::vector<std::string> merges;  // "absorbed INC-1a2b3c4d at ...: shared host mail"
  std::vector<uint64_t> alerts;     // input record numbers, ascending
  uint64_t alert_count = 0;
  bool is_routine_group = false;    // one signature on one host (RTN-/SUP-), not a correlation
  bool lone_evidence = false;       // a short capture's only evidence (EngineOptions::lone_evidence)
};

// Alert volume over time, for timelines: counts[i] alerts in [start_us + i*bucket_us, +bucket_us).
struct Volume {
  int64_t start_us = 0;
  int64_t bucket_us = 0;
  std::vector<uint64_t> counts;
};

struct Snapshot {
  uint64_t alerts = 0;
  Volume volume;
  uint64_t surfaced_alerts = 0;
  size_t surfaced = 0;
  size_t auto_closed = 0;
  size_t suppressed = 0;
  int64_t first_us = 0;
  int64_t last_us = 0;
  // Surfaced by decreasing score, then auto-closed correlations, then routine groups and
  // suppressed groups by decreasing count.
  std::vector<Incident> incidents;
};

}  // namespace vigil::triage
