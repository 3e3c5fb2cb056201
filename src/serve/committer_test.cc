#include "serve/committer.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

RecordBatch batch_of(int n, int tag) {
  RecordBatch batch("test");
  for (int i = 0; i < n; ++i) {
    batch.add("{\"tag\":" + std::to_string(tag) + ",\"i\":" + std::to_string(i) + "}", "generic");
  }
  return batch;
}

TEST(Committer, AcknowledgedRecordsAreInTheStoreAndFlowDownstreamInOrder) {
  TempDir dir;
  auto store = Store::open(dir.file("vigil.db"), {});
  ASSERT_TRUE(store.ok());
  MetricsRegistry metrics;
  std::mutex mu;
  std::vector<int64_t> downstream_seqs;
  Committer committer(std::move(store).value(), {}, [&](std::vector<CommittedBatch>&& done) {
    std::lock_guard lock(mu);
    for (const auto& c : done) {
      for (size_t i = 0; i < c.batch.size(); ++i) downstream_seqs.push_back(c.first_seq + static_cast<int64_t>(i));
    }
  }, metrics);
  committer.start();

  constexpr int kSenders = 8, kBatches = 20, kPerBatch = 50;
  std::atomic<uint64_t> acked{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      for (int b = 0; b < kBatches; ++b) {
        auto ack = committer.submit_and_wait(batch_of(kPerBatch, s), std::chrono::seconds(10));
        ASSERT_TRUE(ack.ok()) << ack.status().message();
        EXPECT_EQ(ack->count, static_cast<uint64_t>(kPerBatch));
        acked += ack->count;
      }
    });
  }
  for (auto& t : senders) t.join();
  committer.stop();

  EXPECT_EQ(acked.load(), static_cast<uint64_t>(kSenders * kBatches * kPerBatch));
  EXPECT_EQ(committer.last_seq(), kSenders * kBatches * kPerBatch);
  ASSERT_EQ(downstream_seqs.size(), acked.load());
  for (size_t i = 0; i < downstream_seqs.size(); ++i) ASSERT_EQ(downstream_seqs[i], static_cast<int64_t>(i + 1));

  auto reader = Store::open(dir.file("vigil.db"), {});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*reader->alert_count(), static_cast<int64_t>(acked.load()));
  // Group commit happened: fewer transactions than requests.
  std::string text = metrics.render();
  EXPECT_NE(text.find("vigil_committed_alerts_total 8000"), std::string::npos);
}

TEST(Committer, FullQueueTurnsSendersAwayInsteadOfGrowing) {
  TempDir dir;
  auto store = Store::open(dir.file("vigil.db"), {});
  ASSERT_TRUE(store.ok());
  MetricsRegistry metrics;
  CommitterOptions options;
  options.max_queued_records = 100;
  std::mutex gate;
  gate.lock();  // downstream blocks until released: the committer stalls after one group
  Committer committer(std::move(store).value(), options, [&](std::vector<CommittedBatch>&&) {
    std::lock_guard wait(gate);
  }, metrics);
  committer.start();
  ASSERT_TRUE(committer.submit_and_wait(batch_of(10, 0), std::chrono::seconds(5)).ok());
  // The committer is now stuck in downstream; the queue fills up to its bound.
  ASSERT_TRUE(committer.submit(batch_of(60, 1)).ok());
  auto refused = committer.submit_and_wait(batch_of(60, 2), std::chrono::milliseconds(50));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kLimit);
  EXPECT_EQ(committer.queued_records(), 60u);
  gate.unlock();
  ASSERT_TRUE(committer.submit_and_wait(batch_of(60, 3), std::chrono::seconds(5)).ok());
  committer.stop();
  EXPECT_EQ(committer.last_seq(), 130);
}

TEST(Committer, FileProgressCommitsWithItsRecords) {
  TempDir dir;
  auto store = Store::open(dir.file("vigil.db"), {});
  ASSERT_TRUE(store.ok());
  MetricsRegistry metrics;
  Committer committer(std::move(store).value(), {}, nullptr, metrics);
  committer.start();
  RecordBatch batch = batch_of(3, 0);
  batch.progress = FileProgress{.path = "/in/a.json", .device = 1, .inode = 2, .size = 100, .mtime_ns = 5,
                                .offset = 100, .records = 3, .header = "", .head = ""};
  ASSERT_TRUE(committer.submit(std::move(batch)).ok());
  committer.stop();
  auto reader = Store::open(dir.file("vigil.db"), {});
  auto progress = reader->file_progress("/in/a.json");
  ASSERT_TRUE(progress.ok() && progress->has_value());
  EXPECT_EQ((*progress)->records, 3);
  EXPECT_EQ(*reader->alert_count(), 3);
}

}  // namespace
}  // namespace vigil::serve
