// Prefilter: vectorscan databases of requirement literals, and the per-event scan that tells
// which literals occur (ASCII case-insensitively) in an event's values. A LiteralDatabase is
// immutable and shared by all threads; a LiteralScan (scratch space, the event's text, hit
// stamps) belongs to one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "detect/key_set.h"
#include "detect/requirement.h"

struct hs_database;
struct hs_scratch;

namespace vigil::sigma {

class LiteralDatabase {
 public:
  // Compiles literals[ids[k]] (lower-cased) into one multi-literal database for lower-cased
  // text; a match of literal ids[k] is reported as its position k. With a `cache_dir`, a
  // database compiled before for the same literals (and the same vectorscan) is loaded from it
  // instead, and a new one is saved there; cache trouble only means compiling. Fails only if
  // vectorscan refuses.
  static Result<std::shared_ptr<const LiteralDatabase>> build(const std::vector<std::string>& literals,
                                                              const std::vector<uint32_t>& ids,
                                                              const std::string& cache_dir = {});
  ~LiteralDatabase();
  LiteralDatabase(const LiteralDatabase&) = delete;
  LiteralDatabase& operator=(const LiteralDatabase&) = delete;

  hs_database* db() const { return db_; }
  bool from_cache() const { return from_cache_; }
  // Position -> literal id.
  const std::vector<uint32_t>& ids() const { return ids_; }
  size_t bytes() const;

 private:
  LiteralDatabase() = default;
  hs_database* db_ = nullptr;
  std::vector<uint32_t> ids_;
  bool from_cache_ = false;
};

// With a keyword search, where the strings no field reads go: lane 0, or, those of at least
// `min_size` bytes, lane `lane` when it is not 0 (a database of keyword literals only: a
// Message text of a kilobyte needs scanning for a few dozen literals, not for thousands).
struct UnreadLane {
  uint32_t lane = 0;
  uint32_t min_size = 0;
};

class LiteralScan {
 public:
  // `databases`: how many distinct databases (numbered 0..n-1) this scan may be given.
  // `fields`: the RuleSet's field_count(); `unscanned`: per literal, 1 = no database holds it,
  // so it always counts as seen (RuleIndex::unscanned).
  LiteralScan(const Requirements& req, size_t databases, size_t fields,
              const std::vector<uint8_t>& unscanned);
  static constexpr uint32_t kAlways = UINT32_MAX;  // the stamp of an unscanned literal
  ~LiteralScan();
  LiteralScan(const LiteralScan&) = delete;
  LiteralScan& operator=(const LiteralScan&) = delete;

  // One lane of a scan: a literal database, its number (0..databases-1), and where its
  // positions start in the scan's position space (seen_positions()).
  struct Lane {
    const LiteralDatabase* db = nullptr;
    uint32_t slot = 0;
    uint32_t base = 0;
  };
  static constexpr size_t kMaxLanes = 8;
  // Gathers the text of the scalar values of `ev` that a rule may read — those whose key (an
  // array element's: its array's; an evtx_dump `#text`'s: also its parent's) has a lane in
  // `keys`, into that lane's buffer; with `all_strings` (a keyword search, which reads strings
  // only), every other string but `xmlns` nodes into lane 0 (a long one into `unread`'s lane,
  // if it has one); with `keys` null, every value
  // but `xmlns` nodes into lane 0 — as strings, numbers in decimal, booleans as true/false; notes
  // the containers whose keys make field classes unsafe; and scans each non-empty lane buffer
  // with its lane's database. Returns false if vectorscan failed (the caller must then assume
  // every literal). `keys` and the unsafe container keys are those of the event's layout.
  bool scan(const Event& ev, Layout layout, std::span<const Lane> lanes, const KeyLanes* keys,
            bool all_strings = false, UnreadLane unread = {});
  // The single-lane scan: every gathered value into one buffer scanned with `db`.
  bool scan(const Event& ev, Layout layout, const LiteralDatabase& db, uint32_t slot) {
    const Lane lane{&db, slot, 0};
    return scan(ev, layout, std::span<const Lane>(&lane, 1), nullptr);
  }
  bool seen(uint32_t literal) const {
    return literal_stamp_[literal] == stamp_ || literal_stamp_[literal] == kAlways;
  }
  // The same as arrays, valid until the next scan: seen(i) iff stamps()[i] is stamp() or
  // kAlways; the
  // RuleSet field id f is unsafe (one of its classes is) iff field_stamps()[f] == stamp().
  const uint32_t* stamps() const { return literal_stamp_.data(); }
  const uint32_t* field_stamps() const { return field_stamp_.data(); }
  uint32_t stamp() const { return stamp_; }
  bool unsafe(uint32_t field_class) const { return class_stamp_[field_class] == stamp_; }
  // This scan's literals (each once, as positions in the database) and unsafe classes (each
  // once), in no particular order.
  const std::vector<uint32_t>& seen_positions() const { return seen_; }
  const std::vector<uint32_t>& unsafe_classes() const { return unsafe_; }
  size_t text_bytes() const {
    size_t n = 0;
    for (size_t k = 0; k < lane_count_; ++k) n += used_[k];
    return n;
  }
  // Where each string value of the last scanned event lies, lower-cased, in text() (a span
  // whose stamp is stamp(); others were not gathered). Valid until the next scan.
  const EvalContext::ScanSpan* spans() const { return spans_.data(); }
  size_t span_count() const { return spans_.size(); }
  const char* text() const { return text_.data(); }
  // The last scan's lanes and the lower-cased text gathered into each (for benchmarks).
  size_t lane_count() const { return lane_count_; }
  std::string_view lane_text(size_t k) const {
    return k < lane_count_ ? std::string_view(text_.data() + k * cap_, used_[k]) : std::string_view();
  }

