// Batched delivery: the reader renders records a few at a time before handing them to the sink
// (EventDelivery in evtx_file.cc). Sinks must not see the difference: a sink that stops gets
// exactly the records up to its stop and the stats count only those; records and issues arrive
// in source order, the same order the unbatched XML delivery gives for the same bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"
#include "read/source.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;

std::string load(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The first sample (in name order) whose first chunk holds at least `want` records.
fs::path sample_with(uint32_t want) {
  const fs::path dir = VIGIL_SHARED_DIR "/data/evtx";
  if (!fs::exists(dir)) return {};
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto file = EvtxFile::open(f.string());
    if (file.ok() && file->chunk_count() > 0 && file->count_records(0) >= want) return f;
  }
  return {};
}

// Stops after `limit` records; notes what it saw, records and issues in one sequence.
struct Recorder : EventSink, XmlSink {
  size_t limit = SIZE_MAX;
  std::vector<uint64_t> indices;
  std::vector<std::string> sequence;  // "r<offset>" per record, "i<offset>:<message>" per issue
  bool take(const RecordRef& ref) {
    indices.push_back(ref.index);
    sequence.push_back(std::string("r").append(std::to_string(ref.offset)));
    return indices.size() < limit;
  }
  bool on_event(const Event&, const RecordRef& ref) override { return take(ref); }
  bool on_xml(std::string_view, const RecordRef& ref) override { return take(ref); }
  void on_issue(const ReadIssue& issue) override {
    sequence.push_back(std::string("i").append(std::to_string(issue.offset)).append(":").append(issue.message));
  }
};

TEST(EvtxBatch, SinkThatStopsGetsExactlyItsRecords) {
  const fs::path path = sample_with(40);
  if (path.empty()) GTEST_SKIP() << "needs ../shared (data/evtx with a chunk of 40 records)";
  auto file = EvtxFile::open(path.string());
  ASSERT_TRUE(file.ok());
  const std::string bytes = load(path);
  for (size_t limit : {1, 5, 15, 16, 17, 31, 32, 33, 39}) {
    {
      Recorder sink;
      sink.limit = limit;
      EvtxDecoder decoder;
      ChunkStats stats;
      ASSERT_TRUE(file->decode_chunk(0, sink, decoder, 100, &stats).ok());
      EXPECT_TRUE(stats.stopped) << limit;
      EXPECT_EQ(stats.decoded, limit);
      EXPECT_EQ(stats.records, limit);
      ASSERT_EQ(sink.indices.size(), limit);
      for (size_t i = 0; i < limit; ++i) EXPECT_EQ(sink.indices[i], 100 + i);
      // The same decoder then reads the whole chunk: nothing left over from the stop.
      Recorder all;
      ChunkStats full;
      ASSERT_TRUE(file->decode_chunk(0, all, decoder, 0, &full).ok());
      EXPECT_FALSE(full.stopped);
      EXPECT_EQ(all.indices.size(), file->count_records(0));
      EXPECT_EQ(full.records, file->count_records(0));
    }
    {
      Recorder sink;
      sink.limit = limit;
      ASSERT_TRUE(file->read_all(sink).ok());
      EXPECT_EQ(sink.indices.size(), limit);
    }
    {
      Recorder sink;
      sink.limit = limit;
      auto source = memory_source(bytes);
      uint64_t read = 0;
      ASSERT_TRUE(EvtxFile::read_stream(path.string(), *source, sink, &read).ok());
      EXPECT_EQ(sink.indices.size(), limit);
    }
  }
}

TEST(EvtxBatch, RecordsAndIssuesKeepSourceOrder) {
  const fs::path path = sample_with(40);
  if (path.empty()) GTEST_SKIP() << "needs ../shared (data/evtx with a chunk of 40 records)";
  std::string bytes = load(path);
  // Break every seventh record's BinXML (its first token becomes an unknown one), so decode
  // issues fall between records, inside batches and on their edges.
  std::vector<uint64_t> offsets;
  {
    auto file = EvtxFile::from_memory("x", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ASSERT_TRUE(file.ok());
    Recorder all;
    ASSERT_TRUE(file->read_all(all).ok());
    for (const auto& s : all.sequence) {
      if (s[0] == 'r') offsets.push_back(std::stoull(s.substr(1)));
    }
  }
  ASSERT_GE(offsets.size(), 40u);
  for (size_t i = 3; i < offsets.size(); i += 7) bytes[offsets[i] + kRecordHeaderSize] = '\x7f';
  auto file = EvtxFile::from_memory("damaged.evtx", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(file.ok());
  Recorder events, xml;
  ASSERT_TRUE(file->read_all(events).ok());
  ASSERT_TRUE(file->read_all_xml(xml).ok());
  EXPECT_EQ(events.sequence, xml.sequence);
  const size_t issues = std::count_if(events.sequence.begin(), events.sequence.end(),
                                      [](const std::string& s) { return s[0] == 'i'; });
  EXPECT_GE(issues, offsets.size() / 7);  // the damage was seen
  // Streamed, the same sequence (header notes aside, which both put first).
  Recorder streamed;
  auto source = memory_source(bytes);
  uint64_t read = 0;
  ASSERT_TRUE(EvtxFile::read_stream("damaged.evtx", *source, streamed, &read).ok());
  EXPECT_EQ(streamed.sequence, events.sequence);
}

}  // namespace
}  // namespace vigil::evtx
