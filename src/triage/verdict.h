// Verdicts and the state file: an analyst's true/false-positive calls on incidents, the
// suppressions and confirmations they produce, and the catalogue of the last run's incidents
// (so a verdict can name an incident by id). TriageState is a plain value owned by the caller;
// load/save touch only the given path. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "triage/incident.h"

namespace vigil::triage {

// One alert type: a signature (sensor + rule) on one host. The unit suppressions are scoped to.
struct KeyRef {
  std::string sensor;
  std::string rule;
  std::string host;
  bool operator==(const KeyRef&) const = default;
};

// An alert type as JSON, {"sensor":"..","rule":"..","host":".."}, and a list of them as an
// array: the layout of the state file's "keys" and "confirmed", and of a service's suppression
// specs. The parsers refuse (kCorrupt) what is not that layout, or an entry without a rule.
std::string key_json(const KeyRef& key);
std::string keys_json(const std::vector<KeyRef>& keys);
Result<KeyRef> parse_key_json(std::string_view json);
Result<std::vector<KeyRef>> parse_keys_json(std::string_view json);

enum class Verdict : uint8_t { kTruePositive, kFalsePositive };
const char* verdict_name(Verdict v);  // "true_positive", "false_positive"

struct VerdictRecord {
  std::string incident;
  Verdict verdict = Verdict::kFalsePositive;
  std::string reason;
  int64_t recorded_us = 0;
  std::string title;           // the incident's title when the verdict was given
  std::vector<KeyRef> keys;    // the alert types it covered
};

// Alerts of exactly this signature on exactly this host are suppressed — never another
// signature, never another host — unless they burst far above the habit that was judged benign.
struct Suppression {
  KeyRef key;
  std::string incident;  // the verdict it came from
  std::string reason;
};

// An incident of the last run, as far as a verdict needs it.
struct CatalogEntry {
  std::string id;
  std::string title;
  IncidentStatus status = IncidentStatus::kAutoClosed;
  double score = 0;
  int64_t first_us = 0;
  int64_t last_us = 0;
  std::vector<KeyRef> keys;
};

class TriageState {
 public:
  // Reads a state file; a path that does not exist yields an empty state.
  static Result<TriageState> load(const std::string& path);
  // Writes atomically (temporary file, then rename).
  Status save(const std::string& path) const;
  std::string to_json() const;
  static Result<TriageState> from_json(std::string_view text);

  // Records a verdict on a catalogued incident. A false positive adds one suppression per alert
  // type of the incident; a true positive marks its alert types confirmed, so they surface
  // again whenever they recur. Fails with kNotFound for an id not in the catalogue.
  Status add_verdict(const std::string& incident, Verdict verdict, std::string reason,
                     int64_t now_us);
  // Replaces the catalogue with the incidents of `snapshot` (correlated incidents and routine
  // groups; suppressed groups are left out).
  void record_incidents(const Snapshot& snapshot);
  // Replace the suppressions or the confirmations as a whole, for a caller that keeps them
  // elsewhere (the service's store rows, with their own history) and hands the engine exactly
  // the ones in force. Verdicts and the catalogue are left as they are.
  void set_suppressions(std::vector<Suppression> suppressions);
  void set_confirmed(std::vector<KeyRef> confirmed);

  const std::vector<VerdictRecord>& verdicts() const { return verdicts_; }
  const std::vector<Suppression>& suppressions() const { return suppressions_; }
  const std::vector<KeyRef>& confirmed() const { return confirmed_; }
  const std::vector<CatalogEntry>& catalog() const { return catalog_; }
  const CatalogEntry* find(const std::string& id) const;

 private:
  std::vector<VerdictRecord> verdicts_;
  std::vector<Suppression> suppressions_;
  std::vector<KeyRef> confirmed_;
  std::vector<CatalogEntry> catalog_;
};

}  // namespace vigil::triage