 private:
  // How a node is reached by field resolution: through its key, or, for an evtx_dump `#text`
  // (FieldResolver::unwrap), also through its parent's key. Array elements inherit their
  // array's. `also` is 0 when there is no second key.
  struct Reach {
    uint64_t key = 0, also = 0;
  };
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* self);
  // Returns false when a lane's buffer was too small (cap_ is then grown: gather again).
  // kOneLane: the route has one lane (most), so no value needs its lane looked up but to know
  // whether it is read at all.
  template <bool kOneLane>
  bool gather(const Event& ev, const KeyLanes* keys, bool all_strings, UnreadLane unread);
  void note_container(uint64_t key_hash);
  void note_container(const Reach& reach) {
    note_container(reach.key);
    if (reach.also != 0) note_container(reach.also);
  }
  static bool has_text(const Event& ev, size_t object);  // a direct child keyed #text
  Layout layout_ = Layout::kFlat;
  // Copies a value and its newline into a lane's buffer, text_[lane * cap_, (lane + 1) * cap_);
  // false when it does not fit. Short values (most) are copied as two overlapping words rather
  // than through a memcpy call.
  bool append(uint32_t lane, std::string_view text) {
    const size_t n = text.size();
    size_t& used = used_[lane];
    if (used + n + 1 > cap_) {
      need_ = std::max(need_, used + n + 1);
      return false;
    }
    char* to = text_.data() + lane * cap_ + used;
    const char* from = text.data();
    if (n >= 8 && n <= 16) {
      uint64_t a, b;
      std::memcpy(&a, from, 8);
      std::memcpy(&b, from + n - 8, 8);
      std::memcpy(to, &a, 8);
      std::memcpy(to + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
      uint32_t a, b;
      std::memcpy(&a, from, 4);
      std::memcpy(&b, from + n - 4, 4);
      std::memcpy(to, &a, 4);
      std::memcpy(to + n - 4, &b, 4);
    } else if (n > 0 && n < 4) {
      to[0] = from[0];
      to[n / 2] = from[n / 2];
      to[n - 1] = from[n - 1];
    } else {
      std::memcpy(to, from, n);
    }
    to[n] = '\n';
    used += n + 1;
    return true;
  }

  const Requirements& req_;
  const uint32_t* ids_ = nullptr;  // the database being scanned: position -> literal id
  hs_scratch* scratch_ = nullptr;
  std::vector<uint8_t> ready_;  // per database: scratch_ is large enough for it
  uint32_t stamp_ = 0;
  std::vector<uint32_t> literal_stamp_, class_stamp_, field_stamp_;
  std::vector<uint8_t> unscanned_;
  std::vector<uint32_t> seen_, unsafe_;
  uint32_t base_ = 0;               // the lane being scanned: its first position
  // The event's scalar values, one per line: lane k's in [k * cap_, k * cap_ + used_[k]).
  std::vector<char> text_;
  std::vector<EvalContext::ScanSpan> spans_;  // per node of the event, see spans()
  size_t cap_ = 1 << 16;
  size_t used_[kMaxLanes] = {};
  size_t lane_count_ = 1;
  size_t need_ = 0;  // while gathering: the largest lane size that did not fit
  std::string number_scratch_;
  struct Frame {
    uint32_t remaining;
    bool array;
    Reach reach;
  };
  std::vector<Frame> stack_;
};

}  // namespace vigil::sigma
