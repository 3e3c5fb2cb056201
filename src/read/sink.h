// EventSink: where readers deliver records. A reader calls on_event() once per decoded record and
// on_issue() once per damaged record/line/chunk (with where it was), then goes on reading.
// The Event and RecordRef are valid only during the call. A sink is used by one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"

namespace vigil {

struct RecordRef {
  std::string_view source;  // file path as given by the user, or a stream name
  uint64_t index = 0;       // 0-based record number within the source, in source order
  uint64_t offset = 0;      // byte offset of the record in the (decompressed) source
  uint64_t line = 0;        // 1-based line for text formats, 0 when not line-based
  uint64_t record_id = 0;   // EVTX EventRecordID, 0 when absent
  uint32_t chunk = 0;       // EVTX chunk number, 0 otherwise
};

struct ReadIssue {
  std::string source;
  uint64_t offset = 0;
  uint64_t line = 0;    // 0 when not line-based
  int64_t chunk = -1;   // EVTX chunk, -1 otherwise
  std::string message;
  std::string describe() const;  // "file:line: message" or "file @offset (chunk N): message"
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Returns false to stop the reader early (no error).
  virtual bool on_event(const Event& event, const RecordRef& ref) = 0;
  virtual void on_issue(const ReadIssue& issue) = 0;
};

}  // namespace vigil
