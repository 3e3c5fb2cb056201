// Window: a sliding, padded view over a ByteSource for readers that frame records in place.
// It owns its buffer and borrows the source; bytes before the consumed mark may be discarded at
// the next fill(), so views into it live until then. One thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/status.h"
#include "read/source.h"

namespace vigil {

class Window {
 public:
  // Bytes readable past the end of data, whatever they hold (simdjson needs 64).
  static constexpr size_t kPadding = 64;

  explicit Window(ByteSource& source, size_t block_size = 1 << 20);
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Unconsumed bytes; at least kPadding readable (unspecified) bytes follow data() + size().
  const char* data() const { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  std::string_view view() const { return {data(), size()}; }
  // Readable bytes from data(), counting the padding (the `capacity` simdjson asks for).
  size_t readable() const { return cap_ + kPadding - begin_; }
  // Absolute offset of data()[0] in the (decompressed) stream.
  uint64_t offset() const { return offset_; }

  // Marks the first n unconsumed bytes as done.
  void consume(size_t n) {
    begin_ += n;
    offset_ += n;
  }

  // Keeps the unconsumed bytes (moved to the front) and reads at least one block more (from a
  // live source: what one read brings), growing
  // the buffer when the unconsumed part leaves less than a block free. Returns how many bytes
  // were added (0 at the end of the stream). A source fault ends the stream: at_end() turns true
  // and fault() keeps the reason.
  size_t fill();
  bool at_end() const { return at_end_; }
  // The fault the source reported, if any (ok otherwise).
  const Status& fault() const { return fault_; }

 private:
  ByteSource& source_;
  size_t block_size_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;  // usable bytes, padding excluded
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;
  bool at_end_ = false;
  Status fault_;
};

}  // namespace vigil
