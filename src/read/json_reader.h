// read_json: reads a JSON stream from a Window into Events, one per top-level object.
// Layouts: JSON Lines, one array of objects, one object, concatenated (pretty-printed) objects.
// Borrows everything it is given for the duration of the call; one thread per call.
#pragma once

#include <string_view>

#include "core/status.h"
#include "read/options.h"
#include "read/sink.h"
#include "read/window.h"

namespace vigil {

// Delivers each record to `sink` with RecordRef{source = name, index = 0-based record number
// (damaged records take a number too), offset = byte offset of the record's first byte in the
// decompressed stream, line = 1-based line of that byte}. A damaged record (malformed, too deep,
// too long, cut short) and any stream fault are reported through sink.on_issue, and reading goes
// on. Returns non-ok only when nothing could be read at all; today that never happens for JSON.
Status read_json(Window& window, std::string_view name, EventSink& sink, const ReadOptions& opts,
                 ReadStats& stats);

}  // namespace vigil
