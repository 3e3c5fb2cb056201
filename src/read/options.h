// ReadOptions and ReadStats: what a caller asks of the readers, and what a read reports back.
// Plain values owned by the caller; a ReadOptions may be shared read-only by several threads
// (the EVTX hook must then be thread-safe itself). ReadStats is written by one read at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "read/format.h"
#include "read/sink.h"
#include "read/source.h"

namespace vigil {

struct ReadStats {
  uint64_t records = 0;  // delivered to EventSink::on_event
  uint64_t damaged = 0;  // records or rows reported as damaged instead
  uint64_t issues = 0;   // EventSink::on_issue calls (damaged records plus stream-level damage)
  uint64_t bytes = 0;    // decompressed bytes read
  Format format = Format::kUnknown;
  Compression compression = Compression::kNone;
  bool stopped = false;  // the sink returned false from on_event
};

// Decodes EVTX for read_path without src/read depending on src/read/evtx (which depends on it).
// `path` is the file as given (or "-"), `bytes` yields the whole decompressed stream from its
// first byte; a hook may use either (evtx::EvtxFile::open(path) when bytes.compression() is
// kNone and path is not "-", else EvtxFile::read_stream over `bytes`). It delivers
// records and issues to `sink`, adds to `stats`, and returns a Status only for a file it cannot
// read at all.
using EvtxHook = std::function<Status(const std::string& path, ByteSource& bytes,
                                         EventSink& sink, ReadStats& stats)>;

struct ReadOptions {
  // Format to assume; kUnknown sniffs the content (see read/format.h).
  Format format = Format::kUnknown;
  // A record (JSON object, CSV row) longer than this is reported and skipped.
  size_t max_record_bytes = 64u << 20;
  // Nesting deeper than this (root object = 1) is reported and the record skipped.
  uint32_t max_depth = 64;
  // Bytes read from the source per step; memory use is about twice this plus the largest record.
  size_t block_size = 1u << 20;

  // CSV: field delimiter; 0 picks the most frequent of ',' ';' '\t' in the header line.
  char csv_delimiter = 0;
  // CSV: read only these columns (by header name, exact); empty reads all. A named column that
  // the header lacks makes the file fail with kNotFound.
  std::vector<std::string> csv_columns;

  // EVTX: how to decode it; unset makes read_path return kUnsupported for EVTX input.
  EvtxHook evtx;

  // A live input (standard input, a pipe, a FIFO): called on the reading thread before a read
  // that will wait for the writer, every record before it having been delivered. Unset: none.
  std::function<void()> on_wait;
};

}  // namespace vigil
