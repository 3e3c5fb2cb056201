// ByteSource: a pull stream of bytes (a file, a std::istream, memory) with gzip and zstd told by
// their magic bytes and decoded on the fly, so memory stays flat whatever the input size.
// A source owns what it wraps (decoders own their inner source). One thread at a time per source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil {

enum class Compression : uint8_t { kNone, kGzip, kZstd };
std::string_view compression_name(Compression c);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies up to `capacity` bytes into `dst`. Returns the count, 0 only at the end of the stream.
  // Bytes decoded before a fault are returned first; the fault comes on a later call (kIo for
  // the operating system, kCorrupt for a damaged or truncated compressed stream).
  virtual Result<size_t> read(char* dst, size_t capacity) = 0;
  // What the bytes were compressed with (kNone for raw sources).
  virtual Compression compression() const { return Compression::kNone; }
  // Bytes consumed from the underlying file or stream so far (compressed bytes for decoders).
  virtual uint64_t raw_offset() const = 0;
  // A live source (a pipe, a FIFO, a terminal, a socket) may pause: its readers work on what one
  // read brings rather than wait for a full block, and decoders return what they have decoded
  // rather than wait for more input. Decoders are as live as what they decode.
  virtual bool live() const { return false; }
  // A live source calls `hook` before a read that will wait, nothing being ready (so a consumer
  // can pass on what it has found so far). Other sources ignore it.
  virtual void on_wait(std::function<void()> hook) {}
};

// Raw sources: no decoding.
Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path);
// Standard input, read with read(2) (a pipe gives what it has at once, unlike std::cin).
Result<std::unique_ptr<ByteSource>> stdin_source();
// Reads from `in`, which must outlive the source (std::cin, a std::ifstream, a stringstream).
std::unique_ptr<ByteSource> istream_source(std::istream& in);
// Serves a copy of `bytes`.
std::unique_ptr<ByteSource> memory_source(std::string bytes);
// Serves `prefix` first, then everything `rest` yields (used to put back peeked bytes).
std::unique_ptr<ByteSource> prefix_source(std::string prefix, std::unique_ptr<ByteSource> rest);

// Peeks at the first bytes of `raw` and wraps it in a gzip or zstd decoder when the magic says
// so (gzip 1f 8b, zstd 28 b5 2f fd); otherwise returns a source that yields `raw` unchanged.
Result<std::unique_ptr<ByteSource>> decode_source(std::unique_ptr<ByteSource> raw);
// open_file_source + decode_source.
Result<std::unique_ptr<ByteSource>> open_source(const std::string& path);

// Decoders over an already-opened raw stream (decode_source picks one of them).
std::unique_ptr<ByteSource> gzip_source(std::unique_ptr<ByteSource> raw);
std::unique_ptr<ByteSource> zstd_source(std::unique_ptr<ByteSource> raw);

// Which compression the leading bytes announce.
Compression compression_of(std::string_view head);

}  // namespace vigil
