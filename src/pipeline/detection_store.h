// Detection store: a work unit's detections kept compact (Found), recorded event by event on a
// worker (EventRecorder, which borrows the event) and handed to a listener by the consumer
// (DetectionFeed). A Found owns its text and moves between threads whole (its names point into
// the RuleSet, which must outlive it); a recorder or a feed is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "detect/rule.h"
#include "pipeline/hunt.h"
#include "read/sink.h"

namespace vigil {

// Longest key-field (and correlation field) text kept; longer values are cut.
inline constexpr size_t kMaxFieldBytes = 4096;

// A unit's detections, kept compact until the consumer hands them out: what the detections of
// one event share (computer, channel, event id, record, key fields) is stored once per event,
// all text in one buffer, and a hit names its rule, its event and its key fields. The consumer
// fills one reused Detection per hit (see DetectionFeed), so no Detection is built, copied or
// freed per hit, and key-field text (command lines up to kMaxFieldBytes) is copied once per
// event instead of once per detection.
struct Found {
  struct Text {
    size_t off = 0, len = 0;  // into text
  };
  struct KeyField {
    std::string_view name;  // a key-field name or a rule's `fields:` (they outlive the hunt), else empty
    Text own_name;          // when `name` is empty: a field the rule reads, kept in text
    Text value;
  };
  struct Fields {
    uint32_t first = 0, count = 0;  // into fields
    bool operator==(const Fields&) const = default;
  };
  struct EventFacts {
    uint64_t record_index = 0, record_id = 0;
    int64_t time_us = 0;
    bool has_time = false;
    Text computer, channel, event_id;
  };
  struct Hit {
    uint32_t rule;
    uint32_t event;  // into events
    Fields fields;
  };
  std::vector<EventFacts> events;
  std::vector<Hit> hits;
  std::vector<KeyField> fields;
  std::string text;

  std::string_view view(Text t) const { return std::string_view(text).substr(t.off, t.len); }
  std::string_view name(const KeyField& f) const { return f.name.empty() ? view(f.own_name) : f.name; }
  Text add(std::string_view s) {
    Text t{text.size(), s.size()};
    text.append(s);
    return t;
  }
};

// Number of fields EventRecorder prefers as key fields (after a rule's own `fields:`).
inline constexpr size_t kKeyFieldCount = 37;

// Records the detections of one event into a Found: the event's facts (computer, channel, event
// id, record id) and key fields are looked up on its first detection and stored once.
class EventRecorder {
 public:
  EventRecorder(const Event& ev, const RecordRef& ref, Found& out) : ev_(ev), ref_(ref), out_(out) {}

  // The time of the event's detections; set before the first add().
  void set_time(std::optional<int64_t> time_us) {
    has_time_ = time_us.has_value();
    time_us_ = time_us.value_or(0);
  }
  // A detection of `rule` (rules()[rule_index]) with up to `max_key_fields` key fields: the
  // rule's `fields:` first, then the fields that tell what happened, else those it reads.
  void add(const sigma::Rule& rule, uint32_t rule_index, size_t max_key_fields) {
    if (event_ == UINT32_MAX) load();
    out_.hits.push_back({rule_index, event_, key_fields(rule, max_key_fields)});
  }

 private:
  void load();
  void add_key_field(std::string_view name, const Value* resolved, size_t max, uint32_t first,
                     bool stable = true);
  Found::Fields close(uint32_t first) const {
    return {first, static_cast<uint32_t>(out_.fields.size() - first)};
  }
  Found::Fields key_fields(const sigma::Rule& rule, size_t max);

  const Event& ev_;
  const RecordRef& ref_;
  Found& out_;
  uint32_t event_ = UINT32_MAX;  // into out_.events once loaded
  bool has_time_ = false;
  int64_t time_us_ = 0;
  Value known_[kKeyFieldCount];
  uint64_t known_found_ = 0;  // bit i: known_[i] is valid
  bool common_ready_ = false;
  Found::Fields common_;
};

// Hands a Found's hits to a listener as Detections, one reused Detection for all: its strings
// and key-field list keep their capacity, and are rewritten only when the event or the key
// fields change from one hit to the next (each new key-field list gets a new fields_version).
class DetectionFeed {
 public:
  // `base_index` is added to every record index (a unit numbers its records from 0).
  void feed(const Found& found, uint32_t input, uint64_t base_index, HuntListener& listener);
  // The detection of a Found holding one hit.
  Detection one(const Found& found);

 private:
  Detection d_;
};

}  // namespace vigil
