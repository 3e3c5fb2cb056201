// Committer: the single thread that makes ingested records durable. Senders (HTTP requests,
// syslog readers, the folder watcher) hand it RecordBatches; it commits whatever is waiting in
// one SQLite transaction (group commit), answers each sender, then passes the committed batches
// on in sequence order. The queue is bounded in records: a full queue makes senders wait
// (back-pressure), never grows. submit*() are thread-safe; start/stop from the owner thread.
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
#include <vector>

#include "core/status.h"
#include "serve/metrics.h"
#include "serve/record_batch.h"
#include "serve/store.h"

namespace vigil::serve {

struct CommittedBatch {
  RecordBatch batch;
  int64_t first_seq = 0;  // seq of batch.record(0); the rest follow contiguously
  int64_t received_us = 0;
};

struct Ack {
  int64_t first_seq = 0;
  uint64_t count = 0;
};

struct CommitterOptions {
  size_t max_queued_records = 262'144;     // back-pressure threshold
  size_t max_transaction_records = 65'536;  // group-commit size cap
};

class Committer {
 public:
  // Receives committed batches on the committer thread, in seq order. It may block; while it
  // does, the queue fills and senders wait.
  using Downstream = std::function<void(std::vector<CommittedBatch>&& committed)>;

  Committer(Store store, CommitterOptions options, Downstream downstream, MetricsRegistry& metrics);
  ~Committer();
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  void start();
  // Commits what is queued, then stops the thread. Later submissions fail.
  void stop();

  // Queues the batch and waits until it is committed: the Ack means durable. Waits at most
  // `room_timeout` for queue room; LimitError (tell the sender to retry) if none came.
  Result<Ack> submit_and_wait(RecordBatch batch, std::chrono::milliseconds room_timeout);
  // Queues the batch (waiting as long as needed for room) without waiting for the commit; for
  // streams whose senders get no acknowledgement (syslog) or whose progress is committed with
  // the records (watched files).
  Status submit(RecordBatch batch);

  // Highest seq committed so far (0 before the first commit).
  int64_t last_seq() const;
  size_t queued_records() const;

 private:
  struct Pending {
    RecordBatch batch;
    std::shared_ptr<std::promise<Result<Ack>>> reply;  // null for submit()
  };
  Status enqueue(Pending pending, std::chrono::milliseconds room_timeout);
  void run();
  Status commit(std::vector<Pending>& group, std::vector<CommittedBatch>& out);

  Store store_;
  const CommitterOptions options_;
  Downstream downstream_;
  Counter& committed_records_;
  Counter& commit_failures_;
  Histogram& commit_seconds_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // committer waits for work
  std::condition_variable room_cv_;  // senders wait for room
  std::deque<Pending> queue_;        // guarded by mu_
  size_t queued_records_ = 0;        // guarded by mu_
  bool stopping_ = false;            // guarded by mu_
  int64_t last_seq_ = 0;             // guarded by mu_
  std::thread thread_;
};

}  // namespace vigil::serve
