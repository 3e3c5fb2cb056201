// read_evtx through read_path: a plain EVTX file, the same file gzip-compressed and the same
// bytes from a stream decode to the same records, and a file that is not EVTX after its magic
// is refused as a whole rather than read as nothing.
#include "read/evtx/evtx_hook.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "read/evtx/chunk_builder.h"
#include "read/read_path.h"

namespace vigil::evtx {
namespace {

using testing::ChunkBuilder;
using testing::le;
using testing::wide;

struct Collect : EventSink {
  std::vector<std::string> json;
  std::vector<std::string> issues;
  bool on_event(const Event& ev, const RecordRef&) override {
    json.emplace_back();
    write_json(ev, json.back());
    return true;
  }
  void on_issue(const ReadIssue& issue) override { issues.push_back(issue.describe()); }
};

// One chunk of two records: <Event><System><EventID>N</EventID></System></Event>.
std::vector<uint8_t> two_records() {
  ChunkBuilder b;
  for (uint16_t id : {4624, 4688}) {
    b.record(id, [](ChunkBuilder& w) {
      w.open("Event", false);
      w.u8(0x02);
      w.open("System", false);
      w.u8(0x02);
      w.open("EventID", false);
      w.u8(0x02);
      w.subst(0, kValUInt16);
      w.u8(0x04);
      w.u8(0x04);
      w.u8(0x04);
    }, {{kValUInt16, le(id, 2)}});
  }
  return b.file();
}

class EvtxHookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-evtx-hook-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  std::string write_gzip(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = (dir_ / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    gzclose(f);
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(EvtxHookTest, PlainCompressedAndStreamedDecodeAlike) {
  std::vector<uint8_t> file = two_records();
  std::string plain = write("log.evtx", file);
  std::string packed = write_gzip("log.evtx.gz", file);
  ReadOptions options;
  options.evtx = read_evtx;

  Collect from_file, from_gzip, from_memory;
  ReadStats file_stats, gzip_stats, memory_stats;
  ASSERT_TRUE(read_path(plain, from_file, options, &file_stats).ok());
  ASSERT_TRUE(read_path(packed, from_gzip, options, &gzip_stats).ok());
  ASSERT_TRUE(read_source(memory_source(std::string(file.begin(), file.end())), "-", from_memory, options,
                          &memory_stats).ok());
  ASSERT_EQ(from_file.json.size(), 2u);
  EXPECT_EQ(from_file.json[0], R"({"Event":{"System":{"EventID":4624}}})");
  EXPECT_EQ(from_file.json[1], R"({"Event":{"System":{"EventID":4688}}})");
  EXPECT_EQ(from_gzip.json, from_file.json);
  EXPECT_EQ(from_memory.json, from_file.json);
  EXPECT_TRUE(from_file.issues.empty() && from_gzip.issues.empty() && from_memory.issues.empty());
  EXPECT_EQ(file_stats.bytes, file.size());
  EXPECT_EQ(gzip_stats.bytes, file.size());
  EXPECT_EQ(memory_stats.bytes, file.size());
  EXPECT_EQ(gzip_stats.compression, Compression::kGzip);
}

TEST_F(EvtxHookTest, ABrokenHeaderFailsTheInput) {
  std::vector<uint8_t> file = two_records();
  file.resize(100);  // the magic stays, the rest of the file header does not
  Collect sink;
  ReadOptions options;
  options.evtx = read_evtx;
  Status plain = read_path(write("short.evtx", file), sink, options);
  Status packed = read_path(write_gzip("short.evtx.gz", file), sink, options);
  EXPECT_EQ(plain.code(), Code::kCorrupt) << plain.message();
  EXPECT_EQ(packed.code(), Code::kCorrupt) << packed.message();
  EXPECT_TRUE(sink.json.empty());
}

}  // namespace
}  // namespace vigil::evtx
