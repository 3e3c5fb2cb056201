// Matcher: runs a RuleSet over events, one event at a time, and reports the indices of the rules
// that fire, through a RuleIndex (routes by log source, literal prefilter). ReferenceMatcher tries
// every rule through its gate with no index and no prefilter — the plain semantics the fast path
// is tested against. A Matcher or ReferenceMatcher is per thread (it owns scratch state); the
// RuleSet and RuleIndex are shared.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "detect/prefilter.h"
#include "detect/rule_index.h"
#include "detect/ruleset.h"

namespace vigil::sigma {

// Counters of what the matcher did (per Matcher, cumulative), for benchmarks and tuning.
struct MatchStats {
  uint64_t events = 0;
  uint64_t scans = 0;      // events whose values were scanned for literals
  uint64_t woken = 0;      // rules woken by a trigger literal
  uint64_t confirmed = 0;  // woken rules whose requirement held, then fully evaluated
  uint64_t always = 0;     // evaluations of rules without a trigger set
  uint64_t hits = 0;
};

class Matcher {
 public:
  // Uses rules.index() unless an index built from the same RuleSet is given.
  explicit Matcher(const RuleSet& rules, std::shared_ptr<const RuleIndex> index = nullptr);
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Clears `hits` and appends the indices (into rules.rules()) of every rule that fires, ascending.
  void match(const Event& event, std::vector<uint32_t>* hits);
  const std::shared_ptr<const RuleIndex>& index() const { return index_; }

  const MatchStats& stats() const { return stats_; }
  // How many times each rule was fully evaluated (for tuning the prefilter).
  const std::vector<uint32_t>& evaluations() const { return evaluations_; }
  // The last match's literal scan and its lanes (for benchmarks); empty when it scanned nothing.
  const LiteralScan& last_scan() const { return scan_; }
  std::span<const LiteralScan::Lane> last_lanes() const {
    return scanned_ ? std::span<const LiteralScan::Lane>(lanes_, lane_count_) : std::span<const LiteralScan::Lane>();
  }
  void reset_stats() {
    stats_ = MatchStats();
    std::fill(evaluations_.begin(), evaluations_.end(), 0);
  }

 private:
  const RuleIndex::Route& route_of(Value channel, const int64_t* event_id);
  void wake_and_confirm(const RuleIndex::Route& route, const int64_t* event_id,
                        std::vector<uint32_t>* hits);
  void run(const RuleIndex::Entry& e, std::vector<uint32_t>* hits);
  bool hints_admit(const Gate& g);
  void prime(uint32_t field, Value value);

  const RuleSet& rules_;
  std::shared_ptr<const RuleIndex> index_;
  LiteralScan scan_;
  EvalContext ctx_;
  MatchStats stats_;
  std::vector<uint32_t> evaluations_;
  uint32_t eventid_field_ = kNoField, channel_field_ = kNoField;  // see prime()
  // The last route, kept while events keep the same channel and event ID.
  std::string channel_;      // the last route's channel, lower-cased
  std::string channel_raw_;  // and as the event spelled it (the cheap same-route test)
  bool last_has_id_ = false;
  int64_t last_id_ = 0;
  const RuleIndex::Route* last_route_ = nullptr;
  // Its lanes' databases; scan_ok_ false when vectorscan refused one (no prefilter verdict).
  LiteralScan::Lane lanes_[LiteralScan::kMaxLanes];
  size_t lane_count_ = 0;
  bool scan_ok_ = false;
  bool scanned_ = false;  // the last match scanned its event
  // Groups of the route woken by the current event.
  std::vector<uint32_t> woken_;
  std::vector<uint32_t> group_stamp_;
  uint32_t stamp_ = 0;
  bool hints_ready_ = false;
  std::string hint_scratch_[3];
  std::string_view hints_[3];
};

class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(const RuleSet& rules) : rules_(rules) {
    ctx_.fold_once = false;
    ctx_.regex_shortcuts = false;
  }
  void match(const Event& event, std::vector<uint32_t>* hits);

 private:
  const RuleSet& rules_;
  EvalContext ctx_;
};

}  // namespace vigil::sigma
