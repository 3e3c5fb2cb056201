// Damaged files: real samples truncated, bit-flipped, zero-filled and mis-headed in memory. The
// reader must never crash or hang, must report damage with chunk and offset, and must still
// deliver every record the damage did not touch.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> load(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Record {
  uint64_t offset;
  uint32_t size;
  std::string json;
};

struct Sink : EventSink {
  std::vector<Record> records;
  std::vector<ReadIssue> issues;
  const std::vector<uint8_t>* bytes = nullptr;
  bool on_event(const Event& ev, const RecordRef& ref) override {
    Record r{ref.offset, load_u32(bytes->data() + ref.offset + 4), {}};
    write_json(ev, r.json);
    records.push_back(std::move(r));
    return true;
  }
  void on_issue(const ReadIssue& issue) override { issues.push_back(issue); }
};

Sink read(const std::vector<uint8_t>& bytes) {
  Sink sink;
  sink.bytes = &bytes;
  auto file = EvtxFile::from_memory("damaged.evtx", bytes.data(), bytes.size());
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (file.ok()) {
    EXPECT_TRUE(file->read_all(sink).ok());
  }
  return sink;
}

class EvtxDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::path(VIGIL_SHARED_DIR) / "data/evtx/DeepBlueCLI/many-events-application.evtx";
    if (!fs::exists(path_)) GTEST_SKIP() << "needs ../shared (data/evtx/DeepBlueCLI)";
    original_ = load(path_);
    intact_ = read(original_);
    ASSERT_TRUE(intact_.issues.empty());
    ASSERT_GT(intact_.records.size(), 1000u);
  }
  // Records of the intact file that lie wholly outside [begin, end) and in chunks whose
  // templates are untouched, i.e. that the damage cannot have affected.
  size_t intact_outside(uint64_t begin, uint64_t end) const {
    size_t n = 0;
    for (const auto& r : intact_.records) {
      uint64_t chunk_start = kFileHeaderBlock + (r.offset - kFileHeaderBlock) / kChunkSize * kChunkSize;
      if (end <= chunk_start || begin >= chunk_start + kChunkSize) ++n;
    }
    return n;
  }
  fs::path path_;
  std::vector<uint8_t> original_;
  Sink intact_;
};

TEST_F(EvtxDamage, TruncatedFileYieldsEveryCompleteRecord) {
  for (size_t cut : {original_.size() - 1, original_.size() / 2 + 12345, size_t{4096 + 70000},
                     size_t{4096 + 600}, size_t{4096}, size_t{2000}}) {
    std::vector<uint8_t> bytes(original_.begin(), original_.begin() + cut);
    Sink got = read(bytes);
    size_t complete = 0;
    for (const auto& r : intact_.records) complete += r.offset + r.size <= cut;
    EXPECT_EQ(got.records.size(), complete) << "cut at " << cut;
    for (size_t i = 0; i < got.records.size(); ++i) {
      EXPECT_EQ(got.records[i].json, intact_.records[i].json) << "cut at " << cut;
    }
    if (complete < intact_.records.size()) {
      EXPECT_FALSE(got.issues.empty()) << "cut at " << cut;
    }
  }
}

TEST_F(EvtxDamage, BrokenRecordHeaderCostsOnlyThatRecord) {
  std::vector<uint8_t> bytes = original_;
  std::set<uint64_t> broken;
  for (size_t i = 5; i < intact_.records.size(); i += 97) {  // spread over many chunks
    bytes[intact_.records[i].offset] ^= 0x40;                  // breaks the "**" signature
    broken.insert(intact_.records[i].offset);
  }
  Sink got = read(bytes);
  EXPECT_EQ(got.records.size(), intact_.records.size() - broken.size());
  size_t j = 0;
  for (const auto& r : intact_.records) {
    if (broken.count(r.offset)) continue;
    ASSERT_LT(j, got.records.size());
    EXPECT_EQ(got.records[j].offset, r.offset);
    EXPECT_EQ(got.records[j].json, r.json);
    ++j;
  }
  // Each broken record is reported with its chunk; checksums of the touched chunks fail too.
  size_t skipped = 0, checksum = 0;
  for (const auto& issue : got.issues) {
    EXPECT_GE(issue.chunk, 0);
    skipped += issue.message.find("broken record") != std::string::npos;
    checksum += issue.message.find("checksum") != std::string::npos;
  }
  EXPECT_EQ(skipped, broken.size());
  EXPECT_GT(checksum, 0u);
}

