// Steady-state EVTX decoding must not allocate per record: this binary counts every operator new
// and checks that once a decoder is warm (its plans made, its buffers grown), decoding the same
// records again allocates nothing, whether they are replayed from plans or decoded the slow way.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/alloc_counter.h"
#include "read/evtx/chunk_builder.h"
#include "read/evtx/evtx_file.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;
using testing::ChunkBuilder;
using testing::le;
using testing::wide;

struct CountSink : EventSink {
  uint64_t records = 0, nodes = 0, issues = 0;
  bool on_event(const Event& ev, const RecordRef&) override {
    ++records;
    nodes += ev.node_count();
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
};

// Decodes every chunk of `file` with `decoder`; returns the allocations made meanwhile.
uint64_t allocations_decoding(const EvtxFile& file, EvtxDecoder& decoder, CountSink& sink) {
  uint64_t before = allocation_count();
  uint64_t index = 0;
  for (size_t c = 0; c < file.chunk_count(); ++c) {
    ChunkStats stats;
    EXPECT_TRUE(file.decode_chunk(c, sink, decoder, index, &stats).ok());
    index += stats.records;
  }
  return allocation_count() - before;
}

void event_body(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("System", false);
  w.u8(0x02);
  w.open("EventID", false);
  w.u8(0x02);
  w.subst(0, kValUInt16);
  w.u8(0x04);
  w.u8(0x04);
  w.open("EventData", false);
  w.u8(0x02);
  w.open("Data", true);
  w.attr("Name");
  w.text("CommandLine");
  w.u8(0x02);
  w.subst(1, kValString, true);
  w.u8(0x04);
  w.u8(0x04);
  w.u8(0x04);
}

TEST(EvtxAllocations, WarmDecoderAllocatesNothingPerRecord) {
  ChunkBuilder b;
  size_t def = b.record(1, event_body, {{kValUInt16, le(1, 2)}, {kValString, wide("cmd /c x")}});
  for (uint64_t i = 2; i <= 300; ++i) {
    std::vector<uint8_t> text = i % 3 ? wide("cmd.exe /c echo " + std::to_string(i))
                                      : std::vector<uint8_t>{};  // null: the other shape
    b.instance(i, def, {{kValUInt16, le(i, 2)}, {i % 3 ? kValString : kValNull, text}});
  }
  std::vector<uint8_t> bytes = b.file();
  auto file = EvtxFile::from_memory("alloc.evtx", bytes.data(), bytes.size());
  ASSERT_TRUE(file.ok());
  EvtxDecoder decoder;
  CountSink sink;
  allocations_decoding(*file, decoder, sink);  // warm up
  ASSERT_EQ(sink.records, 300u);
  uint64_t used = 0;
  for (int pass = 0; pass < 10; ++pass) used += allocations_decoding(*file, decoder, sink);
  EXPECT_EQ(sink.records, 3300u);
  EXPECT_EQ(sink.issues, 0u);
  EXPECT_GT(decoder.plan_stats().replayed, 3000u);
  EXPECT_EQ(used, 0u);
}

TEST(EvtxAllocations, SharedSamplesAllocateNothingOnceWarm) {
  const fs::path dir = VIGIL_SHARED_DIR "/data/evtx";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".evtx") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<EvtxFile> files;
  for (const auto& p : paths) {
    auto f = EvtxFile::open(p.string());
    if (f.ok()) files.push_back(std::move(*f));
  }
  ASSERT_FALSE(files.empty());
  for (bool plans : {true, false}) {  // replayed records, and every record the slow way
    EvtxDecoder decoder;
    decoder.set_plans(plans);
    CountSink sink;
    for (const auto& f : files) allocations_decoding(f, decoder, sink);  // warm up
    uint64_t warm_records = sink.records;
    uint64_t used = 0;
    for (const auto& f : files) used += allocations_decoding(f, decoder, sink);
    EXPECT_EQ(sink.records, 2 * warm_records);
    // The only allocations left are Event arena blocks: a batch slot whose record's strings
    // outgrow the one block an arena keeps across clear() grows again (core/arena.h), a
    // handful for the few huge records (script blocks) of the samples.
    EXPECT_LE(used, warm_records / 500) << used << " allocations for " << warm_records
                                         << " records, plans " << (plans ? "on" : "off");
  }
}

}  // namespace
}  // namespace vigil::evtx
