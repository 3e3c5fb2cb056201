// EventDetector: Vigil's own sensor inside the service. Runs a Sigma RuleSet over each raw event
// a sender posts (profile `events`) and stores every rule that fires as an alert record of the
// `vigil` profile: the triage Alert that `vigil triage -r` makes of the same detection
// (pipeline/detect_triage.h: normalised entities, severity from level, ATT&CK from tags), plus
// the rule's level and the event itself; for a rule that Sigma correlation rules use, the event
// fields they read, and whether it is reported only through them (TriageHost correlates). The RuleSet is immutable and shared; matchers and
// converters are pooled per calling thread. detect() is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "pipeline/detect_triage.h"
#include "serve/record_batch.h"

namespace vigil::serve {

class EventDetector {
 public:
  // The profile detection alerts are stored under, and the field map that reads them back.
  static constexpr const char* kProfile = "vigil";
  static const std::string& field_map();

  explicit EventDetector(sigma::RuleSet rules);
  EventDetector(const EventDetector&) = delete;
  EventDetector& operator=(const EventDetector&) = delete;

  // Appends one alert record per rule that fires on `event` (none is not an error). An event
  // without a readable time is taken as happening now.
  Status detect(const Event& event, RecordBatch& batch);
  size_t rule_count() const { return rules_.rules().size(); }
  const sigma::RuleSet& rules() const { return rules_; }

 private:
  // What one thread needs: a matcher, and a converter (it caches per-rule facts and holds the
  // normalised entity text of the alert it made last).
  struct Worker {
    explicit Worker(const sigma::RuleSet& rules) : matcher(rules), alerts(rules) {}
    sigma::Matcher matcher;
    DetectionAlerts alerts;
    std::vector<uint32_t> hits;
    std::string event_json, record;
  };
  std::unique_ptr<Worker> take_worker();
  void give_back(std::unique_ptr<Worker> worker);

  const sigma::RuleSet rules_;  // its shared index routes events to rules
  const size_t max_key_fields_;  // as `vigil triage -r` keeps them
  // Per rule: the fields its correlations read (stored with its alerts, under "correlate"), and
  // whether it is used only through correlations (its alerts say "standalone": false).
  std::vector<std::vector<std::string>> correlate_fields_;
  std::vector<bool> correlation_only_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Worker>> idle_;  // guarded by mu_
};

}  // namespace vigil::serve
