// JsonRecordParser: turns the text of one JSON object into an Event with simdjson On-Demand.
// Owns one simdjson parser whose buffers are reused, so steady-state parsing allocates nothing;
// strings in the Event point into that parser and live until the next parse(). One thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/event.h"
#include "core/status.h"

namespace vigil {

class JsonRecordParser {
 public:
  explicit JsonRecordParser(uint32_t max_depth = 64);
  ~JsonRecordParser();
  JsonRecordParser(const JsonRecordParser&) = delete;
  JsonRecordParser& operator=(const JsonRecordParser&) = delete;

  // Parses `text` (`len` bytes; `readable` >= len + 64 bytes may be read from `text`) into `ev`,
  // which is cleared first. The text must hold exactly one JSON object (surrounding whitespace
  // allowed). On failure `ev` holds a partial tree and the Status says why and where (byte offset
  // within the text): kCorrupt for malformed JSON or a non-object, kLimit for nesting too deep.
  Status parse(const char* text, size_t len, size_t readable, Event& ev);

  // Same, for text without padding: copies it into an internal padded buffer first.
  Status parse_copy(std::string_view text, Event& ev);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
