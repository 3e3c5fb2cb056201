// read_csv: reads RFC 4180 CSV (quotes, doubled quotes, line breaks in quotes, CRLF) from a
// Window; the header row names the fields and each data row becomes a flat Event of strings.
// Borrows everything it is given for the duration of the call; one thread per call.
#pragma once

#include <string_view>

#include "core/status.h"
#include "read/options.h"
#include "read/sink.h"
#include "read/window.h"

namespace vigil {

// Delivers each data row to `sink` as an object {header: value, ...} in header order, limited to
// opts.csv_columns when given. RecordRef: index = 0-based data row (header excluded, damaged
// rows counted), line = 1-based line where the row starts, offset = its byte offset. Rows with
// the wrong number of fields, a stray byte after a closing quote, or an unclosed quote are
// reported through sink.on_issue and reading goes on. Blank lines are skipped.
// Returns kNotFound when a column of opts.csv_columns is not in the header (nothing is read).
Status read_csv(Window& window, std::string_view name, EventSink& sink, const ReadOptions& opts,
                ReadStats& stats);

}  // namespace vigil
