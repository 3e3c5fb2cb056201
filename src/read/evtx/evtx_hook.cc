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
  // A compressed file, standard input or a pipe: read whole, then decoded from memory (so such an
  // input costs its decompressed size in memory; a plain file is mapped instead).
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    auto n = bytes.read(buffer, sizeof buffer);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    data.append(buffer, *n);
  }
  stats.bytes += data.size();
  auto file = EvtxFile::from_memory(path, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  if (!file.ok()) return file.status();
  return file->read_all(sink);
}

}  // namespace vigil::evtx
