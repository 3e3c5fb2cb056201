// Running the engine live, and getting the same engine back after a crash.
//
// The engine is deterministic: the same alerts in the same order, with the same analyst input at
// the same points, give the same incidents (ids included). So the host persists inputs, not
// engine state. Alerts are stored before they are acknowledged (the committer), in seq order;
// every verdict and suppression is stored with `at_seq`, the last alert the engine had taken in
// when it was given. On start the host replays the store — alerts in seq order, each analyst
// action slotted in after alert `at_seq` — and arrives at the engine it had before the crash,
// learned baseline included. The cost is replay time at start (the engine takes alerts at well
// over a million per second; parsing stored JSON dominates), the benefit is that nothing but
// plain inputs is ever persisted and no engine snapshot format has to stay compatible.
//
// Publishing: the API reads incidents from the store, so the host writes the engine's snapshot
// there at most every publish_interval while alerts flow, rewriting only incidents whose
// fingerprint changed. Analyst actions publish at once, so a reload shows them.
//
// Suppressions: verdicts teach the engine through triage::TriageState (a false positive
// suppresses the incident's alert types on its hosts). The store keeps one row per suppression,
// whether a verdict made it or an analyst created it directly, and deleting a row ends it; the
// engine is always given exactly the live rows (plus the state's confirmations).
#include "serve/triage_host.h"

#include <algorithm>

#include "serve/incident_doc.h"

namespace vigil::serve {
namespace {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// A suppression spec as stored: {"sensor": ..., "rule": ..., "host": ...} (triage::key_json).
Result<triage::KeyRef> parse_spec(const std::string& spec) {
  auto key = triage::parse_key_json(spec);
  if (!key.ok() || key->sensor.empty() || key->host.empty()) {
    return Invalid("suppression spec needs sensor, rule and host (one alert type on one host)");
  }
  return key;
}

}  // namespace

TriageHost::TriageHost(Store store, ProfileCatalog& profiles, TriageHostOptions options,
                       MetricsRegistry& metrics, std::function<int64_t()> committed_seq)
    : store_(std::move(store)),
      profiles_(profiles),
      options_(std::move(options)),
      committed_seq_(std::move(committed_seq)),
      fed_(metrics.counter("vigil_triage_alerts_total", "Alerts taken in by the triage engine")),
      unreadable_(metrics.counter("vigil_triage_unreadable_alerts_total",
                                  "Stored alerts their profile could not read (skipped)")),
      publishes_(metrics.counter("vigil_triage_publishes_total", "Incident snapshots published")),
      publish_seconds_(metrics.histogram("vigil_triage_publish_seconds",
                                         "Time to snapshot and publish incidents")),
      engine_(std::make_unique<triage::Engine>(options_.engine)) {
  metrics.gauge_fn("vigil_triage_processed_seq", "Last alert seq taken in by the engine",
                   [this] { return static_cast<double>(processed_seq()); });
  const EventDetector* detector = profiles_.detector();
  if (detector != nullptr && !detector->rules().correlations().empty()) {
    rules_ = &detector->rules();
    correlation_ = std::make_unique<sigma::CorrelationEngine>(*rules_);
    correlation_alerts_ = std::make_unique<DetectionAlerts>(*rules_);
    // Stored alerts name their rule as DetectionAlerts does: its id, else its name.
    for (uint32_t r = 0; r < rules_->rules().size(); ++r) {
      const sigma::Rule& rule = rules_->rules()[r];
      if (correlation_->used(r)) rule_by_id_.emplace(rule.id.empty() ? rule.name : rule.id, r);
    }
  }
}

TriageHost::~TriageHost() { stop(); }

Result<int64_t> TriageHost::start() {
  replayed_ = 0;
  VIGIL_RETURN_IF_ERROR(replay());
  VIGIL_RETURN_IF_ERROR(publish());
  last_retention_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
  return replayed_;
}

void TriageHost::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  room_cv_.notify_all();
  published_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TriageHost::take(std::vector<CommittedBatch>&& batches) {
  std::unique_lock lock(mu_);
  room_cv_.wait(lock, [&] { return stopping_ || queue_.size() < options_.max_queued_batches; });
  for (auto& b : batches) {
    if (!b.batch.empty()) queue_.push_back(std::move(b));
  }
  lock.unlock();
  work_cv_.notify_one();
}

int64_t TriageHost::processed_seq() const {
  std::lock_guard lock(mu_);
  return processed_seq_;
}

Status TriageHost::sync(std::chrono::milliseconds timeout) {
  int64_t target = committed_seq_ ? committed_seq_() : 0;
  std::unique_lock lock(mu_);
  bool done = published_cv_.wait_for(lock, timeout, [&] { return stopping_ || published_seq_ >= target; });
  if (!done) return LimitError("triage has not caught up with the committed alerts yet");
  return Status::Ok();
}

template <typename T>
Result<T> TriageHost::on_engine_thread(std::function<Result<T>()> fn) {
  auto result = std::make_shared<std::promise<Result<T>>>();
  auto future = result->get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unsupported("service is stopping");
    commands_.push_back([fn = std::move(fn), result] { result->set_value(fn()); });
  }
  work_cv_.notify_one();
  return future.get();
}

