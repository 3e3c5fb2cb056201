// ChunkWalker: checks one EVTX chunk (signature, header and data checksums, free-space offset)
// and walks its event records by their headers, resynchronising after a broken record. It
// decodes nothing, so counting records and decoding them see exactly the same record slots.
// A value type over borrowed chunk bytes; no state beyond the walk; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::evtx {

struct ChunkProblem {
  uint32_t offset;  // within the chunk
  std::string message;
};

struct RecordSlot {
  uint32_t offset;  // within the chunk
  uint32_t size;
  uint64_t record_id;
};

class ChunkWalker {
 public:
  // `avail` may be below 64 KiB for the last, truncated chunk of a file. `expected` says the
  // file header counts this chunk (a missing signature is then a problem, not empty space).
  // `check_data` = false skips the record-data checksum, which only ever adds a problem and never
  // changes the slots walked: counting records needs no more.
  ChunkWalker(const uint8_t* chunk, size_t avail, bool expected, bool check_data = true);

  // False when there is no chunk here (no signature or too short); problems() says why if it
  // matters.
  bool present() const { return present_; }
  const std::vector<ChunkProblem>& problems() const { return problems_; }

  // Next record slot; false at the end. Broken stretches are added to problems() as they are met
  // (call problems() again after walking).
  bool next(RecordSlot* slot);

 private:
  bool record_at(uint32_t off, RecordSlot* slot) const;

  const uint8_t* chunk_;
  size_t avail_;
  uint32_t limit_ = 0;  // records end here
  uint32_t pos_ = 0;
  bool present_ = false;
  std::vector<ChunkProblem> problems_;
};

}  // namespace vigil::evtx
