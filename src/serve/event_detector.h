// EventDetector: Vigil's own sensor inside the service. Runs a Sigma RuleSet over each raw event
// a sender posts (profile `events`), and turns every rule that fires into an alert record of the
// `vigil` profile (time, rule, level, ATT&CK tags, the event's entities, the event itself), so
// raw events and third-party alerts meet in one triage engine. The RuleSet is immutable and
// shared; matchers are pooled per calling thread. detect() is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "serve/record_batch.h"

namespace vigil::serve {

class EventDetector {
 public:
  // The profile detection alerts are stored under, and the field map that reads them back.
  static constexpr const char* kProfile = "vigil";
  static const char* field_map();

  explicit EventDetector(sigma::RuleSet rules);
  EventDetector(const EventDetector&) = delete;
  EventDetector& operator=(const EventDetector&) = delete;

  // Appends one alert record per rule that fires on `event` (none is not an error).
  Status detect(const Event& event, RecordBatch& batch);
  size_t rule_count() const { return rules_.rules().size(); }

 private:
  std::unique_ptr<sigma::Matcher> take_matcher();
  void give_back(std::unique_ptr<sigma::Matcher> matcher);

  const sigma::RuleSet rules_;  // its shared index routes events to rules
  std::mutex mu_;
  std::vector<std::unique_ptr<sigma::Matcher>> idle_;  // guarded by mu_
};

}  // namespace vigil::serve
