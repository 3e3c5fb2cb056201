// Damage across the EVTX sample corpus (evtx_damage_test goes deep on one file; this goes wide):
// every sample of ../shared/data/evtx of two chunks or more (most hold one) up to 4 MB is
// truncated, zero-filled and bit-flipped in memory with a fixed seed. Records in chunks the damage did not touch must all be read with the
// same content as from the intact file (a chunk's templates and names are shared by its records,
// so damage inside a chunk may cost any record of that chunk, never one of another chunk).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;

struct Records : EventSink {
  std::map<uint64_t, std::string> by_offset;
  size_t issues = 0;
  bool on_event(const Event& ev, const RecordRef& ref) override {
    write_json(ev, by_offset[ref.offset]);
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
};

Records read(const std::vector<uint8_t>& bytes, bool* opened) {
  Records sink;
  auto file = EvtxFile::from_memory("damaged.evtx", bytes.data(), bytes.size());
  *opened = file.ok();
  if (file.ok()) {
    EXPECT_TRUE(file->read_all(sink).ok());
  }
  return sink;
}

size_t chunk_of(uint64_t offset) { return (offset - kFileHeaderBlock) / kChunkSize; }

struct Tally {
  size_t files = 0, copies = 0, intact = 0, recovered = 0, in_damaged = 0, saved_in_damaged = 0;
};

// `hit[c]`: chunk c was touched. Records of untouched chunks must come back unchanged.
void check(const Records& intact, const std::vector<uint8_t>& damaged, const std::vector<bool>& hit,
           bool header_hit, Tally* t) {
  bool opened = false;
  Records got = read(damaged, &opened);
  if (!opened) {
    EXPECT_TRUE(header_hit) << "file refused though its header was not touched";
    return;
  }
  ++t->copies;
  for (const auto& [offset, json] : intact.by_offset) {
    size_t c = chunk_of(offset);
    auto have = got.by_offset.find(offset);
    if (c < hit.size() && hit[c]) {
      ++t->in_damaged;
      t->saved_in_damaged += have != got.by_offset.end() && have->second == json;
      continue;
    }
    ++t->intact;
    if (have != got.by_offset.end() && have->second == json) {
      ++t->recovered;
    } else {
      ADD_FAILURE() << "record at " << offset << " (chunk " << c << ") lost or changed";
    }
  }
}

TEST(EvtxDamageCorpus, UntouchedChunksSurviveEveryKindOfDamage) {
  fs::path dir = fs::path(VIGIL_SHARED_DIR) / "data/evtx";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".evtx" && e.file_size() <= (4u << 20) &&
        e.file_size() > kFileHeaderBlock + kChunkSize) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 15u);
  Tally t;
  std::mt19937 rng(20);
  auto at = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  for (size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    bool opened = false;
    Records intact = read(bytes, &opened);
    ASSERT_TRUE(opened) << files[f];
    if (intact.by_offset.empty()) continue;
    ++t.files;
    const size_t chunks = (bytes.size() - kFileHeaderBlock + kChunkSize - 1) / kChunkSize;
    auto mark = [&](size_t b, size_t e, std::vector<bool>& hit, bool& header) {
      if (b < kFileHeaderBlock) header = true;
      for (size_t c = 0; c < chunks; ++c) {
        size_t cb = kFileHeaderBlock + c * kChunkSize, ce = cb + kChunkSize;
        if (b < ce && e > cb) hit[c] = true;
      }
    };
    for (int round = 0; round < 3; ++round) {
      // Truncated inside the chunks.
      {
        size_t cut = kFileHeaderBlock + at(bytes.size() - kFileHeaderBlock);
        std::vector<bool> hit(chunks, false);
        bool header = false;
        mark(cut, bytes.size(), hit, header);
        check(intact, std::vector<uint8_t>(bytes.begin(), bytes.begin() + cut), hit, header, &t);
      }
      // A zero-filled 4 KiB stretch (a lost sector run), anywhere but the file header.
      {
        std::vector<uint8_t> d = bytes;
        size_t b = kFileHeaderBlock + at(bytes.size() - kFileHeaderBlock);
        size_t e = std::min(bytes.size(), b + 4096);
        std::fill(d.begin() + b, d.begin() + e, 0);
        std::vector<bool> hit(chunks, false);
        bool header = false;
        mark(b, e, hit, header);
        check(intact, d, hit, header, &t);
      }
      // 16 flipped bits anywhere, the file header included.
      {
        std::vector<uint8_t> d = bytes;
        std::vector<bool> hit(chunks, false);
        bool header = false;
        for (int k = 0; k < 16; ++k) {
          size_t p = at(bytes.size());
          d[p] ^= static_cast<uint8_t>(1u << at(8));
          mark(p, p + 1, hit, header);
        }
        check(intact, d, hit, header, &t);
      }
    }
  }
  std::printf("evtx: %zu files, %zu damaged copies; %zu records outside damaged chunks, %zu recovered; "
              "%zu in damaged chunks, %zu of them still read unchanged\n", t.files, t.copies, t.intact,
              t.recovered, t.in_damaged, t.saved_in_damaged);
  EXPECT_EQ(t.recovered, t.intact);
  EXPECT_GT(t.intact, 10000u);
}

}  // namespace
}  // namespace vigil::evtx
