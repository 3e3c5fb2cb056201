// read_evtx: the EVTX decoder as read_path's EvtxHook (ReadOptions::evtx), so every caller that
// reads mixed inputs (the hunt, the service's watched folder) decodes EVTX the same way.
// Stateless; concurrent calls are independent (each opens or drains its own input).
#pragma once

#include <string>

#include "core/status.h"
#include "read/options.h"

namespace vigil::evtx {

// Decodes one EVTX input for read_path: a plain file named by `path` is mapped in place; a
// compressed one (.evtx.gz, .evtx.zst), a pipe or standard input is decoded as it streams from
// `bytes`, one 64 KiB chunk at a time (memory stays flat). Records and damage go to `sink`, the bytes decoded are added to
// `stats.bytes`; a non-ok Status only for an input that cannot be read at all.
Status read_evtx(const std::string& path, ByteSource& bytes, EventSink& sink, ReadStats& stats);

}  // namespace vigil::evtx
