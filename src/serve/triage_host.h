// TriageHost: runs the live triage engine on its own thread. It takes committed alerts in seq
// order, publishes the engine's incidents to the store, applies verdicts and suppressions, and
// on start rebuilds the engine from the store so a restart (even after kill -9) shows the same
// incidents; runs the Sigma correlation rules over stored detections of raw events. Owns the
// engine and its own store connection; take() and the TriageControl calls
// are thread-safe, start()/stop() belong to the owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "detect/correlation.h"
#include "pipeline/detect_triage.h"
#include "read/json_record.h"
#include "serve/committer.h"
#include "serve/metrics.h"
#include "serve/profiles.h"
#include "serve/store.h"
#include "serve/triage_control.h"
#include "triage/engine.h"
#include "triage/verdict.h"

namespace vigil::serve {

struct TriageHostOptions {
  // Published incidents lag the engine by at most this much while alerts flow.
  std::chrono::milliseconds publish_interval{500};
  // Committed batches waiting for the engine; beyond this the committer waits (back-pressure).
  size_t max_queued_batches = 64;
  // Alerts received longer ago than this are deleted (checked hourly); 0 keeps everything.
  std::chrono::hours retention{0};
  triage::EngineOptions engine;
};

class TriageHost : public TriageControl {
 public:
  // `committed_seq` reports the committer's last committed seq (for sync()).
  TriageHost(Store store, ProfileCatalog& profiles, TriageHostOptions options,
             MetricsRegistry& metrics, std::function<int64_t()> committed_seq);
  ~TriageHost() override;
  TriageHost(const TriageHost&) = delete;
  TriageHost& operator=(const TriageHost&) = delete;

  // Replays the store (alerts, verdicts and suppressions, in the order they happened),
  // publishes the incidents, then starts the thread. Returns how many alerts were replayed.
  Result<int64_t> start();
  void stop();

  // The committer's downstream: queues committed batches, waiting while the queue is full.
  void take(std::vector<CommittedBatch>&& batches);

  // TriageControl
  Result<VerdictOutcome> give_verdict(const VerdictRequest& request) override;
  Result<SuppressionRow> add_suppression(const std::string& spec, const std::string& reason) override;
  Result<bool> remove_suppression(int64_t id) override;
  Status sync(std::chrono::milliseconds timeout) override;
  int64_t processed_seq() const override;

  // Retention: saves the baseline learned up to the last alert received before `cutoff_us` (and
  // the confirmations of the verdicts given by then) to the store, then deletes those alerts. A
  // later start loads that baseline and replays only the alerts kept. Returns how many went.
  // Runs on the engine thread (the hourly retention pass calls the same code).
  Result<int64_t> retire_alerts_before(int64_t cutoff_us);

 private:
  using Command = std::function<void()>;
  // Runs `fn` on the engine thread and waits for its result.
  template <typename T>
  Result<T> on_engine_thread(std::function<Result<T>()> fn);

  void run();
  void feed(const CommittedBatch& batch);
  // False when the stored alert cannot be read (counted, skipped).
  bool feed_one(int64_t seq, std::string_view raw, const std::string& profile);
  // Feeds a Sigma detection alert (just read into record_) to the correlation rules; their
  // detections land in correlated_. Returns whether the alert also counts on its own.
  bool correlate(int64_t seq, const triage::Alert& alert);
  // Reads a stored alert through its profile; the Alert's views live until the next call.
  bool to_alert(int64_t seq, std::string_view raw, const std::string& profile, triage::Alert& alert);
  Result<int64_t> retire(int64_t cutoff_us);
  Status publish();
  // Verdict logic, engine thread only. Live (`stored_rows` null) it writes the verdict and the
  // suppressions it makes; replaying, it takes their ids from the stored rows instead.
  Result<VerdictOutcome> apply_verdict(const VerdictRow& row, const std::vector<SuppressionRow>* stored_rows);
  void apply_effective_state();
  Status replay();
  void enforce_retention();

  Store store_;
  ProfileCatalog& profiles_;
  const TriageHostOptions options_;
  std::function<int64_t()> committed_seq_;
  Counter& fed_;
  Counter& unreadable_;
  Counter& publishes_;
  Histogram& publish_seconds_;

  // Engine-thread state (replay runs on the starting thread before the engine thread exists).
  std::unique_ptr<triage::Engine> engine_;
  JsonRecordParser parser_;
  Event record_;
  triage::MapScratch scratch_;
  std::string last_profile_name_;           // consecutive alerts nearly always share a profile
  const triage::Profile* last_profile_ = nullptr;
  // Sigma correlation rules over the stored detections of raw events (null without any): fed
  // in seq order like the engine, so replay rebuilds their windows too.
  const sigma::RuleSet* rules_ = nullptr;
  std::unique_ptr<sigma::CorrelationEngine> correlation_;
  std::unique_ptr<DetectionAlerts> correlation_alerts_;
  std::unordered_map<std::string, uint32_t> rule_by_id_;
  std::vector<sigma::CorrelationDetection> correlated_;
  triage::TriageState verdict_state_;          // verdicts and what they taught
  std::vector<SuppressionRow> suppressions_;   // every suppression row, live and deleted
  struct Confirmation {
    int64_t at_seq;
    std::vector<triage::KeyRef> keys;
  };
  std::vector<Confirmation> confirmations_;    // true-positive verdicts since the checkpoint
  std::vector<triage::KeyRef> checkpoint_confirmed_;  // confirmed before the checkpoint
  int64_t checkpoint_seq_ = 0;
  int64_t replayed_ = 0;                       // readable stored alerts read back by the last start()                 // alerts up to here are in the stored baseline
  struct Published {
    uint64_t fingerprint;
    const char* status;
  };
  std::unordered_map<std::string, Published> published_;  // what the store's incidents show
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_publish_;
  std::chrono::steady_clock::time_point last_retention_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // the engine thread waits for work
  std::condition_variable room_cv_;   // take() waits for queue room
  std::condition_variable published_cv_;
  std::deque<CommittedBatch> queue_;  // guarded by mu_
  std::deque<Command> commands_;      // guarded by mu_
  bool stopping_ = false;             // guarded by mu_
  int64_t processed_seq_ = 0;         // guarded by mu_
  int64_t published_seq_ = 0;         // guarded by mu_
  std::thread thread_;
};

}  // namespace vigil::serve