// --- the engine thread ---

void TriageHost::run() {
  std::vector<CommittedBatch> batches;
  std::vector<Command> commands;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      auto deadline = dirty_ ? last_publish_ + options_.publish_interval
                             : std::chrono::steady_clock::now() + std::chrono::seconds(1);
      work_cv_.wait_until(lock, deadline, [&] { return stopping_ || !queue_.empty() || !commands_.empty(); });
      if (stopping_ && queue_.empty() && commands_.empty()) break;
      while (!commands_.empty()) {
        commands.push_back(std::move(commands_.front()));
        commands_.pop_front();
      }
      // A bounded bite of alerts, so analyst actions and publishing are never starved.
      while (!queue_.empty() && batches.size() < 16) {
        batches.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    room_cv_.notify_all();
    for (auto& command : commands) command();
    commands.clear();
    for (const auto& batch : batches) feed(batch);
    batches.clear();
    if (dirty_ && std::chrono::steady_clock::now() - last_publish_ >= options_.publish_interval) {
      (void)publish();  // a failed publish stays dirty and is retried on the next pass
    }
    enforce_retention();
  }
  if (dirty_) (void)publish();
}

void TriageHost::feed(const CommittedBatch& committed) {
  const RecordBatch& batch = committed.batch;
  for (size_t i = 0; i < batch.size(); ++i) {
    feed_one(committed.first_seq + static_cast<int64_t>(i), batch.record(i), batch.profile(i));
  }
  std::lock_guard lock(mu_);
  processed_seq_ = committed.first_seq + static_cast<int64_t>(batch.size()) - 1;
}

bool TriageHost::to_alert(int64_t seq, std::string_view raw, const std::string& profile_name,
                          triage::Alert& alert) {
  if (last_profile_ == nullptr || profile_name != last_profile_name_) {
    auto found = profiles_.find(profile_name);
    if (!found.ok()) return false;
    last_profile_name_ = profile_name;
    last_profile_ = *found;
  }
  std::string why;
  if (!parser_.parse_copy(raw, record_).ok() ||
      last_profile_->map(record_, alert, scratch_, &why) != triage::Profile::Outcome::kAlert) {
    return false;
  }
  alert.record = static_cast<uint64_t>(seq);
  return true;
}

bool TriageHost::feed_one(int64_t seq, std::string_view raw, const std::string& profile_name) {
  triage::Alert alert;
  if (!to_alert(seq, raw, profile_name, alert)) {
    unreadable_.add();
    return false;
  }
  bool standalone = true;
  if (correlation_ && profile_name == EventDetector::kProfile) standalone = correlate(seq, alert);
  if (standalone) {
    engine_->add(alert);
    fed_.add();
  }
  // A correlation's detection follows the alert that completed it, as `vigil triage -r` orders
  // them (its time is that alert's).
  for (const sigma::CorrelationDetection& cd : correlated_) {
    Detection d = correlation_detection(*rules_, cd);
    engine_->add(correlation_alerts_->convert(d, static_cast<uint64_t>(seq)));
    fed_.add();
  }
  correlated_.clear();
  dirty_ = true;
  return true;
}

