// File discovery: expands the paths a user gives (files, and directories walked recursively) into
// the list of input files, in a deterministic order, safe against symlink loops.
// Stateless; the returned values are owned by the caller; concurrent calls are independent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "read/format.h"
#include "read/source.h"

namespace vigil {

struct DiscoverOptions {
  // Keep walked files whose name ends with one of these (ASCII case-insensitive, e.g. ".json",
  // ".json.gz", ".evtx"); empty keeps all.
  std::vector<std::string> extensions;
  // Keep walked files whose sniffed format is one of these; empty keeps all.
  std::vector<Format> formats;
  // Sniff each kept file's format and compression (opens it and decodes a few KiB).
  bool sniff = true;
  // Walk into entries whose name starts with '.' (named paths are always taken).
  bool include_hidden = false;
};

struct FoundFile {
  std::string path;
  uint64_t size = 0;  // bytes on disk
  Format format = Format::kUnknown;            // kUnknown when not sniffed or not recognised
  Compression compression = Compression::kNone;
};

struct PathIssue {
  std::string path;
  std::string message;
  std::string describe() const { return path + ": " + message; }
};

struct Discovery {
  std::vector<FoundFile> files;
  std::vector<PathIssue> issues;  // missing, unreadable or unsniffable entries; never fatal
};

// Files named in `paths` are taken as they are (filters apply only to files found by walking a
// directory); `-` (standard input) and named pipes are taken unsniffed, with size 0 and format
// kUnknown, for a reader to sniff as it reads them; directories are walked depth-first with entries sorted by name (byte order),
// following symbolic links but entering each directory once, and listing each file once.
Discovery discover(const std::vector<std::string>& paths, const DiscoverOptions& opts = {});

struct Sniffed {
  Format format = Format::kUnknown;
  Compression compression = Compression::kNone;
};
// Opens `path`, decodes its first few KiB and sniffs them (the name breaks ties).
Result<Sniffed> sniff_file(const std::string& path);

}  // namespace vigil
