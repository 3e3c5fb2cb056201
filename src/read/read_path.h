// read_path: the one entry point that turns a file or stream of any supported input into Events:
// decompress (gzip, zstd, by magic), sniff the format (by content), dispatch to the JSON or CSV
// reader or to the EVTX decoder given in ReadOptions. Stateless; concurrent calls are independent.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "read/options.h"
#include "read/sink.h"
#include "read/source.h"

namespace vigil {

// Reads `path` ("-" reads standard input) into `sink`. Damaged records and stream faults (a
// truncated gzip member, a read error mid-file) go to sink.on_issue and what could be read is
// delivered. The Status is non-ok only when the input could not be read at all: kNotFound or kIo
// (cannot open), kUnsupported (unknown format, or EVTX without opts.evtx), kNotFound (a CSV
// column asked for is missing), kCorrupt (an unreadable CSV header). `stats` may be null.
Status read_path(const std::string& path, EventSink& sink, const ReadOptions& opts,
                 ReadStats* stats = nullptr);

// The same over an opened raw stream (compressed or not); `name` labels records and issues.
Status read_source(std::unique_ptr<ByteSource> raw, const std::string& name, EventSink& sink,
                   const ReadOptions& opts, ReadStats* stats = nullptr);

}  // namespace vigil
