// Group commit. A SQLite COMMIT costs the same whether it carries one record or fifty thousand
// (one WAL append, plus an fsync under Durability::kFull), so the committer never commits per
// request: it waits for work, takes everything queued (up to a cap), and commits it in one
// transaction. Under light load a request waits for just its own commit; under heavy load many
// requests share each commit and throughput rises instead of latency exploding.
//
// Bounding the queue in records (not batches) bounds memory: a sender finding the queue full
// waits for room, and an HTTP sender that waits too long is told to retry later (503), which is
// what pushes back on a sender faster than the disk.
#include "serve/committer.h"

#include <chrono>

namespace vigil::serve {
namespace {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Committer::Committer(Store store, CommitterOptions options, Downstream downstream,
                     MetricsRegistry& metrics)
    : store_(std::move(store)),
      options_(options),
      downstream_(std::move(downstream)),
      committed_records_(metrics.counter("vigil_committed_alerts_total",
                                         "Alerts made durable in the store")),
      commit_failures_(metrics.counter("vigil_commit_failures_total",
                                       "Store transactions that failed (records not acknowledged)")),
      commit_seconds_(metrics.histogram("vigil_commit_seconds", "Time to commit one group")) {
  auto seq = store_.max_seq();
  last_seq_ = seq.ok() ? *seq : 0;
  metrics.gauge_fn("vigil_ingest_queue_records", "Records waiting for the committer",
                   [this] { return static_cast<double>(queued_records()); });
}

Committer::~Committer() { stop(); }

void Committer::start() { thread_ = std::thread([this] { run(); }); }

void Committer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  room_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t Committer::last_seq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

size_t Committer::queued_records() const {
  std::lock_guard lock(mu_);
  return queued_records_;
}

Status Committer::enqueue(Pending pending, std::chrono::milliseconds room_timeout) {
  // Seqs follow time within a batch: the engine is fed in seq order (on the sender's thread).
  pending.batch.sort_by_time();
  size_t n = pending.batch.size();
  std::unique_lock lock(mu_);
  // A batch larger than the whole queue is admitted when the queue is empty, so it cannot
  // wait forever.
  auto has_room = [&] {
    return stopping_ || queued_records_ == 0 || queued_records_ + n <= options_.max_queued_records;
  };
  if (!room_cv_.wait_for(lock, room_timeout, has_room)) {
    return LimitError("ingest queue full");
  }
  if (stopping_) return Unsupported("service is stopping");
  queued_records_ += n;
  queue_.push_back(std::move(pending));
  lock.unlock();
  work_cv_.notify_one();
  return Status::Ok();
}

Result<Ack> Committer::submit_and_wait(RecordBatch batch, std::chrono::milliseconds room_timeout) {
  if (batch.empty()) return Ack{last_seq(), 0};
  auto reply = std::make_shared<std::promise<Result<Ack>>>();
  auto future = reply->get_future();
  VIGIL_RETURN_IF_ERROR(enqueue({std::move(batch), reply}, room_timeout));
  return future.get();
}

Status Committer::submit(RecordBatch batch) {
  if (batch.empty() && !batch.progress) return Status::Ok();
  return enqueue({std::move(batch), nullptr}, std::chrono::hours(24 * 365));
}

Status Committer::commit(std::vector<Pending>& group, std::vector<CommittedBatch>& out) {
  Transaction tx(store_.db());
  VIGIL_RETURN_IF_ERROR(tx.begin());
  int64_t received = now_us();
  for (auto& pending : group) {
    int64_t first_seq = 0;
    VIGIL_RETURN_IF_ERROR(store_.insert_alerts(pending.batch, received, &first_seq));
    if (pending.batch.progress) VIGIL_RETURN_IF_ERROR(store_.save_file_progress(*pending.batch.progress));
    out.push_back({RecordBatch(), first_seq, received});
  }
  return tx.commit();
}

void Committer::run() {
  std::vector<Pending> group;
  std::vector<CommittedBatch> committed;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      size_t records = 0;
      while (!queue_.empty() &&
             (group.empty() || records + queue_.front().batch.size() <= options_.max_transaction_records)) {
        records += queue_.front().batch.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    auto started = std::chrono::steady_clock::now();
    committed.clear();
    Status status = commit(group, committed);
    commit_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    size_t records = 0;
    for (const auto& pending : group) records += pending.batch.size();
    {
      std::lock_guard lock(mu_);
      queued_records_ -= records;
      for (size_t i = 0; status.ok() && i < group.size(); ++i) {
        if (group[i].batch.empty()) continue;
        last_seq_ = committed[i].first_seq + static_cast<int64_t>(group[i].batch.size()) - 1;
      }
    }
    room_cv_.notify_all();
    if (!status.ok()) {
      commit_failures_.add();
      for (auto& pending : group) {
        if (pending.reply) pending.reply->set_value(status);
      }
      group.clear();
      continue;
    }
    committed_records_.add(records);
    for (size_t i = 0; i < group.size(); ++i) {
      if (group[i].reply) {
        group[i].reply->set_value(Ack{committed[i].first_seq, group[i].batch.size()});
      }
      committed[i].batch = std::move(group[i].batch);
    }
    group.clear();
    if (downstream_) downstream_(std::move(committed));
    committed = {};
  }
}

}  // namespace vigil::serve
