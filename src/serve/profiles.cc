#include "serve/profiles.h"

#include "core/json_writer.h"
#include "read/json_record.h"
#include "serve/alert_json.h"

namespace vigil::serve {
namespace {

constexpr std::string_view kGenericPrefix = "generic:";

// Maps with a per-thread scratch; ok with the alert, or the reason it is refused.
Status map_record(const triage::Profile& profile, const Event& record, triage::Alert& alert) {
  thread_local triage::MapScratch scratch;
  std::string why;
  switch (profile.map(record, alert, scratch, &why)) {
    case triage::Profile::Outcome::kAlert:
      return Status::Ok();
    case triage::Profile::Outcome::kSkip:
      return Invalid("not an alert for profile " + profile.name() + (why.empty() ? "" : ": " + why));
    case triage::Profile::Outcome::kBad:
      break;
  }
  return Invalid("profile " + profile.name() + " cannot read this record" + (why.empty() ? "" : ": " + why));
}

}  // namespace

ProfileCatalog::ProfileCatalog() {
  for (const auto& name : triage::Profile::builtin_names()) {
    auto profile = triage::Profile::builtin(name);
    if (profile.ok()) profiles_[name] = std::make_unique<triage::Profile>(std::move(profile).value());
  }
  auto own = triage::Profile::generic(EventDetector::field_map());
  if (own.ok()) profiles_[EventDetector::kProfile] = std::make_unique<triage::Profile>(std::move(own).value());
  for (const char* name : {"suricata", "wazuh", "aitads"}) {
    auto it = profiles_.find(name);
    if (it != profiles_.end()) auto_order_.push_back(it->second.get());
  }
}

Result<const triage::Profile*> ProfileCatalog::find(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = profiles_.find(name);
  if (it != profiles_.end()) return it->second.get();
  if (name.substr(0, kGenericPrefix.size()) != kGenericPrefix) {
    return NotFound("unknown profile '" + std::string(name) + "'");
  }
  auto generic = triage::Profile::generic(name.substr(kGenericPrefix.size()));
  if (!generic.ok()) return generic.status();
  auto& slot = profiles_[std::string(name)];
  slot = std::make_unique<triage::Profile>(std::move(generic).value());
  return slot.get();
}

Result<RecordIntake> ProfileCatalog::intake_for(std::string_view name) {
  if (name == "events") {
    if (!detector_) return NotFound("profile 'events' needs Sigma rules (start vigil serve with --rules)");
    EventDetector* detector = detector_.get();
    return RecordIntake([detector](const Event& record, RecordBatch& batch) { return detector->detect(record, batch); });
  }
  if (name == "auto") {
    const auto* order = &auto_order_;
    return RecordIntake([order](const Event& record, RecordBatch& batch) -> Status {
      triage::Alert alert;
      std::string reasons;
      for (const triage::Profile* profile : *order) {
        Status status = map_record(*profile, record, alert);
        if (status.ok()) {
          thread_local std::string json;
          json.clear();
          write_json(record, json);
          batch.add(json, profile->name(), alert.time_us);
          return Status::Ok();
        }
        reasons += reasons.empty() ? status.message() : "; " + status.message();
      }
      return Invalid("no profile reads this record (" + reasons + ")");
    });
  }
  auto profile = find(name);
  if (!profile.ok()) return profile.status();
  const triage::Profile* fixed = *profile;
  std::string stored_name(name);
  return RecordIntake([fixed, stored_name](const Event& record, RecordBatch& batch) -> Status {
    triage::Alert alert;
    VIGIL_RETURN_IF_ERROR(map_record(*fixed, record, alert));
    thread_local std::string json;
    json.clear();
    write_json(record, json);
    batch.add(json, stored_name, alert.time_us);
    return Status::Ok();
  });
}

std::vector<std::string> ProfileCatalog::names() const {
  std::vector<std::string> out = triage::Profile::builtin_names();
  out.push_back("generic:MAP");
  out.push_back("auto");
  if (detector_) out.push_back("events");
  return out;
}

std::string ProfileCatalog::describe(const StoredAlert& stored) {
  auto profile = find(stored.profile);
  thread_local JsonRecordParser parser;
  thread_local Event record;
  triage::Alert alert;
  if (!profile.ok() || !parser.parse_copy(stored.raw, record).ok() ||
      !map_record(**profile, record, alert).ok()) {
    return "{}";
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  write_alert_fields(w, alert);
  w.key("entities").begin_object();
  for (int k = 0; k < triage::kEntityKinds; ++k) {
    auto kind = static_cast<triage::EntityKind>(k);
    if (!alert.entity(kind).empty()) w.field(triage::entity_kind_name(kind), alert.entity(kind));
  }
  w.end_object().end_object();
  return out;
}

}  // namespace vigil::serve