bool TriageHost::correlate(int64_t seq, const triage::Alert& alert) {
  auto rule = rule_by_id_.find(std::string(alert.rule_id));
  if (rule == rule_by_id_.end()) return true;
  Value root = record_.root();
  Value standalone = root.get("standalone");
  Value fields = root.get("correlate");
  auto read = [&fields](std::string_view name, std::string* value) {
    Value v = fields ? fields.get(name) : Value();
    if (!v || !v.is_string()) return false;
    *value = std::string(v.str());
    return true;
  };
  correlation_->add(rule->second, alert.time_us, static_cast<uint64_t>(seq), read, &correlated_);
  return !(standalone && standalone.kind() == Kind::kBool && !standalone.node().num.b);
}

Status TriageHost::publish() {
  auto started = std::chrono::steady_clock::now();
  int64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = processed_seq_;
  }
  triage::Snapshot snapshot = engine_->snapshot(true, true);
  std::unordered_map<std::string, Published> now_published;
  now_published.reserve(snapshot.incidents.size());
  bool vanished = published_.empty();  // the first publish also clears rows from a past run
  {
    Transaction tx(store_.db());
    VIGIL_RETURN_IF_ERROR(tx.begin());
    int64_t stamp = now_us();
    for (const auto& incident : snapshot.incidents) {
      uint64_t fingerprint = incident_fingerprint(incident);
      auto it = published_.find(incident.id);
      if (it == published_.end() || it->second.fingerprint != fingerprint) {
        VIGIL_RETURN_IF_ERROR(store_.upsert_incident(incident_row(incident), stamp));
      }
      now_published.emplace(incident.id, Published{fingerprint, triage::status_name(incident.status)});
    }
    for (const auto& [id, published] : published_) {
      if (!now_published.count(id)) vanished = true;
    }
    if (vanished) {
      std::vector<std::string> keep;
      keep.reserve(now_published.size());
      for (const auto& [id, published] : now_published) keep.push_back(id);
      VIGIL_RETURN_IF_ERROR(store_.delete_incidents_not_in(keep));
    }
    VIGIL_RETURN_IF_ERROR(tx.commit());
  }
  published_ = std::move(now_published);
  dirty_ = false;
  last_publish_ = std::chrono::steady_clock::now();
  publishes_.add();
  publish_seconds_.observe(std::chrono::duration<double>(last_publish_ - started).count());
  {
    std::lock_guard lock(mu_);
    published_seq_ = std::max(published_seq_, seq);
  }
  published_cv_.notify_all();
  return Status::Ok();
}

void TriageHost::enforce_retention() {
  if (options_.retention.count() <= 0) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_retention_ < std::chrono::hours(1)) return;
  last_retention_ = now;
  int64_t cutoff = now_us() - std::chrono::duration_cast<std::chrono::microseconds>(options_.retention).count();
  (void)retire(cutoff);  // a failed pass deletes nothing and is retried next hour
}

Result<int64_t> TriageHost::retire_alerts_before(int64_t cutoff_us) {
  return on_engine_thread<int64_t>([this, cutoff_us] { return retire(cutoff_us); });
}

