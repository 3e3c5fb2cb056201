// FieldResolver: maps a Sigma field name (CommandLine, EventID, Provider_Name, a.b.c) to a value in
// an Event, whatever layout its reader produced: evtx_dump JSON, Winlogbeat/ECS, or flat JSON.
// Stateless; the detected layout is cached inside the Event (so resolve is safe per Event/thread).
//
// Resolution rules (also in README "Field names"):
//  1. Layout: root key `Event` (object) = evtx_dump; root key `winlog` (object) = ECS; else flat.
//  2. System names are aliases: EventID, Channel, Computer, Provider_Name, EventRecordID, Level,
//     Task, Opcode, Keywords, Version, TimeCreated... map to Event.System.* (with #attributes),
//     winlog.* (event_id, channel, computer_name, provider_name, record_id...) or the flat
//     spellings: NXLog (EventID, Channel, Hostname, SourceName, RecordNumber...) and Winlogbeat 6
//     (event_id, log_name, computer_name, source_name, record_number).
//  3. A dotted name (`winlog.event_data.Image`) is first walked as a path from the root, then
//     tried as one literal key (flattened ECS).
//  4. Otherwise the name is looked up in the data sections, in order: evtx_dump
//     Event.EventData, Event.UserData/<element>, Event.System; ECS winlog.event_data,
//     winlog.user_data, winlog, root; flat: event_data, user_data (Winlogbeat 6), the root.
//     Exact key first, then ASCII case-insensitive.
//  5. An object holding `#text` resolves to its `#text` (evtx_dump's text-with-attributes form).
//  6. Flat only, when nothing else matched: `Data` falls back to `Message` (NXLog renders the
//     unnamed <Data> of classic events such as Windows PowerShell 400/600/800 only there).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace vigil {

enum class Layout { kEvtxDump = 0, kEcs = 1, kFlat = 2 };

class FieldResolver {
 public:
  static Value resolve(const Event& ev, std::string_view name);
  // Resolves each names[i] into out[i] exactly as resolve() would, in one pass over the data
  // sections for the plain names (no alias, no dot): cheaper than a call per name when there
  // are many. `out` must hold names.size() values.
  static void resolve_many(const Event& ev, std::span<const std::string_view> names, Value* out);
  // A name list prepared for resolve_many once, for a caller that resolves the same names in
  // many events: which names take the one pass, and a small hash table of them by length, first
  // and last letter (ASCII case folded). Immutable after construction; the names it was given
  // must outlive it.
  class Names {
   public:
    explicit Names(std::span<const std::string_view> names);

   private:
    friend class FieldResolver;
    static constexpr size_t kMaxNames = 64;
    static constexpr unsigned kBucketBits = 9;
    static constexpr uint8_t kNone = UINT8_MAX;
    static uint32_t bucket(std::string_view key) {
      const uint32_t first = key.empty() ? 0 : static_cast<unsigned char>(key.front()) | 0x20;
      const uint32_t last = key.empty() ? 0 : static_cast<unsigned char>(key.back()) | 0x20;
      const uint32_t mix = (static_cast<uint32_t>(key.size()) << 16) | (first << 8) | last;
      return (mix * 0x9E3779B1u) >> (32 - kBucketBits);
    }
    std::span<const std::string_view> names_;
    uint8_t head_[1u << kBucketBits];  // first plain name of each bucket, kNone = empty
    uint8_t next_[kMaxNames];          // next plain name in the same bucket
    bool plain_[kMaxNames] = {};       // resolved in the one pass (else by resolve())
    bool any_plain_ = false;
    std::vector<uint32_t> other_;      // the names resolve() takes, in order
  };
  // Returns which of the first 64 names resolved (bit i: out[i] is valid), for a caller that
  // walks the few found in name order.
  static uint64_t resolve_many(const Event& ev, const Names& names, Value* out);
  static Layout layout(const Event& ev);
  // An evtx_dump event's Event.System object, as a walk from the root by exact keys finds it;
  // invalid for other layouts and when it is missing or not an object.
  static Value system_node(const Event& ev);
  // EventID and Channel exactly as resolve(ev, "EventID") and resolve(ev, "Channel") give them.
  // An evtx_dump event takes one pass over its System node for both (the matcher routes every
  // event by these two); other layouts, and a System lacking either, go through resolve().
  static void resolve_routing(const Event& ev, Value* event_id, Value* channel);
  // The same, and Computer as resolve(ev, "Computer") gives it, in one pass (what a detection
  // shows of its event); `computer` may be null (resolve_routing).
  static void resolve_event_facts(const Event& ev, Value* event_id, Value* channel, Value* computer);
  // Walks a dotted path from `from` (`a.b.c`); invalid Value when a step is missing.
  static Value walk(Value from, std::string_view dotted);
  // Replaces an evtx_dump {"#attributes":..., "#text": v} object by v.
  static Value unwrap(Value v);
  // Every node key (compared ASCII case-insensitively) a resolution of `name` in an event of
  // `layout` can end on before unwrap(): the name, its last dotted segment, the last step of each
  // of the layout's alias paths. (unwrap() then moves to the `#text` child of such a node.) For
  // prefilters that must know which nodes a field may read. Appends to `out`.
  static void end_keys(std::string_view name, Layout layout, std::vector<std::string_view>* out);

 private:
  static void detect(const Event& ev);
};

// Event time in microseconds since the Unix epoch, from whichever timestamp the layout carries
// (System.TimeCreated.SystemTime, @timestamp, EventTime, UtcTime, timestamp...).
std::optional<int64_t> event_time_us(const Event& ev);

}  // namespace vigil
