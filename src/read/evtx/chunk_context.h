// ChunkContext: the per-chunk state every BinXML reader needs: the chunk's bytes, a cache of
// element/attribute names (UTF-16 in the chunk, decoded once to UTF-8), and the arena that holds
// decoded names and template text until the next chunk. Owned by one decoder; one thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/status.h"

namespace vigil::evtx {

class ChunkContext {
 public:
  ChunkContext();

  // Starts a new chunk: forgets every cached name and all arena text (cost independent of size).
  void reset(const uint8_t* chunk, size_t size, uint64_t file_offset);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  uint64_t file_offset() const { return file_offset_; }
  uint32_t offset_of(const uint8_t* p) const { return static_cast<uint32_t>(p - data_); }

  // The name stored at chunk offset `off`, decoded to UTF-8; `*span` receives the size of the
  // name structure (so an inline definition can be skipped). Fails on out-of-bounds structures.
  Status name_at(uint32_t off, std::string_view* name, uint32_t* span);

  Arena& arena() { return arena_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  uint64_t file_offset_ = 0;
  uint32_t generation_ = 0;
  // Direct-mapped by chunk offset; an entry is valid when its generation matches the chunk's.
  struct NameSlot {
    uint32_t generation = 0;
    uint32_t span = 0;
    std::string_view name;
  };
  std::vector<NameSlot> names_;
  Arena arena_;
};

}  // namespace vigil::evtx
