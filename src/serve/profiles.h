// ProfileCatalog: the profiles the service takes records under, by the name a sender gives —
// alerts (`aitads`, `wazuh`, `suricata`, `generic:FIELD-MAP`, `auto` to recognise each) or raw
// events for Vigil's Sigma rules (`events`) — built once and kept. Hands out RecordIntakes for
// ingest and the Profile that reads a stored alert back. Thread-safe once set_detector() is done.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "serve/event_detector.h"
#include "serve/intake.h"
#include "serve/store.h"
#include "triage/profile.h"

namespace vigil::serve {

class ProfileCatalog {
 public:
  ProfileCatalog();

  // Enables the `events` profile (before the catalog is shared with ingest threads).
  void set_detector(std::shared_ptr<EventDetector> detector) { detector_ = std::move(detector); }
  // The detector behind `events`, or null.
  const EventDetector* detector() const { return detector_.get(); }

  // The intake for a sender's profile name. An alert profile stores records it maps to an alert
  // (as compact JSON) and refuses the rest with the profile's reason; `auto` tries suricata,
  // wazuh, then aitads and stores the record under the first that maps it; `events` stores the
  // detections of the Sigma rules (profile `vigil`). kNotFound for an unknown name (or `events`
  // without rules), kInvalidArgument for a bad generic field map.
  Result<RecordIntake> intake_for(std::string_view name);
  // The profile a stored alert names (never `auto`).
  Result<const triage::Profile*> find(std::string_view name);
  // Names a sender may give (generic is shown as `generic:MAP`).
  std::vector<std::string> names() const;

  // A stored alert as its profile reads it, as a JSON object: time, sensor, rule, title,
  // category, severity, tactics, techniques and entities by kind; {} when it no longer maps.
  std::string describe(const StoredAlert& alert);

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<triage::Profile>, std::less<>> profiles_;  // guarded by mu_
  std::vector<const triage::Profile*> auto_order_;  // immutable after construction
  std::shared_ptr<EventDetector> detector_;         // null: no rules, no `events`
};

}  // namespace vigil::serve
