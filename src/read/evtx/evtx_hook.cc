#include "read/evtx/evtx_hook.h"

#include <cstdint>

#include "read/evtx/evtx_file.h"

namespace vigil::evtx {

Status read_evtx(const std::string& path, ByteSource& bytes, EventSink& sink, ReadStats& stats) {
  if (bytes.compression() == Compression::kNone && path != "-") {
    auto file = EvtxFile::open(path);
    if (!file.ok()) return file.status();
    stats.bytes += file->size();
    return file->read_all(sink);
  }
  // EVTX is a file of 64 KiB chunks that point into one another by offset: a stream has to be
  // whole before it can be decoded.
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
