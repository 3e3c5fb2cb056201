// Detections into alerts: what the triage engine needs from a Sigma hit, and in which order.
//
// The triage engine reasons about alert *types* (a signature on a host), the entities alerts
// share, and ATT&CK stages. A Sigma detection carries all three, once extracted: the signature
// is the rule (id, title, level -> severity, tags -> tactics and techniques); the host is the
// event's Computer; the other entities come from the key fields the hunt keeps with each
// detection (every field of hunt's key-field list, since detection_hunt_options asks for all).
// The service builds its detections of posted events with the same make_detection and turns
// them into alerts here too, so `vigil serve --rules` and `vigil triage -r` agree.
//
// Entities are normalised so that the same thing is spelled once: Windows names and paths are
// case-insensitive (lower-cased), an account is the same with or without its domain
// (THESHIRE\pgustavo and pgustavo), and an address is the same with its IPv4-mapped prefix.
// Identities that belong to the machine rather than a person (SYSTEM, LOCAL/NETWORK SERVICE,
// machine accounts ending in $, window-manager and font-driver sessions) are not users: joining
// incidents by them would join everything a host does. Loopback and unspecified addresses are
// dropped for the same reason.
//
// The prior. The engine learns routine from the alert stream itself, and a never-seen signature
// is only mildly surprising while the stream is young ("everything is new at first"). That is
// right for a sensor whose signatures carry no calibration, and wrong for a capture of a few
// minutes triaged on its own with Sigma rules, whose `level` is exactly a statement of how often
// the rule fires on benign activity (informational: "a huge amount of events will match"; low:
// "rarely an incident"; medium: "should be reviewed"; high: "prompt review"; critical:
// "probability borders certainty"). detection_engine_options() therefore tells the engine to
// assume the rules were watching quietly for a while before the first event (as SigmaHQ rules
// are tested to stay quiet on hours of benign Windows logs) and to read each level step as a
// factor in rarity. The numbers are in detection_engine_options() and docs/windows-triage.md.
#include "pipeline/detect_triage.h"

#include <algorithm>

#include "core/text.h"
#include "triage/tactic.h"

namespace vigil {

namespace {

using triage::EntityKind;

// First key field present (case-insensitive name) with a usable value.
std::string_view field(const Detection& d, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    for (const auto& [k, v] : d.fields) {
      if (iequals(k, name) && !v.empty() && v != "-") return v;
    }
  }
  return {};
}

void lower_into(std::string_view in, std::string* out) {
  out->assign(in);
  for (char& c : *out) c = ascii_lower(c);
}

bool machine_identity(std::string_view account) {
  static constexpr std::string_view kMachine[] = {
      "system", "local service", "network service", "anonymous logon", "localsystem",
      "local system", "networkservice", "localservice"};
  if (account.empty() || account == "-") return true;
  if (account.back() == '$') return true;
  for (std::string_view m : kMachine) {
    if (iequals(account, m)) return true;
  }
  return istarts_with(account, "dwm-") || istarts_with(account, "umfd-");
}

// The person behind the event: Sysmon's User, else the Security subject, else its target.
void user_of(const Detection& d, std::string* out) {
  out->clear();
  for (std::string_view name : {"User", "SubjectUserName", "TargetUserName", "AccountName", "UserName"}) {
    std::string_view v = field(d, {name});
    size_t slash = v.rfind('\\');
    if (slash != std::string_view::npos) v = v.substr(slash + 1);
    if (size_t at = v.find('@'); at != std::string_view::npos) v = v.substr(0, at);
    if (machine_identity(v)) continue;
    lower_into(v, out);
    return;
  }
}

void address_of(std::string_view v, std::string* out) {
  out->clear();
  if (istarts_with(v, "::ffff:")) v = v.substr(7);
  if (v.empty() || v == "-" || v == "::1" || v == "::" || v == "0.0.0.0" ||
      v.starts_with("127.")) {
    return;
  }
  lower_into(v, out);
}

// Sysmon's Hashes ("SHA1=..,MD5=..,SHA256=..,IMPHASH=.."): the strongest file hash in it.
void hash_of(std::string_view hashes, std::string* out) {
  out->clear();
  for (std::string_view want : {"SHA256=", "SHA1=", "MD5="}) {
    size_t at = ifind(hashes, want);
    if (at == std::string_view::npos) continue;
    std::string_view v = hashes.substr(at + want.size());
    v = v.substr(0, v.find(','));
    if (!v.empty()) {
      lower_into(v, out);
      return;
    }
  }
}

}  // namespace

triage::EngineOptions detection_engine_options() {
  triage::EngineOptions o;
  add_level_prior(o);
  // A capture triaged on its own in which nothing reached the threshold still shows its most
  // unusual detections (those within one nat of the most surprising: a level step is 1.6-2
  // nats, so the highest level present and nothing below it), as one incident saying so. With
  // no history, auto-closing them would rest on their level alone and nobody would look at
  // the capture at all. Not in add_level_prior: a service's stream is not a capture.
  o.lone_evidence = true;
  return o;
}

