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

#include <optional>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace vigil {

enum class Layout { kEvtxDump = 0, kEcs = 1, kFlat = 2 };

class FieldResolver {
 public:
  static Value resolve(const Event& ev, std::string_view name);
  static Layout layout(const Event& ev);
  // Walks a dotted path from `from` (`a.b.c`); invalid Value when a step is missing.
  static Value walk(Value from, std::string_view dotted);
  // Replaces an evtx_dump {"#attributes":..., "#text": v} object by v.
  static Value unwrap(Value v);
  // Every node key (compared ASCII case-insensitively) a resolution of `name` can end on: the
  // name, its last dotted segment, the last step of each alias path, and "#text". For prefilters
  // that must know which nodes a field may read. Appends to `out`.
  static void end_keys(std::string_view name, std::vector<std::string_view>* out);

 private:
  static void detect(const Event& ev);
};

// Event time in microseconds since the Unix epoch, from whichever timestamp the layout carries
// (System.TimeCreated.SystemTime, @timestamp, EventTime, UtcTime, timestamp...).
std::optional<int64_t> event_time_us(const Event& ev);

}  // namespace vigil
