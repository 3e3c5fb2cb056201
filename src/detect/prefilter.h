// Prefilter: vectorscan databases of requirement literals, and the per-event scan that tells
// which literals occur (ASCII case-insensitively) in an event's values. A LiteralDatabase is
// immutable and shared by all threads; a LiteralScan (scratch space, the event's text, hit
// stamps) belongs to one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
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

  // Gathers the text of the scalar values of `ev` that a rule may read — those whose key (an
  // array element's: its array's) is in `keys`, or all but `xmlns` nodes when `keys` is null;
  // with `all_strings` (a keyword search, which reads strings only), every string but `xmlns`
  // nodes and the other scalars whose key is in `keys` —
  // as strings, numbers in decimal, booleans as true/false; notes the containers whose keys make
  // field classes unsafe; and scans the text with database number `slot`. Returns false if
  // vectorscan failed (the caller must then assume every literal).
  // `keys` and the unsafe container keys are those of the event's layout.
  bool scan(const Event& ev, Layout layout, const LiteralDatabase& db, uint32_t slot, const KeySet* keys,
            bool all_strings = false);
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
  size_t text_bytes() const { return used_; }
  // Where each string value of the last scanned event lies, lower-cased, in text() (a span
  // whose stamp is stamp(); others were not gathered). Valid until the next scan.
  const EvalContext::ScanSpan* spans() const { return spans_.data(); }
  size_t span_count() const { return spans_.size(); }
  const char* text() const { return text_.data(); }

 private:
  // How a node is reached by field resolution: through its key, or, for an evtx_dump `#text`
  // (FieldResolver::unwrap), also through its parent's key. Array elements inherit their
  // array's. `also` is 0 when there is no second key.
  struct Reach {
    uint64_t key = 0, also = 0;
    bool in(const KeySet& set) const { return set.contains(key) || (also != 0 && set.contains(also)); }
  };
  static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void* self);
  void gather(const Event& ev, const KeySet* keys, bool all_strings);
  void note_container(uint64_t key_hash);
  void note_container(const Reach& reach) {
    note_container(reach.key);
    if (reach.also != 0) note_container(reach.also);
  }
  static bool has_text(const Event& ev, size_t object);  // a direct child keyed #text
  Layout layout_ = Layout::kFlat;
  // Copies a value and its newline. Short values (most) are copied as two overlapping words
  // rather than through a memcpy call.
  void append(std::string_view text) {
    const size_t n = text.size();
    if (used_ + n + 1 > text_.size()) text_.resize(std::max(text_.size() * 2, used_ + n + 1));
    char* to = text_.data() + used_;
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
    used_ += n + 1;
  }

  const Requirements& req_;
  const uint32_t* ids_ = nullptr;  // the database being scanned: position -> literal id
  hs_scratch* scratch_ = nullptr;
  std::vector<uint8_t> ready_;  // per database: scratch_ is large enough for it
  uint32_t stamp_ = 0;
  std::vector<uint32_t> literal_stamp_, class_stamp_, field_stamp_;
  std::vector<uint8_t> unscanned_;
  std::vector<uint32_t> seen_, unsafe_;
  std::vector<char> text_;  // the event's scalar values, one per line, in [0, used_)
  std::vector<EvalContext::ScanSpan> spans_;  // per node of the event, see spans()
  size_t used_ = 0;
  std::string number_scratch_;
  struct Frame {
    uint32_t remaining;
    bool array;
    Reach reach;
  };
  std::vector<Frame> stack_;
};

}  // namespace vigil::sigma
