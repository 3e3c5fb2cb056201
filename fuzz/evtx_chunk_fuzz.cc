// Fuzz target: one EVTX chunk. The input is the chunk's bytes (up to 64 KiB); a valid file header
// is put in front so every mutation lands in the chunk: its header, string and template tables,
// records and BinXML. The chunk is decoded twice with the same decoder, since a warm decoder's
// caches are where stale state would show. The decoder is kept across inputs too (as a pipeline
// worker keeps one across files): building one zeroes ~2 MB of offset-mapped tables, which was
// most of an execution's time.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_sinks.h"
#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"

namespace {

void put_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
void put_u32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }

std::vector<uint8_t> with_file_header(const uint8_t* chunk, size_t size) {
  using namespace vigil::evtx;
  std::vector<uint8_t> file(kFileHeaderBlock + size, 0);
  std::memcpy(file.data(), kFileMagic.data(), kFileMagic.size());
  put_u32(file.data() + kFhHeaderSize, kFileHeaderUsed);
  put_u16(file.data() + kFhMinorVersion, 1);
  put_u16(file.data() + kFhMajorVersion, 3);
  put_u16(file.data() + 40, static_cast<uint16_t>(kFileHeaderBlock));  // header block size
  put_u16(file.data() + kFhChunkCount, 1);
  uint32_t crc = static_cast<uint32_t>(crc32(0L, file.data(), kFileHeaderChecksummed));
  put_u32(file.data() + kFhChecksum, crc);
  if (size) std::memcpy(file.data() + kFileHeaderBlock, chunk, size);
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  if (size == 0 || size > evtx::kChunkSize) return 0;
  std::vector<uint8_t> bytes = with_file_header(data, size);
  auto file = evtx::EvtxFile::from_memory("chunk.evtx", bytes.data(), bytes.size());
  if (!file.ok()) fuzz::invariant_failed("a valid file header was refused");

  static evtx::EvtxDecoder* warm = new evtx::EvtxDecoder();
  evtx::EvtxDecoder& decoder = *warm;
  for (int pass = 0; pass < 2; ++pass) {
    fuzz::TouchSink sink;
    evtx::ChunkStats stats;
    if (!file->decode_chunk(0, sink, decoder, 0, &stats).ok()) {
      fuzz::invariant_failed("decode_chunk failed");
    }
    if (stats.decoded != sink.events) fuzz::invariant_failed("decoded count differs from sink");
    if (stats.records != file->count_records(0)) fuzz::invariant_failed("count_records differs");
  }
  fuzz::TouchXmlSink xml;
  evtx::ChunkStats xstats;
  if (!file->decode_chunk_xml(0, xml, decoder, 0, &xstats).ok()) fuzz::invariant_failed("xml");
  if (xstats.decoded != xml.records) fuzz::invariant_failed("xml count differs from sink");
  return 0;
}
