// Sorting a batch by time. Batches are usually in order already (add() keeps a flag), so the
// common case costs nothing; otherwise one stable sort of indices and one rebuild of the buffer,
// O(n log n) in records and O(bytes) in copying, on the sender's thread before the commit.
#include "serve/record_batch.h"

#include <algorithm>
#include <numeric>

namespace vigil::serve {

bool RecordBatch::sort_by_time() {
  if (sorted_) return false;
  std::vector<uint32_t> order(ends_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) { return times_[a] < times_[b]; });
  std::string bytes;
  bytes.reserve(bytes_.size());
  std::vector<size_t> ends;
  ends.reserve(ends_.size());
  std::vector<uint32_t> profile_of;
  profile_of.reserve(profile_of_.size());
  std::vector<int64_t> times;
  times.reserve(times_.size());
  for (uint32_t i : order) {
    bytes.append(record(i));
    ends.push_back(bytes.size());
    profile_of.push_back(profile_of_[i]);
    times.push_back(times_[i]);
  }
  bytes_ = std::move(bytes);
  ends_ = std::move(ends);
  profile_of_ = std::move(profile_of);
  times_ = std::move(times);
  sorted_ = true;
  return true;
}

}  // namespace vigil::serve