TEST_F(EvtxDamage, ZeroFilledChunkLosesOnlyThatChunk) {
  std::vector<uint8_t> bytes = original_;
  size_t begin = kFileHeaderBlock + 3 * kChunkSize, end = begin + kChunkSize;
  std::memset(bytes.data() + begin, 0, kChunkSize);
  Sink got = read(bytes);
  EXPECT_EQ(got.records.size(), intact_outside(begin, end));
  ASSERT_FALSE(got.issues.empty());
  EXPECT_EQ(got.issues[0].chunk, 3);
  EXPECT_EQ(got.issues[0].offset, begin);
}

TEST_F(EvtxDamage, ZeroFilledStretchInsideAChunkIsSkipped) {
  std::vector<uint8_t> bytes = original_;
  size_t begin = kFileHeaderBlock + 2 * kChunkSize + 20000, end = begin + 4096;
  std::memset(bytes.data() + begin, 0, end - begin);
  Sink got = read(bytes);
  size_t before_in_chunk = 0, untouched = intact_outside(begin, end);
  for (const auto& r : intact_.records) {
    if (r.offset >= begin - 20000 && r.offset + r.size <= begin) ++before_in_chunk;
  }
  // Everything outside the chunk, plus the chunk's records before the hole.
  EXPECT_GE(got.records.size(), untouched + before_in_chunk);
  EXPECT_LT(got.records.size(), intact_.records.size());
}

TEST_F(EvtxDamage, HeaderChecksumsAndCountsAreTolerated) {
  std::vector<uint8_t> bytes = original_;
  bytes[kFileHeaderBlock + 60] ^= 0xff;  // unused chunk header byte: header checksum fails
  uint16_t one = 1;
  std::memcpy(bytes.data() + kFhChunkCount, &one, 2);  // header counts one chunk only
  bytes[kFhFlags] |= kFileFlagDirty;
  Sink got = read(bytes);
  EXPECT_EQ(got.records.size(), intact_.records.size());
  bool header_note = false, chunk_note = false;
  for (const auto& issue : got.issues) {
    header_note |= issue.message.find("file header checksum") != std::string::npos;
    chunk_note |= issue.chunk == 0 && issue.message.find("header checksum") != std::string::npos;
  }
  EXPECT_TRUE(header_note);
  EXPECT_TRUE(chunk_note);
}

TEST_F(EvtxDamage, RandomBitFlipsNeverCrashAndSpareUntouchedChunks) {
  std::mt19937_64 rng(20240601);
  size_t runs = 60;
  for (size_t run = 0; run < runs; ++run) {
    std::vector<uint8_t> bytes = original_;
    size_t flips = 1 + run % 8;
    uint64_t lo = bytes.size(), hi = 0;
    for (size_t k = 0; k < flips; ++k) {
      size_t chunk = rng() % 4;  // keep flips within the first chunks
      size_t at = kFileHeaderBlock + chunk * kChunkSize + rng() % kChunkSize;
      bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      lo = std::min<uint64_t>(lo, at);
      hi = std::max<uint64_t>(hi, at + 1);
    }
    Sink got = read(bytes);
    EXPECT_GE(got.records.size(), intact_outside(lo, hi)) << "run " << run;
    EXPECT_LE(got.records.size(), intact_.records.size() + 64) << "run " << run;
  }
}

TEST_F(EvtxDamage, GarbageInsideRecordsIsReportedPerRecord) {
  // Overwrite the BinXML of records with random bytes (record headers intact): each becomes an
  // issue or decodes to something, and nothing runs out of bounds or loops.
  std::mt19937_64 rng(7);
  std::vector<uint8_t> bytes = original_;
  for (size_t i = 0; i < intact_.records.size(); i += 3) {
    const Record& r = intact_.records[i];
    for (uint64_t p = r.offset + 24; p + 4 < r.offset + r.size; ++p) {
      bytes[p] = static_cast<uint8_t>(rng());
    }
  }
  Sink got = read(bytes);
  size_t record_issues = 0;
  for (const auto& issue : got.issues) {
    const std::string& m = issue.message;  // per-record issues read "record <id>: <why>"
    record_issues += m.rfind("record ", 0) == 0 && m.size() > 7 && m[7] >= '0' && m[7] <= '9';
  }
  EXPECT_EQ(got.records.size() + record_issues, intact_.records.size());
  EXPECT_GT(record_issues, 0u);
}

}  // namespace
}  // namespace vigil::evtx