// The baseline at the new checkpoint is learned by a scratch engine: the previous checkpoint's
// baseline plus the alerts being retired, in seq order, exactly as the live engine learned them.
Result<int64_t> TriageHost::retire(int64_t cutoff_us) {
  auto last = store_.db().prepare("SELECT coalesce(max(seq), 0) FROM alerts WHERE received_us < ?1");
  if (!last.ok()) return last.status();
  last->bind(1, cutoff_us);
  Status status;
  int64_t through = last->step(&status) ? last->column_int(0) : 0;
  if (!status.ok()) return status;
  if (through <= checkpoint_seq_) return int64_t{0};

  triage::Engine scratch(options_.engine);
  auto previous = store_.get_blob("baseline");
  if (!previous.ok()) return previous.status();
  if (previous->has_value()) VIGIL_RETURN_IF_ERROR(scratch.load_baseline(**previous));
  VIGIL_RETURN_IF_ERROR(store_.scan_alerts(checkpoint_seq_, [&](const StoredAlert& a) {
    if (a.seq > through) return false;
    triage::Alert alert;
    if (to_alert(a.seq, a.raw, a.profile, alert)) scratch.add(alert);
    return true;
  }));
  std::vector<triage::KeyRef> confirmed = checkpoint_confirmed_;
  std::vector<Confirmation> later;
  for (auto& c : confirmations_) {
    if (c.at_seq <= through) {
      confirmed.insert(confirmed.end(), c.keys.begin(), c.keys.end());
    } else {
      later.push_back(std::move(c));
    }
  }
  Transaction tx(store_.db());
  VIGIL_RETURN_IF_ERROR(tx.begin());
  VIGIL_RETURN_IF_ERROR(store_.put_blob("baseline", scratch.save_baseline()));
  VIGIL_RETURN_IF_ERROR(store_.put_blob("baseline_seq", std::to_string(through)));
  VIGIL_RETURN_IF_ERROR(store_.put_blob("baseline_confirmed", triage::keys_json(confirmed)));
  auto erase = store_.db().prepare("DELETE FROM alerts WHERE seq <= ?1");
  if (!erase.ok()) return erase.status();
  erase->bind(1, through);
  VIGIL_RETURN_IF_ERROR(erase->run());
  int64_t removed = store_.db().changes();
  VIGIL_RETURN_IF_ERROR(tx.commit());
  checkpoint_seq_ = through;
  checkpoint_confirmed_ = std::move(confirmed);
  confirmations_ = std::move(later);
  return removed;
}

// --- analyst actions ---

void TriageHost::apply_effective_state() {
  // The engine takes a whole TriageState: exactly the live suppression rows, and the
  // confirmations of true-positive verdicts (from before the checkpoint and since).
  std::vector<triage::Suppression> live;
  for (const auto& row : suppressions_) {
    if (row.deleted_us) continue;
    auto key = parse_spec(row.spec);
    if (key.ok()) live.push_back({std::move(*key), {}, row.reason});
  }
  std::vector<triage::KeyRef> confirmed = checkpoint_confirmed_;
  confirmed.insert(confirmed.end(), verdict_state_.confirmed().begin(), verdict_state_.confirmed().end());
  triage::TriageState effective;
  effective.set_suppressions(std::move(live));
  effective.set_confirmed(std::move(confirmed));
  engine_->apply_state(effective);
}

Result<VerdictOutcome> TriageHost::apply_verdict(const VerdictRow& row,
                                                 const std::vector<SuppressionRow>* stored_rows) {
  verdict_state_.record_incidents(engine_->snapshot(false, true));
  if (verdict_state_.find(row.incident_id) == nullptr) {
    return NotFound("no incident " + row.incident_id + " (it may have merged into another; reload)");
  }
  size_t before = verdict_state_.suppressions().size();
  size_t confirmed_before = verdict_state_.confirmed().size();
  auto kind = row.verdict == "true_positive" ? triage::Verdict::kTruePositive : triage::Verdict::kFalsePositive;
  VIGIL_RETURN_IF_ERROR(verdict_state_.add_verdict(row.incident_id, kind, row.reason, row.created_us));
  const auto& confirmed = verdict_state_.confirmed();
  if (confirmed.size() > confirmed_before) {
    confirmations_.push_back({row.at_seq, {confirmed.begin() + static_cast<std::ptrdiff_t>(confirmed_before), confirmed.end()}});
  }
  const auto& all = verdict_state_.suppressions();
  std::vector<SuppressionRow> made;
  for (size_t i = before; i < all.size(); ++i) {
    made.push_back({0, triage::key_json(all[i].key), row.reason, row.id, row.at_seq, row.created_us, {}, {}});
  }
  VerdictOutcome outcome;
  outcome.verdict_id = row.id;
  if (stored_rows != nullptr) {
    // Replaying: the rows exist; take their ids (their deletions, if any, replay later in order).
    for (auto& m : made) {
      for (const auto& stored : *stored_rows) {
        if (stored.verdict_id == row.id && stored.spec == m.spec) m.id = stored.id;
      }
    }
  } else {
    Transaction tx(store_.db());
    VIGIL_RETURN_IF_ERROR(tx.begin());
    VerdictRow stored = row;
    auto id = store_.add_verdict(stored);
    if (!id.ok()) return id.status();
    outcome.verdict_id = *id;
    for (auto& m : made) {
      m.verdict_id = *id;
      auto sid = store_.add_suppression(m);
      if (!sid.ok()) return sid.status();
      m.id = *sid;
    }
    VIGIL_RETURN_IF_ERROR(store_.put_blob("triage_state", verdict_state_.to_json()));
    VIGIL_RETURN_IF_ERROR(tx.commit());
  }
  for (auto& m : made) suppressions_.push_back(m);
  if (!made.empty()) outcome.suppression = made.front();
  apply_effective_state();
  return outcome;
}

