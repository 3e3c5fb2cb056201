#include "read/read_path.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using testing::RecordingSink;

class ReadPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil_read_path_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(ReadPathTest, DispatchesByContentNotName) {
  RecordingSink json;
  ReadStats stats;
  ASSERT_TRUE(read_path(write("looks.csv", "{\"a\":1}\n"), json, {}, &stats).ok());
  EXPECT_EQ(stats.format, Format::kJson);
  EXPECT_EQ(json.lines, std::vector<std::string>{"event 0 line=1 offset=0 {\"a\":1}"});

  RecordingSink csv;
  ASSERT_TRUE(read_path(write("looks.json", "a,b\n1,2\n"), csv, {}, &stats).ok());
  EXPECT_EQ(stats.format, Format::kCsv);
  EXPECT_EQ(csv.lines, std::vector<std::string>{"event 0 line=2 offset=4 {\"a\":\"1\",\"b\":\"2\"}"});
}

// A live stream gives its bytes a read at a time, a header in pieces: the format is still told
// from the first line whole (the CSV header) and the records read as they come.
TEST(ReadPathLive, FormatIsToldFromTheFirstLineOfALiveStream) {
  ReadOptions opts;
  RecordingSink sink;
  ReadStats st;
  auto raw = std::make_unique<testing::LivePieces>(
      std::vector<std::string>{"ti", "me,comp", "uter\n", "2026-01-01T00:00:00Z,a\n", "2026-01-02T00:00:00Z,b\n"});
  ASSERT_TRUE(read_source(std::move(raw), "-", sink, opts, &st).ok());
  EXPECT_EQ(st.format, Format::kCsv);
  EXPECT_EQ(st.records, 2u);
  auto evtx = std::make_unique<testing::LivePieces>(std::vector<std::string>{"El", "fFi", std::string("le\0", 3), "xx"});
  bool hooked = false;
  opts.evtx = [&](const std::string&, ByteSource&, EventSink&, ReadStats&) {
    hooked = true;
    return Status::Ok();
  };
  ASSERT_TRUE(read_source(std::move(evtx), "-", sink, opts, &st).ok());
  EXPECT_TRUE(hooked);
  EXPECT_EQ(st.format, Format::kEvtx);
}

TEST_F(ReadPathTest, ForcedFormat) {
  RecordingSink sink;
  ReadOptions opts;
  opts.format = Format::kCsv;
  ASSERT_TRUE(read_path(write("x.txt", "host\nweb1\n"), sink, opts).ok());
  EXPECT_EQ(sink.lines, std::vector<std::string>{"event 0 line=2 offset=5 {\"host\":\"web1\"}"});
}

TEST_F(ReadPathTest, RefusalsAreStatuses) {
  RecordingSink sink;
  Status missing = read_path((dir_ / "nope.json").string(), sink, {});
  EXPECT_EQ(missing.code(), Code::kNotFound);
  EXPECT_NE(missing.message().find("nope.json: "), std::string::npos);

  Status unknown = read_path(write("blob.bin", std::string("\x7f" "ELF\x02\x01", 6)), sink, {});
  EXPECT_EQ(unknown.code(), Code::kUnsupported);

  Status evtx = read_path(write("log.evtx", std::string("ElfFile\0", 8) + "rest"), sink, {});
  EXPECT_EQ(evtx.code(), Code::kUnsupported);
  EXPECT_NE(evtx.message().find("EVTX"), std::string::npos);
  EXPECT_TRUE(sink.lines.empty());

  // An empty file without a telling name is simply empty.
  EXPECT_TRUE(read_path(write("empty", ""), sink, {}).ok());
}

TEST_F(ReadPathTest, EvtxHookGetsTheWholeDecompressedStream) {
  std::string body = std::string("ElfFile\0", 8);
  for (int i = 0; i < 300000; ++i) body += static_cast<char>(i * 31 % 251);
  std::string path = write("big.evtx", body);
  ReadOptions opts;
  std::string seen;
  std::string seen_path;
  opts.evtx = [&](const std::string& p, ByteSource& bytes, EventSink& sink, ReadStats& stats) {
    seen_path = p;
    char buf[4096];
    while (true) {
      Result<size_t> n = bytes.read(buf, sizeof buf);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      seen.append(buf, *n);
    }
    Event ev;
    ev.add_string("decoded_by", "hook");
    RecordRef ref;
    ref.source = p;
    ++stats.records;
    sink.on_event(ev, ref);
    return Status::Ok();
  };
  RecordingSink sink;
  ReadStats stats;
  opts.block_size = 4096;  // the window holds only part of the file when the hook takes over
  ASSERT_TRUE(read_path(path, sink, opts, &stats).ok());
  EXPECT_EQ(seen_path, path);
  EXPECT_EQ(seen, body);
  EXPECT_EQ(stats.format, Format::kEvtx);
  EXPECT_EQ(stats.records, 1u);
  ASSERT_EQ(sink.lines.size(), 1u);
}

TEST(ReadPathRealData, EvtxFileReachesTheHookByteForByte) {
  const std::string path =
      testing::shared_dir() +
      "/data/sigma-regression/regression_data/rules-threat-hunting/windows/image_load/"
      "image_load_win_werfaultsecure_dbgcore_dbghelp_load/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx";
  if (!fs::exists(path)) GTEST_SKIP() << "needs ../shared (data/sigma-regression)";
  ReadOptions opts;
  uint64_t bytes_seen = 0;
  opts.evtx = [&](const std::string&, ByteSource& bytes, EventSink&, ReadStats&) {
    char buf[65536];
    while (true) {
      Result<size_t> n = bytes.read(buf, sizeof buf);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      bytes_seen += *n;
    }
    return Status::Ok();
  };
  RecordingSink sink;
  ASSERT_TRUE(read_path(path, sink, opts).ok());
  EXPECT_EQ(bytes_seen, fs::file_size(path));
}

}  // namespace
}  // namespace vigil
