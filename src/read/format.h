// Input formats and how they are told apart: by content (the first decompressed bytes), with
// the file extension consulted only when the content does not decide.
// Pure functions over the bytes they are given; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

enum class Format : uint8_t { kUnknown, kEvtx, kJson, kCsv };
std::string_view format_name(Format f);  // "unknown", "evtx", "json", "csv"
// Parses a format name as written on a command line ("json", "jsonl", "ndjson", "csv", "evtx").
Format format_from_name(std::string_view name);

// Format named by the extension of `path`, after stripping .gz / .zst / .zstd
// (".json", ".jsonl", ".ndjson" -> JSON; ".csv", ".tsv" -> CSV; ".evtx" -> EVTX).
Format format_from_extension(std::string_view path);

// Decides the format of a stream from its first decompressed bytes (a few KiB is plenty):
//   "ElfFile\0"                              -> EVTX
//   first non-blank byte '{' or '['           -> JSON (after an optional UTF-8 byte order mark)
//   a first line that is text with the CSV delimiter (',' ';' '\t') in it -> CSV
// When the bytes do not decide (empty, blank, a one-column text line, anything else), the
// extension of `path_hint` does (see format_from_extension); without one, kUnknown.
Format sniff_format(std::string_view head, std::string_view path_hint = {});

// Length of a UTF-8 byte order mark at the start of `s` (3 or 0).
inline size_t bom_length(std::string_view s) {
  return s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
}

}  // namespace vigil
