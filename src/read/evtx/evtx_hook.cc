#include "read/evtx/evtx_hook.h"

#include <sys/stat.h>

#include <cstdint>

#include "read/evtx/evtx_file.h"

namespace vigil::evtx {

Status read_evtx(const std::string& path, ByteSource& bytes, EventSink& sink, ReadStats& stats) {
  struct stat st;
  bool regular = path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  if (bytes.compression() == Compression::kNone && regular) {
    auto file = EvtxFile::open(path);
    if (!file.ok()) return file.status();
    stats.bytes += file->size();
    return file->read_all(sink);
  }
  // A compressed file, standard input or a pipe: decoded as it streams, one chunk at a time.
  return EvtxFile::read_stream(path, bytes, sink, &stats.bytes);
}

}  // namespace vigil::evtx