Result<VerdictOutcome> TriageHost::give_verdict(const VerdictRequest& request) {
  if (request.verdict != "true_positive" && request.verdict != "false_positive" && request.verdict != "benign") {
    return Invalid("verdict must be true_positive, false_positive or benign");
  }
  return on_engine_thread<VerdictOutcome>([this, request]() -> Result<VerdictOutcome> {
    VerdictRow row{0, request.incident_id, request.verdict, request.reason, request.analyst, 0, now_us()};
    {
      std::lock_guard lock(mu_);
      row.at_seq = processed_seq_;
    }
    auto outcome = apply_verdict(row, nullptr);
    if (!outcome.ok()) return outcome;
    VIGIL_RETURN_IF_ERROR(publish());
    auto it = published_.find(request.incident_id);
    outcome->incident_status = it == published_.end() ? "gone" : it->second.status;
    return outcome;
  });
}

Result<SuppressionRow> TriageHost::add_suppression(const std::string& spec, const std::string& reason) {
  auto key = parse_spec(spec);
  if (!key.ok()) return key.status();
  return on_engine_thread<SuppressionRow>([this, key = *key, reason]() -> Result<SuppressionRow> {
    SuppressionRow row{0, triage::key_json(key), reason, 0, 0, now_us(), {}, {}};
    {
      std::lock_guard lock(mu_);
      row.at_seq = processed_seq_;
    }
    auto id = store_.add_suppression(row);
    if (!id.ok()) return id.status();
    row.id = *id;
    suppressions_.push_back(row);
    apply_effective_state();
    VIGIL_RETURN_IF_ERROR(publish());
    return row;
  });
}

Result<bool> TriageHost::remove_suppression(int64_t id) {
  return on_engine_thread<bool>([this, id]() -> Result<bool> {
    int64_t at_seq;
    {
      std::lock_guard lock(mu_);
      at_seq = processed_seq_;
    }
    int64_t stamp = now_us();
    auto removed = store_.delete_suppression(id, at_seq, stamp);
    if (!removed.ok() || !*removed) return removed;
    for (auto& row : suppressions_) {
      if (row.id == id) {
        row.deleted_at_seq = at_seq;
        row.deleted_us = stamp;
      }
    }
    apply_effective_state();
    VIGIL_RETURN_IF_ERROR(publish());
    return true;
  });
}

// --- rebuilding after a restart ---

