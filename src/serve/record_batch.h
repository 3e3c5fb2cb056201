// RecordBatch: records (each one JSON object, as received) that arrived together from one origin
// under one profile, stored back to back in one buffer so a batch of thousands costs two
// allocations. A plain value owned by whoever holds it; no thread rules beyond std::string's.
#pragma once

#include <cstdint>
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
};

class RecordBatch {
 public:
  RecordBatch() = default;
  RecordBatch(std::string profile, std::string origin)
      : profile_(std::move(profile)), origin_(std::move(origin)) {}

  void add(std::string_view record) {
    bytes_.append(record);
    ends_.push_back(bytes_.size());
  }
  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  size_t byte_size() const { return bytes_.size(); }
  std::string_view record(size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  const std::string& profile() const { return profile_; }
  const std::string& origin() const { return origin_; }
  void clear() {
    bytes_.clear();
    ends_.clear();
    progress.reset();
  }

  // Set for batches read from a watched file.
  std::optional<FileProgress> progress;

 private:
  std::string profile_;
  std::string origin_;
  std::string bytes_;
  std::vector<size_t> ends_;
};

}  // namespace vigil::serve
