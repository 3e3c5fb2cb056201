// Engine internals shared by engine.cc (feeding) and snapshot.cc (reporting): the signature
// registry, incident and routine-group state. Owned by Engine::Impl; same thread rules as Engine.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "triage/engine.h"

namespace vigil::triage {

inline constexpr uint32_t kNone = UINT32_MAX;

struct SignatureInfo {
  uint32_t sensor = 0;
  uint32_t rule = 0;   // identity: the rule id, or the title when the sensor gives no id
  uint32_t title = 0;
  uint32_t category = 0;
  int severity = -1;
  TacticSet tactics = 0;
  std::array<uint32_t, kMaxTechniques> techniques{};
  std::vector<uint32_t> suppressed_hosts;  // host ids an analyst judged this signature benign on
  std::vector<uint32_t> confirmed_hosts;   // host ids it was confirmed malicious on
};

// Distinct entity values seen in a group of alerts, a few per kind (enough to name the scope).
struct EntityTracker {
  static constexpr size_t kPerKind = 24;
  std::array<std::vector<uint32_t>, kEntityKinds> values;
  std::array<uint32_t, kEntityKinds> more{};  // distinct values beyond kPerKind (approximate)
  std::array<uint32_t, kEntityKinds> last{};
  void add(const PreparedAlert& a);
  void merge(const EntityTracker& other);
};

// One alert type inside an incident.
struct KeyEntry {
  uint32_t key = 0;
  float surprise = 0;
  Novelty novelty = Novelty::kNone;
  bool periodic = false;
  uint64_t count = 0;
  int64_t first_us = 0;
  int64_t last_us = 0;
  double burst_ratio = 0;
  bool suppressed = false;  // an analyst judged this type benign here: context, not evidence
};

struct EntityClock {
  uint32_t entity = 0;
  int64_t last_us = 0;  // last strong signal involving this entity in the incident
};

struct IncidentState {
  uint32_t parent = 0;     // union-find: itself when a root
  uint64_t seed_hash = 0;  // stable id, from the first signal
  int64_t first_us = 0;
  int64_t last_us = 0;
  int64_t core_us = 0;     // last strong signal that opened or joined by a shared entity
  double heat = 0;         // summed surprise, decayed, as of heat_us
  int64_t heat_us = 0;
  TacticSet tactics = 0;
  int max_severity = -1;
  double max_burst = 0;
  bool confirmed = false;
  std::vector<EntityClock> clocks;
  std::vector<KeyEntry> keys;
  uint64_t alert_count = 0;
  std::vector<uint64_t> records;  // at most EngineOptions::max_records when that is set
  std::vector<std::string> merges;
  EntityTracker seen;
};

// Alerts of one key that joined no incident: routine, weak and isolated, or suppressed.
struct RoutineGroup {
  uint32_t key = 0;
  bool suppressed = false;
  uint64_t count = 0;
  uint32_t weak_signals = 0;   // episode starts mildly unusual but with nothing to join
  float surprise = 0;          // the largest surprise of its episode starts (or bursts)
  Novelty novelty = Novelty::kNone;  // ...and of which kind
  int64_t first_us = 0;
  int64_t last_us = 0;
  std::vector<uint64_t> records;
  EntityTracker seen;
};

struct Engine::Impl {
  Interner strings;
  Baseline baseline;
  std::vector<SignatureInfo> signatures;
  std::vector<uint64_t> signature_slots;   // open addressing on (sensor << 32 | rule)
  std::vector<uint32_t> signature_index;
  // Per baseline key.
  std::vector<uint32_t> key_incident;
  std::vector<uint32_t> key_slot;
  std::vector<uint32_t> key_routine;
  std::vector<uint32_t> key_suppressed;
  // Routine-group record-list size and count when the key's burst window began.
  std::vector<uint32_t> key_window_mark;
  std::vector<uint64_t> key_window_count;
  std::vector<uint32_t> key_last_incident;  // the incident the key last belonged to (any episode)
  std::vector<IncidentState> incidents;
  std::vector<uint32_t> open;              // roots that may still take signals
  std::vector<RoutineGroup> groups;
  // Analyst state, by (sensor, rule) strings, resolved as signatures register.
  std::vector<KeyRef> suppressions;
  std::vector<KeyRef> confirmations;
  // Distinct signatures seen per entity id (for hub detection).
  std::vector<uint32_t> entity_signatures;
  std::vector<uint64_t> entity_signature_seen;  // open-addressing set of (signature, entity)
  size_t entity_signature_count = 0;
  int64_t now_us = 0;
  int64_t first_us = 0;
  // Alert volume: hourly buckets from first_us, widened by doubling past kMaxBuckets.
  static constexpr size_t kMaxBuckets = 2048;
  int64_t bucket_us = 3600LL * 1000000;
  std::vector<uint64_t> volume;
  bool started = false;

  explicit Impl(const EngineOptions& o) : baseline(o.baseline) {}

  uint32_t find(uint32_t i) {
    while (incidents[i].parent != i) {
      incidents[i].parent = incidents[incidents[i].parent].parent;
      i = incidents[i].parent;
    }
    return i;
  }
  uint32_t find_const(uint32_t i) const {
    while (incidents[i].parent != i) i = incidents[i].parent;
    return i;
  }
  uint32_t primary_entity(const PreparedAlert& a) const;
  std::string host_of_key(uint32_t key) const;
  // Notes that `entity` was seen with `signature` in a signal; true when the entity has been
  // seen with more than `limit` distinct signatures (a hub).
  bool is_hub(uint32_t entity, uint32_t signature, uint32_t limit);
  // Folds incident `other` into `root` (union-find), noting why.
  void merge(uint32_t root, uint32_t other, std::string note, int64_t t, const EngineOptions& o);
};

uint64_t stable_hash(std::string_view a, std::string_view b, std::string_view c, int64_t t);

}  // namespace vigil::triage
