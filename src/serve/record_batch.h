// RecordBatch: records (each one JSON object, as received) that arrived together from one
// origin, each under the profile it was taken with and with the time its alert fired, stored back
// to back in one buffer so a batch of thousands costs a few allocations. A plain value; no thread
// rules beyond std::string's.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::serve {

// How far a watched file has been taken in; saved in the same transaction as its records so a
// crash can neither lose nor repeat them.
struct FileProgress {
  std::string path;
  int64_t device = 0;
  int64_t inode = 0;
  int64_t size = 0;       // file size when read
  int64_t mtime_ns = 0;
  int64_t offset = 0;     // bytes consumed (line formats) or the whole size (whole-file formats)
  int64_t records = 0;    // records consumed so far
  std::string header;     // CSV header line, kept to parse rows appended later
  std::string head;       // the file's first bytes (up to 64) when first read: tells a new file
                          // that reuses the inode from the same file grown by appends
};

class RecordBatch {
 public:
  RecordBatch() = default;
  explicit RecordBatch(std::string origin) : origin_(std::move(origin)) {}

  // A record whose time is not known (kNoTime) stays behind the record added before it.
  static constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

  void add(std::string_view record, std::string_view profile, int64_t time_us = kNoTime) {
    bytes_.append(record);
    ends_.push_back(bytes_.size());
    times_.push_back(time_us != kNoTime ? time_us : (times_.empty() ? kNoTime : times_.back()));
    if (times_.size() > 1 && times_.back() < times_[times_.size() - 2]) sorted_ = false;
    // Batches hold few distinct profiles (usually one): a linear search beats a map here.
    uint32_t index = 0;
    while (index < profiles_.size() && profiles_[index] != profile) ++index;
    if (index == profiles_.size()) profiles_.emplace_back(profile);
    profile_of_.push_back(index);
  }
  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  size_t byte_size() const { return bytes_.size(); }
  std::string_view record(size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  const std::string& profile(size_t i) const { return profiles_[profile_of_[i]]; }
  const std::string& origin() const { return origin_; }
  int64_t time_us(size_t i) const { return times_[i]; }

  // Puts the records in order of time, keeping the received order among equal times (a record
  // without a time travels with the one before it). The triage engine takes alerts in time
  // order, so a sender that posts a file made of several time-sorted runs, or a batch gathered
  // from several sources, is fed as it happened. Returns whether anything moved.
  bool sort_by_time();

  // Set for batches read from a watched file.
  std::optional<FileProgress> progress;

 private:
  std::string origin_;
  std::string bytes_;
  std::vector<size_t> ends_;
  std::vector<std::string> profiles_;
  std::vector<uint32_t> profile_of_;
  std::vector<int64_t> times_;
  bool sorted_ = true;
};

}  // namespace vigil::serve