void add_level_prior(triage::EngineOptions& o) {
  // The rules are taken to have watched, silently, for one full baseline memory (48 h) before
  // the first alert: a never-seen signature then starts at -ln(1 - e^(-0.5 / 30.3 h)) = 4.1 nats
  // instead of near zero in a young stream.
  o.baseline.prior_quiet_hours = o.baseline.memory_hours;
  // Each Sigma level step (25 points of severity) is worth 2 nats of rarity around medium. With
  // the engine's thresholds (weak 2, strong 3, surfaced at score 2 = novelty above 2 nats) the
  // Sigma definitions of the levels then hold for a capture with no history: informational
  // (0.9) is routine, context only; low (2.5) joins related activity but never opens an
  // incident; medium (4.1) opens one and surfaces on its own; high (7.1) and critical (9.7) rank
  // above. Once the stream has history, the learned rates take over as for any sensor.
  o.severity_prior_nats = 2;
}

HuntOptions detection_hunt_options() {
  HuntOptions o;
  o.max_key_fields = 64;
  return o;
}

DetectionAlerts::DetectionAlerts(const sigma::RuleSet& rules)
    : rules_(rules),
      rule_facts_(rules.rules().size()),
      correlation_facts_(rules.correlations().size()) {}

const DetectionAlerts::RuleFacts& DetectionAlerts::facts(const Detection& d) {
  RuleFacts& f = d.correlation ? correlation_facts_[d.rule] : rule_facts_[d.rule];
  if (f.ready) return f;
  const std::vector<std::string>* tags;
  if (d.correlation) {
    const auto& c = rules_.correlations()[d.rule];
    f.severity = triage::severity_from_level(c.level);
    tags = &c.tags;
    f.category = "correlation";
  } else {
    const auto& r = rules_.rules()[d.rule];
    f.severity = triage::severity_from_level(r.level);
    tags = &r.tags;
    f.category = !r.logsource.category.empty() ? r.logsource.category : r.logsource.service;
  }
  f.tactics = triage::tactics_from_tags(*tags);
  f.techniques = triage::techniques_from_tags(*tags);
  f.ready = true;
  return f;
}

triage::Alert DetectionAlerts::convert(const Detection& d, uint64_t record) {
  const RuleFacts& f = facts(d);
  triage::Alert a;
  a.time_us = d.time_us;
  a.record = record;
  a.sensor = "Vigil";
  if (d.correlation) {
    const auto& c = rules_.correlations()[d.rule];
    a.rule_id = c.id.empty() ? c.name : c.id;
    a.title = c.title;
  } else {
    const auto& r = rules_.rules()[d.rule];
    a.rule_id = r.id.empty() ? r.name : r.id;
    a.title = r.title;
  }
  a.category = f.category;
  a.severity = f.severity;
  a.tactics = f.tactics;
  for (size_t i = 0; i < f.techniques.size() && i < a.techniques.size(); ++i) {
    a.techniques[i] = f.techniques[i];
  }

  a.set_entity(EntityKind::kHost, d.computer);
  user_of(d, &user_);
  a.set_entity(EntityKind::kUser, user_);
  address_of(field(d, {"SourceIp", "IpAddress", "SourceAddress", "ClientAddress"}), &src_ip_);
  a.set_entity(EntityKind::kSrcIp, src_ip_);
  address_of(field(d, {"DestinationIp", "DestAddress"}), &dst_ip_);
  a.set_entity(EntityKind::kDstIp, dst_ip_);
  lower_into(field(d, {"Image", "NewProcessName", "SourceImage", "ProcessName", "Application"}),
             &process_);
  a.set_entity(EntityKind::kProcess, process_);
  lower_into(field(d, {"TargetFilename", "ImageLoaded"}), &file_);
  a.set_entity(EntityKind::kFile, file_);
  hash_of(field(d, {"Hashes"}), &hash_);
  a.set_entity(EntityKind::kHash, hash_);
  return a;
}

DetectionTriage::DetectionTriage(const sigma::RuleSet& rules, triage::Engine& engine,
                                 HuntListener* forward)
    : alerts_(rules), engine_(engine), forward_(forward) {}

void DetectionTriage::on_start(const std::vector<std::string>& inputs, uint64_t bytes_total) {
  if (forward_) forward_->on_start(inputs, bytes_total);
}

void DetectionTriage::on_detection(const Detection& d) {
  if (forward_) forward_->on_detection(d);
  triage::PreparedAlert p = engine_.prepare(alerts_.convert(d, next_record_++));
  if (d.has_time) {
    last_time_us_ = d.time_us;
    if (!have_time_) {
      have_time_ = true;
      for (size_t i : waiting_for_time_) pending_[i].time_us = d.time_us;
      waiting_for_time_.clear();
    }
  } else {
    ++untimed_;
    p.time_us = last_time_us_;
    if (!have_time_) waiting_for_time_.push_back(pending_.size());
  }
  pending_.push_back(p);
}

void DetectionTriage::on_issue(const std::string& text) {
  if (forward_) forward_->on_issue(text);
}

void DetectionTriage::on_progress(const HuntStats& stats, uint64_t bytes_total) {
  if (forward_) forward_->on_progress(stats, bytes_total);
}

void DetectionTriage::finish() {
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const triage::PreparedAlert& a, const triage::PreparedAlert& b) {
                     return a.time_us < b.time_us;
                   });
  for (const triage::PreparedAlert& p : pending_) engine_.add(p);
  pending_.clear();
  pending_.shrink_to_fit();
}

}  // namespace vigil
