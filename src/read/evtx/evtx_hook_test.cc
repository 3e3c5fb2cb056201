// read_evtx through read_path: a plain EVTX file, the same file gzip-compressed and the same
// bytes from a stream decode to the same records, and a file that is not EVTX after its magic
// is refused as a whole rather than read as nothing. Streamed reading (one chunk at a time)
// gives what mapped reading gives, record for record and issue for issue, on every sample file
// and on truncated copies of them; a stream that breaks keeps the records before the break.
#include "read/evtx/evtx_hook.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "read/evtx/chunk_builder.h"
#include "read/evtx/evtx_file.h"
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

struct CollectXml : XmlSink {
  std::vector<std::string> xml;
  std::vector<std::string> issues;
  bool on_xml(std::string_view text, const RecordRef& ref) override {
    xml.push_back(std::to_string(ref.index) + "@" + std::to_string(ref.offset) + " " + std::string(text));
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

// Mapped (from_memory + read_all) against streamed (read_stream over the same bytes): the
// same records in order; the same issues, of which the stream reports the missing-chunks note
// last instead of first (so they are compared sorted).
void expect_stream_matches_mapped(const std::string& name, const std::string& bytes, bool xml_too) {
  auto data = reinterpret_cast<const uint8_t*>(bytes.data());
  auto file = EvtxFile::from_memory(name, data, bytes.size());
  auto source = memory_source(bytes);
  Collect mapped, streamed;
  uint64_t consumed = 0;
  Status st = EvtxFile::read_stream(name, *source, streamed, &consumed);
  if (!file.ok()) {
    EXPECT_EQ(st.code(), file.status().code()) << name << ": " << st.message();
    return;
  }
  ASSERT_TRUE(file->read_all(mapped).ok()) << name;
  ASSERT_TRUE(st.ok()) << name << ": " << st.message();
  EXPECT_EQ(consumed, bytes.size()) << name;
  EXPECT_EQ(streamed.json, mapped.json) << name;
  std::sort(mapped.issues.begin(), mapped.issues.end());
  std::sort(streamed.issues.begin(), streamed.issues.end());
  EXPECT_EQ(streamed.issues, mapped.issues) << name;
  if (!xml_too) return;
  CollectXml mapped_xml, streamed_xml;
  auto again = memory_source(bytes);
  ASSERT_TRUE(file->read_all_xml(mapped_xml).ok());
  ASSERT_TRUE(EvtxFile::read_stream_xml(name, *again, streamed_xml, &consumed).ok());
  EXPECT_EQ(streamed_xml.xml, mapped_xml.xml) << name;
}

TEST(EvtxStream, ReadsEverySampleFileAsMappedReadingDoes) {
  std::filesystem::path root = std::filesystem::path(VIGIL_SHARED_DIR) / "data" / "evtx";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ".evtx") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 300u);
  size_t truncated = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string name = files[i].filename().string();
    expect_stream_matches_mapped(name, bytes, i % 10 == 0);
    if (i % 5 != 0) continue;
    // Cuts inside the header block, inside the first chunk, and two thirds of the way.
    for (size_t cut : {size_t{2000}, size_t{4096 + 30000}, bytes.size() * 2 / 3}) {
      if (cut >= bytes.size()) continue;
      expect_stream_matches_mapped(name + " cut at " + std::to_string(cut), bytes.substr(0, cut), false);
      ++truncated;
    }
  }
  EXPECT_GT(truncated, 100u);
}

// A ByteSource that yields `good` bytes, then fails as a damaged gzip stream does.
class BreakingSource : public ByteSource {
 public:
  BreakingSource(std::string good) : good_(std::move(good)) {}
  Result<size_t> read(char* dst, size_t capacity) override {
    if (at_ == good_.size()) return Corrupt("gzip stream damaged at byte " + std::to_string(at_));
    size_t n = std::min(capacity, std::min<size_t>(good_.size() - at_, 1000));
    std::copy_n(good_.data() + at_, n, dst);
    at_ += n;
    return n;
  }
  uint64_t raw_offset() const override { return at_; }

 private:
  std::string good_;
  size_t at_ = 0;
};

TEST(EvtxStream, ABrokenStreamKeepsTheRecordsBeforeTheBreak) {
  std::vector<uint8_t> one = two_records(), two = two_records();
  std::string bytes(one.begin(), one.end());
  bytes.append(two.begin() + kFileHeaderBlock, two.begin() + kFileHeaderBlock + 20000);  // the break falls in chunk 2
  BreakingSource source(bytes);
  Collect sink;
  uint64_t consumed = 0;
  Status st = EvtxFile::read_stream("broken.evtx.gz", source, sink, &consumed);
  EXPECT_EQ(st.code(), Code::kCorrupt) << st.message();
  EXPECT_NE(st.message().find("gzip stream damaged"), std::string::npos) << st.message();
  EXPECT_EQ(consumed, bytes.size());
  // Everything before the break is read as a file that ends there would be.
  auto file = EvtxFile::from_memory("broken.evtx.gz", reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_TRUE(file.ok());
  Collect mapped;
  ASSERT_TRUE(file->read_all(mapped).ok());
  ASSERT_GE(sink.json.size(), 2u);
  EXPECT_EQ(sink.json[0], R"({"Event":{"System":{"EventID":4624}}})");
  EXPECT_EQ(sink.json, mapped.json);
}

}  // namespace
}  // namespace vigil::evtx
