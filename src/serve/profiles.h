// ProfileCatalog: the alert profiles the service accepts, by the name a sender gives
// (`aitads`, `wazuh`, `suricata`, `generic:FIELD-MAP`, or `auto` to recognise each record),
// built once and kept. Hands out RecordClassifiers for ingest and the Profile that reads a stored
// alert back. Thread-safe; Profiles live as long as the catalog.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "serve/classifier.h"
#include "serve/store.h"
#include "triage/profile.h"

namespace vigil::serve {

class ProfileCatalog {
 public:
  ProfileCatalog();

  // The classifier for a sender's profile name. A fixed profile takes records it maps to an
  // alert and refuses the rest with the profile's reason; `auto` tries suricata, wazuh, then
  // aitads and names the first that maps the record. kNotFound for an unknown name,
  // kInvalidArgument for a bad generic field map.
  Result<RecordClassifier> classifier_for(std::string_view name);
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
};

}  // namespace vigil::serve
