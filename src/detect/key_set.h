// KeySet: a set of event node keys compared ASCII case-insensitively, kept as 64-bit hashes in an
// open-addressing table. contains() may say yes for a key never added (a hash collision), never
// no for one that was: right for prefilters, which may over-approximate. Immutable after seal();
// safe to share across threads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace vigil::sigma {

class KeySet {
 public:
  // Hash of a key, equal for keys that differ only in ASCII case (letters are folded by setting
  // bit 0x20, which also merges a few punctuation pairs: more collisions, never fewer). Reads the
  // first and last eight bytes and the length, so it costs the same for any key. Never 0.
  static uint64_t hash(std::string_view key) {
    uint64_t a = 0, b = 0;
    const size_t n = key.size();
    if (n >= 8) {
      std::memcpy(&a, key.data(), 8);
      std::memcpy(&b, key.data() + n - 8, 8);
    } else if (n > 0) {
      std::memcpy(&a, key.data(), n);
    }
    constexpr uint64_t kFold = 0x2020202020202020ull;
    uint64_t h = (a | kFold) * 0x9E3779B97F4A7C15ull;
    h ^= ((b | kFold) + n) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return h | 1;
  }

  void add(std::string_view key) { hashes_.push_back(hash(key)); }
  // Builds the table from the keys added so far.
  void seal() {
    size_t size = 16;
    while (size < hashes_.size() * 4) size *= 2;
    table_.assign(size, 0);
    mask_ = size - 1;
    for (uint64_t h : hashes_) {
      size_t i = h & mask_;
      while (table_[i] != 0 && table_[i] != h) i = (i + 1) & mask_;
      table_[i] = h;
    }
    hashes_.clear();
    hashes_.shrink_to_fit();
  }
  bool contains(uint64_t h) const {
    if (table_.empty()) return false;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (table_[i] == h) return true;
      if (table_[i] == 0) return false;
    }
  }
  bool contains(std::string_view key) const { return contains(hash(key)); }

 private:
  std::vector<uint64_t> hashes_;  // before seal()
  std::vector<uint64_t> table_;   // 0 = empty slot
  size_t mask_ = 0;
};

// KeyLanes: the same kind of table mapping a key (by hash) to a small lane number, for a scan
// that splits an event's values by key (prefilter.h). lane() costs one probe, as contains()
// does; keys differing only in ASCII case share a lane; a hash collision may give a key never
// added the lane of one that was. The first lane added for a hash wins. Immutable after seal().
class KeyLanes {
 public:
  static constexpr int kNone = -1;
  static constexpr uint32_t kMaxLane = 254;
  void add(uint64_t key_hash, uint32_t lane) {
    entries_.push_back((key_hash & kHigh) | (lane + 1));
    if (lane != 0) off_lane0_ = ~uint64_t{0};  // length unknown
  }
  void add(std::string_view key, uint32_t lane) {
    entries_.push_back((KeySet::hash(key) & kHigh) | (lane + 1));
    if (lane != 0) off_lane0_ |= uint64_t{1} << std::min<size_t>(key.size(), 63);
  }
  // False when no key of this length has a lane other than 0 (so a key of this length has lane
  // 0 or none): a scan can skip the lookup where both mean the same.
  bool off_lane0(size_t key_size) const { return (off_lane0_ >> std::min<size_t>(key_size, 63)) & 1; }
  void seal() {
    size_t size = 16;
    while (size < entries_.size() * 4) size *= 2;
    table_.assign(size, 0);
    mask_ = size - 1;
    for (uint64_t e : entries_) {
      size_t i = (e >> 8) & mask_;
      while (table_[i] != 0 && (table_[i] & kHigh) != (e & kHigh)) i = (i + 1) & mask_;
      if (table_[i] == 0) table_[i] = e;
    }
    entries_.clear();
    entries_.shrink_to_fit();
  }
  // The lane of a key hash (KeySet::hash), or kNone.
  int lane(uint64_t key_hash) const {
    if (table_.empty()) return kNone;
    const uint64_t want = key_hash & kHigh;
    for (size_t i = (key_hash >> 8) & mask_;; i = (i + 1) & mask_) {
      const uint64_t e = table_[i];
      if ((e & kHigh) == want && e != 0) return static_cast<int>(e & 0xFF) - 1;
      if (e == 0) return kNone;
    }
  }

 private:
  static constexpr uint64_t kHigh = ~uint64_t{0xFF};
  std::vector<uint64_t> entries_;  // before seal(): (hash & kHigh) | (lane + 1)
  std::vector<uint64_t> table_;    // 0 = empty slot
  size_t mask_ = 0;
  uint64_t off_lane0_ = 0;  // bit min(length, 63): some key that long has a lane other than 0
};

}  // namespace vigil::sigma
