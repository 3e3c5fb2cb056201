// The detection store. A hunt over attack samples finds about one detection per three events,
// and most events that fire fire once, so what a detection costs is mostly what its event costs:
// the facts every detection shows (computer, channel, event id, record id, time) and the key
// fields, looked up once per event and stored as text in the unit's one buffer. Key fields are
// the event's data fields that tell what happened (command line, image, target...), in a fixed
// order of preference, up to a limit: resolved together in one pass over the event's data
// sections (FieldResolver::resolve_many, a small hash table of the names), which also tells
// which were found, since most of them are absent from any one event; EventID, Channel and
// Computer take one pass over System. A rule with its own `fields:` gets its list built for it;
// the fallback (no key field at all) shows the fields the rule's detection reads.
//
// The consumer side (DetectionFeed) rewrites its one Detection's strings only when the event or
// the key-field list changes between hits, so a hit costs a listener call and little more; a
// new list gets a new fields_version, by which a writer knows a list it has rendered already.
// (Over the 312 sample files, 5,374 detections on 4,783 events: 17.2 k instructions per
// detection in worker and consumer with the JSONL writer before this shape, 8.5 k after.)
#include "pipeline/detection_store.h"

#include <atomic>
#include <iterator>

#include "core/fields.h"
#include "core/text.h"

namespace vigil {
namespace {

// Fields shown with a detection, after the rule's own `fields:`, in this order of preference.
constexpr std::string_view kKeyFields[] = {
    "CommandLine", "Image", "ParentImage", "ParentCommandLine", "User", "TargetFilename",
    "TargetObject", "Details", "ImageLoaded", "SourceImage", "TargetImage", "GrantedAccess",
    "DestinationIp", "DestinationPort", "DestinationHostname", "SourceIp", "QueryName",
    "PipeName", "ServiceName", "ImagePath", "NewProcessName", "ParentProcessName",
    "ProcessName", "TargetUserName", "SubjectUserName", "IpAddress", "LogonType",
    "WorkstationName", "ScriptBlockText", "Payload", "Hashes", "AccountName", "UserName",
    "SourceAddress", "ClientAddress", "DestAddress", "Application"};

// No two kKeyFields are equal with ASCII case ignored (the key-field list relies on it).
constexpr bool key_fields_distinct() {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i < std::size(kKeyFields); ++i) {
    for (size_t j = i + 1; j < std::size(kKeyFields); ++j) {
      const std::string_view a = kKeyFields[i], b = kKeyFields[j];
      bool same = a.size() == b.size();
      for (size_t k = 0; same && k < a.size(); ++k) same = lower(a[k]) == lower(b[k]);
      if (same) return false;
    }
  }
  return true;
}
static_assert(key_fields_distinct());

static_assert(std::size(kKeyFields) == kKeyFieldCount);

std::string_view value_view(Value v, std::string& scratch) {
  std::string_view t = v.is_string() ? v.str() : v.text(scratch);  // text() of a string, inline
  return t.size() > kMaxFieldBytes ? t.substr(0, kMaxFieldBytes) : t;
}

}  // namespace

void EventRecorder::load() {
  Found::EventFacts f;
  f.record_index = ref_.index;
  f.has_time = has_time_;
  f.time_us = time_us_;
  std::string scratch;
  Value event_id, channel, computer;  // as ev_.field() finds them, in one pass
  FieldResolver::resolve_event_facts(ev_, &event_id, &channel, &computer);
  if (computer) f.computer = out_.add(value_view(computer, scratch));
  if (channel) f.channel = out_.add(value_view(channel, scratch));
  if (event_id) f.event_id = out_.add(value_view(event_id, scratch));
  f.record_id = ref_.record_id;
  if (f.record_id == 0) {
    int64_t id;
    if (Value v = ev_.field("EventRecordID"); v && v.as_int(&id) && id > 0) f.record_id = id;
  }
  static const FieldResolver::Names kKeyNames(kKeyFields);
  known_found_ = FieldResolver::resolve_many(ev_, kKeyNames, known_);
  event_ = static_cast<uint32_t>(out_.events.size());
  out_.events.push_back(f);
}

