// Fuzz target: a whole .evtx file (header, any number of chunks) read as Events and as XML, and
// chunk by chunk with per-chunk indices. Checks the promises of evtx_file.h: damage never stops
// the scan, count_records() agrees with decode_chunk(), every slot is either delivered or
// reported, and the Event and XML paths see the same records.
#include <cstddef>
#include <cstdint>

#include "fuzz_sinks.h"
#include "read/evtx/evtx_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  auto file = evtx::EvtxFile::from_memory("fuzz.evtx", data, size);
  if (!file.ok()) return 0;

  fuzz::TouchSink events;
  if (!file->read_all(events).ok()) fuzz::invariant_failed("read_all failed on a file that opened");
  fuzz::TouchXmlSink xml;
  if (!file->read_all_xml(xml).ok()) fuzz::invariant_failed("read_all_xml failed");
  if (xml.records != events.events) fuzz::invariant_failed("XML and Event paths disagree");

  // Chunk by chunk, one decoder reused across chunks (as a pipeline worker does).
  evtx::EvtxDecoder decoder;
  fuzz::TouchSink parts;
  uint64_t base = 0;
  for (size_t c = 0; c < file->chunk_count(); ++c) {
    evtx::ChunkStats stats;
    if (!file->decode_chunk(c, parts, decoder, base, &stats).ok()) {
      fuzz::invariant_failed("decode_chunk failed on a valid chunk number");
    }
    if (stats.records != file->count_records(c)) fuzz::invariant_failed("count_records differs");
    if (stats.decoded > stats.records) fuzz::invariant_failed("more decoded than slots");
    base += stats.records;
  }
  if (parts.events != events.events) fuzz::invariant_failed("chunk-wise read differs from read_all");
  return 0;
}
