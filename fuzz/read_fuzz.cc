// Fuzz target: the byte readers (JSON, CSV, sniffed; plain, gzip or zstd). The first byte picks
// the format, small or large record and depth limits and a CSV column selection; small blocks
// make every refill and record-spanning path reachable. The reader must never crash, hang or
// leak, and its counts must agree with what the sink saw.
#include <cstdint>
#include <string>

#include "fuzz_sinks.h"
#include "read/read_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  vigil::ReadOptions opts;
  switch (mode & 3) {
    case 0: opts.format = vigil::Format::kJson; break;
    case 1: opts.format = vigil::Format::kCsv; break;
    default: break;  // sniff
  }
  opts.block_size = (mode & 32) ? 64 : 4096;
  opts.max_record_bytes = (mode & 4) ? 256 : 1u << 20;
  opts.max_depth = (mode & 8) ? 4 : 64;
  if (mode & 16) opts.csv_columns = {"a"};
  if (mode & 64) opts.csv_delimiter = ';';
  vigil::fuzz::TouchSink sink;
  vigil::ReadStats stats;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::Status st = vigil::read_source(vigil::memory_source(std::move(bytes)), "fuzz", sink,
                                        opts, &stats);
  if (st.ok() && (stats.records != sink.events || stats.issues != sink.issues)) {
    vigil::fuzz::invariant_failed("ReadStats disagree with what the sink saw");
  }
  return 0;
}