// Adds `name`'s value to the list being built (from `first` to the end of out_.fields) unless
// the list is full, already has the name, or the value is missing, a container, empty or "-".
// `resolved`: the field already looked up (null: look up).
// `stable`: `name` outlives the hunt (else a copy is kept).
void EventRecorder::add_key_field(std::string_view name, const Value* resolved, size_t max,
                                  uint32_t first, bool stable) {
  if (out_.fields.size() - first >= max) return;
  for (size_t k = first; k < out_.fields.size(); ++k) {
    if (iequals(out_.name(out_.fields[k]), name)) return;
  }
  Value v = resolved ? *resolved : ev_.field(name);
  if (!v || v.is_null() || v.is_container()) return;
  std::string scratch;
  std::string_view text = value_view(v, scratch);
  if (text.empty() || text == "-") return;
  Found::KeyField f;
  if (stable && !name.empty()) {
    f.name = name;
  } else {
    f.own_name = out_.add(name);
  }
  f.value = out_.add(text);
  out_.fields.push_back(f);
}

// The rule's `fields:` first, then kKeyFields, else the fields its detection reads. Those of a
// rule without `fields:`, before the fallback, depend on the event alone: built once per event.
Found::Fields EventRecorder::key_fields(const sigma::Rule& rule, size_t max) {
  Found::Fields list;
  if (rule.fields.empty()) {
    if (!common_ready_) {
      // add_key_field's tests, inline: kKeyFields differ from each other (ASCII case ignored),
      // so the list has none of them twice; most are absent from any one event.
      const auto first = static_cast<uint32_t>(out_.fields.size());
      size_t count = 0;
      std::string scratch;
      static_assert(std::size(kKeyFields) <= 64);
      for (uint64_t left = known_found_; left != 0 && count < max; left &= left - 1) {
        const auto i = static_cast<size_t>(__builtin_ctzll(left));  // in kKeyFields order
        const Value v = known_[i];
        if (v.is_null() || v.is_container()) continue;
        const std::string_view text = value_view(v, scratch);
        if (text.empty() || text == "-") continue;
        Found::KeyField f;
        f.name = kKeyFields[i];
        f.value = out_.add(text);
        out_.fields.push_back(f);
        ++count;
      }
      common_ = close(first);
      common_ready_ = true;
    }
    if (common_.count) return common_;
  } else {
    const auto first = static_cast<uint32_t>(out_.fields.size());
    for (const auto& f : rule.fields) add_key_field(f, nullptr, max, first);
    for (size_t i = 0; i < std::size(kKeyFields); ++i) add_key_field(kKeyFields[i], &known_[i], max, first);
    list = close(first);
    if (list.count) return list;
  }
  const auto first = static_cast<uint32_t>(out_.fields.size());
  for (const auto& f : rule.detection.fields()) add_key_field(f, nullptr, max, first, false);
  return close(first);
}

uint64_t next_fields_version() {
  static std::atomic<uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

void DetectionFeed::feed(const Found& found, uint32_t input, uint64_t base_index, HuntListener& listener) {
  uint32_t event = UINT32_MAX;
  Found::Fields fields;
  bool fields_set = false;
  d_.input = input;
  for (const Found::Hit& h : found.hits) {
    if (h.event != event) {
      event = h.event;
      const Found::EventFacts& e = found.events[event];
      d_.record_index = e.record_index + base_index;
      d_.record_id = e.record_id;
      d_.has_time = e.has_time;
      d_.time_us = e.time_us;
      d_.computer.assign(found.view(e.computer));
      d_.channel.assign(found.view(e.channel));
      d_.event_id.assign(found.view(e.event_id));
      fields_set = false;
    }
    if (!fields_set || !(h.fields == fields)) {
      fields = h.fields;
      fields_set = true;
      d_.fields.resize(fields.count);
      for (uint32_t k = 0; k < fields.count; ++k) {
        const Found::KeyField& f = found.fields[fields.first + k];
        d_.fields[k].first.assign(found.name(f));
        d_.fields[k].second.assign(found.view(f.value));
      }
      d_.fields_version = next_fields_version();
    }
    d_.rule = h.rule;
    listener.on_detection(d_);
  }
}

Detection DetectionFeed::one(const Found& found) {
  struct Keep : HuntListener {
    Detection d;
    void on_detection(const Detection& x) override { d = x; }
    void on_issue(const std::string&) override {}
  } keep;
  feed(found, 0, 0, keep);
  return std::move(keep.d);
}

}  // namespace vigil
