// Hunt: the read -> detect pipeline over files and folders. Inputs are split into work units
// (a JSON/CSV file, or a run of EVTX chunks), run on N threads, and detections reach the
// listener in input order (files in discovery order, records in file order); correlation
// detections follow at the end, in time order. The RuleSet must outlive run_hunt; the listener
// is called from the calling thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "detect/correlation.h"
#include "detect/ruleset.h"
#include "read/sink.h"

namespace vigil {

// Sigma levels in order; -1 for an unknown word.
int level_rank(std::string_view level);

struct HuntOptions {
  size_t threads = 0;  // 0 = all cores
  // Rule selection (empty = all). A rule is reported when all given filters admit it.
  int min_level = 0;                  // level_rank of the lowest level reported
  std::vector<std::string> levels;    // exact levels
  std::vector<std::string> statuses;  // stable, test, experimental, deprecated, unsupported
  std::vector<std::string> tags;      // a rule needs one of these tags (e.g. attack.t1003)
  // Event time window, microseconds since the epoch; events without a time are skipped when set.
  std::optional<int64_t> from_us, to_us;
  size_t evtx_chunks_per_unit = 8;  // 8 x 64 KiB per work unit
  size_t max_key_fields = 8;
};

struct Detection {
  bool correlation = false;
  uint32_t rule = 0;        // index into RuleSet::rules(), or ::correlations() when correlation
  int64_t time_us = 0;      // event time (correlation: last contributing event)
  bool has_time = false;
  uint32_t input = 0;       // index into HuntStats::inputs
  uint64_t record_index = 0;
  uint64_t record_id = 0;
  std::string computer, channel, event_id;
  std::vector<std::pair<std::string, std::string>> fields;  // key fields of the event
  // Nonzero: names this content of `fields` (from next_fields_version(), so unique in the
  // process), and a writer may reuse what it rendered for it; 0: unknown. Whoever changes
  // `fields` sets it anew or to 0.
  uint64_t fields_version = 0;
  // Correlation only.
  int64_t first_us = 0;
  std::vector<std::string> group;
  double value = 0;
  uint64_t event_count = 0;
  std::vector<std::pair<uint32_t, uint64_t>> events;  // (input, record index), oldest first
};

struct HuntStats {
  std::vector<std::string> inputs;  // every input file, in scan order
  uint64_t files = 0, bytes = 0, events = 0, issues = 0, detections = 0;
  uint64_t correlation_detections = 0;
  uint64_t skipped = 0;  // files found in folders that are not EVTX, JSON or CSV
  double seconds = 0;
};

// A value for Detection::fields_version never given out before in this process (thread-safe).
uint64_t next_fields_version();

class HuntListener {
 public:
  virtual ~HuntListener() = default;
  // Once, before any detection: every input file in scan order and their total size.
  virtual void on_start(const std::vector<std::string>& inputs, uint64_t bytes_total) {}
  virtual void on_detection(const Detection& d) = 0;
  // A damaged record, an unreadable file: text with file and position.
  virtual void on_issue(const std::string& text) = 0;
  // Called after each work unit; `stats` is the running total.
  virtual void on_progress(const HuntStats& stats, uint64_t bytes_total) {}
  // A live input (standard input, a pipe) is waiting for its writer, and every detection so far
  // has been reported: a listener that holds output back should write it out now.
  virtual void on_pause() {}
};

// The Detection of `rule` (rules()[rule_index]) firing on `ev`: time, record (`ref`), computer,
// channel, event id and up to `max_key_fields` key fields (the rule's `fields:` first, then the
// fields that tell what happened). The hunt reports each hit so; a caller that matches events
// one at a time (the service) builds its detections with it too, so both describe them alike.
Detection make_detection(const Event& ev, const sigma::Rule& rule, uint32_t rule_index,
                         std::optional<int64_t> time_us, const RecordRef& ref, size_t max_key_fields);

// The Detection of a correlation's result: time (its last event), group values as fields (and
// as the computer when grouped by Computer/Hostname), value and event count. Contributing
// events are the caller's to fill in (`events`, `input`, `record_index`), since only it knows
// what its event references mean.
Detection correlation_detection(const sigma::RuleSet& rules, const sigma::CorrelationDetection& cd);

// Scans `paths` with `rules`. Fails only when no input can be found at all; unreadable files and
// damaged records are issues.
Result<HuntStats> run_hunt(const sigma::RuleSet& rules, const std::vector<std::string>& paths,
                           const HuntOptions& options, HuntListener& listener);

}  // namespace vigil
