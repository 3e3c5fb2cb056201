// libFuzzer entry for the readers (build with -DVIGIL_FUZZ=ON and clang): arbitrary bytes, read
// as JSON, CSV or sniffed, plain or compressed, with small blocks and limits so every refill and
// limit path is reached. The reader must never crash, hang or leak, and its counts must agree
// with what the sink saw.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "read/read_path.h"

namespace {

class CountSink : public vigil::EventSink {
 public:
  bool on_event(const vigil::Event& ev, const vigil::RecordRef& ref) override {
    ++events;
    // Touch every node, as a matcher would.
    std::string scratch;
    for (uint32_t i = 0; i < ev.node_count(); ++i) {
      (void)vigil::Value(&ev, i).text(scratch);
    }
    return true;
  }
  void on_issue(const vigil::ReadIssue& issue) override { ++issues; }
  uint64_t events = 0, issues = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  vigil::ReadOptions opts;
  switch (mode & 3) {
    case 0: opts.format = vigil::Format::kJson; break;
    case 1: opts.format = vigil::Format::kCsv; break;
    default: break;  // sniff
  }
  opts.block_size = 4096;
  opts.max_record_bytes = (mode & 4) ? 256 : 1u << 20;
  opts.max_depth = (mode & 8) ? 4 : 64;
  if (mode & 16) opts.csv_columns = {"a"};
  CountSink sink;
  vigil::ReadStats stats;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  vigil::Status st = vigil::read_source(vigil::memory_source(std::move(bytes)), "fuzz", sink,
                                        opts, &stats);
  if (st.ok() && (stats.records != sink.events || stats.issues != sink.issues)) std::abort();
  return 0;
}
