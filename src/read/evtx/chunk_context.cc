#include "read/evtx/chunk_context.h"

#include <string>

#include "read/evtx/format.h"
#include "read/evtx/utf16.h"

namespace vigil::evtx {

ChunkContext::ChunkContext() : names_(kChunkSize) {}

void ChunkContext::reset(const uint8_t* chunk, size_t size, uint64_t file_offset) {
  data_ = chunk;
  size_ = size < kChunkSize ? size : kChunkSize;
  file_offset_ = file_offset;
  arena_.reset();
  if (++generation_ == 0) {  // wrapped: clear for real once every 4 billion chunks
    for (auto& slot : names_) slot.generation = 0;
    generation_ = 1;
  }
}

Status ChunkContext::name_at(uint32_t off, std::string_view* name, uint32_t* span) {
  if (off >= size_) return Corrupt("name offset " + std::to_string(off) + " outside the chunk");
  NameSlot& slot = names_[off];
  if (slot.generation == generation_) {
    *name = slot.name;
    *span = slot.span;
    return Status::Ok();
  }
  if (size_ - off < kNameHeaderSize) return Corrupt("name structure truncated");
  uint32_t units = load_u16(data_ + off + 6);
  uint64_t bytes = kNameHeaderSize + 2ull * units + 2;  // text and its NUL terminator
  if (bytes > size_ - off) return Corrupt("name at " + std::to_string(off) + " runs past the chunk");
  const uint8_t* text = data_ + off + kNameHeaderSize;
  char* out = arena_.allocate(3 * units + 1);
  char* end = utf16_to_utf8(text, units, out);
  slot.generation = generation_;
  slot.name = std::string_view(out, static_cast<size_t>(end - out));
  slot.span = static_cast<uint32_t>(bytes);
  *name = slot.name;
  *span = slot.span;
  return Status::Ok();
}

}  // namespace vigil::evtx
