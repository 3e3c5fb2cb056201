// CorrelationEngine: runs a RuleSet's correlation rules over detection-rule hits fed in time
// order, and emits correlation detections that name their group and contributing events.
// One engine per stream (not thread-safe); it reads the RuleSet, which must outlive it. Memory is
// bounded by the open windows: a group's state is dropped when its window expires, and each
// window keeps at most `max_events_per_window` entries (the oldest are dropped first), and each
// correlation at most `max_groups` groups.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "detect/ruleset.h"

namespace vigil::sigma {

struct CorrelationDetection {
  uint32_t correlation = 0;            // index into RuleSet::correlations()
  int64_t first_us = 0, last_us = 0;   // time span of the contributing events
  std::vector<std::string> group;      // group-by values, in group-by order
  double value = 0;                    // the count / distinct count / sum / average / percentage
  std::vector<uint64_t> events;        // contributing event references (caller's ids), oldest first
  size_t event_count = 0;              // contributing events, including any beyond `events`
};

class CorrelationEngine {
 public:
  // Reads a field of the hit's event by name; returns false when absent.
  using FieldFn = std::function<bool(std::string_view field, std::string* value)>;

  // `max_groups` bounds the open groups of each correlation (distinct group-by values within a
  // window); a hit that would open one more is dropped and counted in groups_refused().
  explicit CorrelationEngine(const RuleSet& rules, size_t max_events_per_window = 10000,
                             size_t max_groups = 100000);

  // One detection-rule hit: rule index, event time, the caller's event reference, and how to
  // read the event's fields (for group-by and value fields). Appends any detections to `out`.
  void add(uint32_t rule, int64_t time_us, uint64_t event_ref, const FieldFn& fields,
           std::vector<CorrelationDetection>* out);
  // Convenience: fields read from an Event (through core/fields.h).
  void add(uint32_t rule, int64_t time_us, uint64_t event_ref, const Event& event,
           std::vector<CorrelationDetection>* out);
  // End of input: closes every open window (evaluating conditions that need the whole window).
  void flush(std::vector<CorrelationDetection>* out);

  // True when the rule is used by a correlation and none asks to `generate` it on its own.
  bool correlation_only(uint32_t rule) const;
  // For each detection rule, the event fields its hits must carry for the correlations that use
  // it (group-by fields read through the correlation's aliases, and value fields), sorted and
  // unique; empty for rules no correlation uses. A caller that keeps hits for later (hunt, the
  // service's store) keeps these fields and reads them back through a FieldFn.
  static std::vector<std::vector<std::string>> input_fields(const RuleSet& rules);
  // Whether any correlation uses detection rule `rule`.
  bool used(uint32_t rule) const { return by_rule_.count(rule) != 0; }
  size_t open_windows() const;
  // Hits dropped because their correlation already had max_groups open groups.
  uint64_t groups_refused() const { return groups_refused_; }
  bool empty() const { return by_rule_.empty(); }

 private:
  struct Entry {
    int64_t t;
    uint64_t ref;
    double number;
    std::string value;
  };
  struct Seen {  // temporal: per rule position
    bool valid = false;
    int64_t start = 0;  // temporal_ordered: start of the chain ending here
    int64_t t = 0;
    std::vector<uint64_t> refs;
  };
  struct Group {
    std::vector<std::string> key;
    int64_t open_us = -1;
    std::deque<Entry> entries;  // time-ordered
    // Running aggregates of `entries` (kept by push/pop, so a hit costs O(1), not O(window)).
    std::unordered_map<std::string, uint32_t> distinct;  // value -> occurrences
    double sum = 0;
    std::vector<Seen> seen;
    size_t dropped = 0;
  };
  struct State {
    std::unordered_map<std::string, Group> groups;
    bool monotone = true;  // only gt/gte terms: may fire as soon as they hold
  };
  struct Use {  // correlation `corr` refers to this input at position `pos`
    uint32_t corr;
    uint32_t pos;
  };

  void feed(uint32_t corr, uint32_t pos, int64_t t, const std::vector<uint64_t>& refs, const FieldFn& fields,
            std::string_view rule_key, std::string_view rule_id, std::vector<CorrelationDetection>* out, int depth);
  void emit(uint32_t corr, Group& g, double value, std::vector<CorrelationDetection>* out, int depth);
  void close(uint32_t corr, Group& g, std::vector<CorrelationDetection>* out, int depth);
  double measure(uint32_t corr, const Group& g) const;
  void evict(uint32_t corr, Group& g, int64_t now);
  static void push_entry(Group& g, Entry e);
  static void pop_entry(Group& g);
  static void clear_entries(Group& g);
  void sweep(int64_t now, std::vector<CorrelationDetection>* out);

  const RuleSet& rules_;
  size_t max_events_;
  size_t max_groups_;
  uint64_t groups_refused_ = 0;
  std::vector<State> states_;                                   // per correlation
  std::unordered_map<uint32_t, std::vector<Use>> by_rule_;      // detection rule -> uses
  std::unordered_map<uint32_t, std::vector<Use>> by_corr_;      // correlation -> uses by others
  std::vector<bool> correlation_only_;
  int64_t now_ = INT64_MIN;
  size_t since_sweep_ = 0;
};

}  // namespace vigil::sigma