Status TriageHost::replay() {
  auto verdicts = store_.verdicts("");
  if (!verdicts.ok()) return verdicts.status();
  auto rows = store_.suppressions(true);
  if (!rows.ok()) return rows.status();

  // A retention checkpoint: the baseline learned from the alerts that were deleted, and what
  // analysts had decided by then. Replay starts from there.
  auto baseline = store_.get_blob("baseline");
  auto baseline_seq = store_.get_blob("baseline_seq");
  auto baseline_confirmed = store_.get_blob("baseline_confirmed");
  if (!baseline.ok()) return baseline.status();
  if (!baseline_seq.ok()) return baseline_seq.status();
  if (!baseline_confirmed.ok()) return baseline_confirmed.status();
  checkpoint_seq_ = 0;
  checkpoint_confirmed_.clear();
  if (baseline->has_value() && baseline_seq->has_value()) {
    VIGIL_RETURN_IF_ERROR(engine_->load_baseline(**baseline).with_context("stored baseline"));
    checkpoint_seq_ = std::stoll(**baseline_seq);
    if (baseline_confirmed->has_value()) {
      auto keys = triage::parse_keys_json(**baseline_confirmed);
      if (!keys.ok()) return keys.status().with_context("stored confirmations");
      checkpoint_confirmed_ = std::move(*keys);
    }
  }

  // Every analyst action, in the order it happened relative to the alerts.
  struct Action {
    int64_t at_seq, created_us;
    int kind;  // 0 verdict, 1 suppression created directly, 2 suppression deleted
    size_t index;
  };
  std::vector<Action> actions;
  suppressions_.clear();
  for (size_t i = 0; i < verdicts->size(); ++i) {
    // Verdicts before the checkpoint live on in its confirmations and in their suppression rows.
    if ((*verdicts)[i].at_seq > checkpoint_seq_) actions.push_back({(*verdicts)[i].at_seq, (*verdicts)[i].created_us, 0, i});
  }
  for (size_t i = 0; i < rows->size(); ++i) {
    const auto& r = (*rows)[i];
    if (r.at_seq <= checkpoint_seq_ && checkpoint_seq_ > 0) {
      if (!r.deleted_at_seq || *r.deleted_at_seq > checkpoint_seq_) {
        SuppressionRow live = r;
        live.deleted_at_seq.reset();
        live.deleted_us.reset();
        suppressions_.push_back(live);
        if (r.deleted_at_seq) actions.push_back({*r.deleted_at_seq, *r.deleted_us, 2, i});
      }
      continue;
    }
    if (r.verdict_id == 0) actions.push_back({r.at_seq, r.created_us, 1, i});
    if (r.deleted_at_seq) actions.push_back({*r.deleted_at_seq, *r.deleted_us, 2, i});
  }
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) {
    return a.at_seq != b.at_seq ? a.at_seq < b.at_seq : a.created_us < b.created_us;
  });
  apply_effective_state();
  size_t next = 0;
  auto apply_until = [&](int64_t seq) {
    for (; next < actions.size() && actions[next].at_seq < seq; ++next) {
      const Action& a = actions[next];
      if (a.kind == 0) {
        // A verdict that no longer finds its incident teaches nothing, as it did not live.
        (void)apply_verdict((*verdicts)[a.index], &*rows);
      } else if (a.kind == 1) {
        SuppressionRow created = (*rows)[a.index];
        created.deleted_at_seq.reset();
        created.deleted_us.reset();
        suppressions_.push_back(created);
        apply_effective_state();
      } else {
        for (auto& r : suppressions_) {
          if (r.id == (*rows)[a.index].id) {
            r.deleted_at_seq = (*rows)[a.index].deleted_at_seq;
            r.deleted_us = (*rows)[a.index].deleted_us;
          }
        }
        apply_effective_state();
      }
    }
  };
  int64_t last = 0;
  Status scan = store_.scan_alerts(checkpoint_seq_, [&](const StoredAlert& alert) {
    apply_until(alert.seq);
    if (feed_one(alert.seq, alert.raw, alert.profile)) ++replayed_;
    last = alert.seq;
    return true;
  });
  VIGIL_RETURN_IF_ERROR(scan);
  apply_until(INT64_MAX);
  // Retention may have deleted the newest alerts' predecessors or all of them: the engine is
  // as far as anything ever committed.
  auto committed = store_.max_seq();
  if (!committed.ok()) return committed.status();
  std::lock_guard lock(mu_);
  processed_seq_ = std::max({last, *committed, processed_seq_});
  published_seq_ = processed_seq_;
  return Status::Ok();
}

}  // namespace vigil::serve
