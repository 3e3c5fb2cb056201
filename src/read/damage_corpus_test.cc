// Damaged real inputs: JSON Lines (Mordor exports) and CSV (AIT-ADS alerts) from ../shared are
// truncated, zero-filled and sprinkled with hostile bytes in memory, many times each; every line
// that the damage did not touch must still be read, with the same content as from the intact
// file. The counts of intact, damaged and recovered lines are printed. (json_damage_test does the
// same on synthetic records, pretty-printed streams included; evtx damage is in read/evtx.)
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "read/read_path.h"
#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

std::string gunzip(const fs::path& p, size_t limit) {
  gzFile f = gzopen(p.c_str(), "rb");
  std::string out;
  if (!f) return out;
  char buf[65536];
  int n;
  while (out.size() < limit && (n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, n);
  gzclose(f);
  return out;
}

// The first `lines` complete lines.
std::string head_lines(const std::string& text, size_t lines) {
  size_t pos = 0;
  for (size_t i = 0; i < lines && pos < text.size(); ++i) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) return text.substr(0, pos);
    pos = nl + 1;
  }
  return text.substr(0, pos);
}

struct Rendered : EventSink {
  std::map<uint64_t, std::string> by_offset;  // record offset -> content
  size_t issues = 0;
  bool on_event(const Event& ev, const RecordRef& ref) override {
    by_offset[ref.offset] = testing::render_typed(ev);
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
};

Rendered read(const std::string& text, Format format) {
  Rendered sink;
  ReadOptions opts;
  opts.format = format;
  opts.block_size = 16384;  // many refills: damage also lands across block edges
  Status st = read_source(memory_source(text), "damaged", sink, opts);
  EXPECT_TRUE(st.ok()) << st.message();
  return sink;
}

struct Line {
  size_t begin, end;  // [begin, end) including the newline
};

std::vector<Line> lines_of(const std::string& text) {
  std::vector<Line> out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    out.push_back({pos, end});
    pos = end;
  }
  return out;
}

struct Tally {
  size_t rounds = 0, intact = 0, recovered = 0, touched = 0;
};

// One damaged copy: `hit` marks byte ranges changed. A line is untouched when no changed byte
// lies in it or in the line before (whose newline it depends on). For CSV, a line after a
// damaged one is also spared from the check when the damage put a quote in it, since a quote
// may open a field that runs on over line breaks by design (RFC 4180).
void check(const std::string& original, const std::string& damaged,
           const std::vector<std::pair<size_t, size_t>>& hits, Format format,
           const Rendered& intact, Tally* tally) {
  Rendered got = read(damaged, format);
  std::vector<Line> lines = lines_of(original);
  size_t first_line = format == Format::kCsv ? 1 : 0;  // the CSV header must survive
  bool header_hit = false;
  for (auto [b, e] : hits) header_hit |= format == Format::kCsv && b < lines[0].end;
  if (header_hit) return;
  ++tally->rounds;
  for (size_t i = first_line; i < lines.size(); ++i) {
    const Line& l = lines[i];
    size_t guard = i > 0 ? lines[i - 1].begin : 0;
    bool touched = false;
    for (auto [b, e] : hits) touched |= b < l.end && e > guard;
    if (format == Format::kCsv) {
      // A quote put anywhere earlier may legitimately swallow the rest of the file.
      for (auto [b, e] : hits) {
        if (b < l.begin && damaged.find('"', b) < std::min(e, damaged.size())) touched = true;
      }
    }
    auto want = intact.by_offset.find(l.begin);
    if (want == intact.by_offset.end()) continue;  // not a record in the intact file either
    if (touched) {
      ++tally->touched;
      continue;
    }
    ++tally->intact;
    // Offsets shift only where bytes were cut; truncation and zero-fill keep them.
    auto have = got.by_offset.find(l.begin);
    if (have != got.by_offset.end() && have->second == want->second) {
      ++tally->recovered;
    } else {
      ADD_FAILURE() << "line " << i << " at " << l.begin << " lost or changed after damage";
    }
  }
}

void damage_sample(const std::string& text, Format format, uint32_t seed, Tally* tally) {
  Rendered intact = read(text, format);
  ASSERT_EQ(intact.issues, 0u);
  ASSERT_GT(intact.by_offset.size(), 100u);
  std::mt19937 rng(seed);
  auto at = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  for (int round = 0; round < 8; ++round) {
    // Truncated anywhere.
    size_t cut = at(text.size());
    check(text, text.substr(0, cut), {{cut, text.size() + 1}}, format, intact, tally);
    // A zero-filled stretch (lost sectors).
    std::string zeroed = text;
    size_t b = at(text.size()), n = 1 + at(512);
    size_t e = std::min(text.size(), b + n);
    std::fill(zeroed.begin() + b, zeroed.begin() + e, '\0');
    check(text, zeroed, {{b, e}}, format, intact, tally);
    // Hostile bytes at a few places.
    static const char kHostile[] = "\"{}[],:\\\n\r\0\xff;\t";
    std::string garbled = text;
    std::vector<std::pair<size_t, size_t>> hits;
    for (int k = 0; k < 4; ++k) {
      size_t p = at(text.size());
      garbled[p] = kHostile[at(sizeof kHostile - 1)];
      hits.emplace_back(p, p + 1);
    }
    check(text, garbled, hits, format, intact, tally);
  }
}

void report(const char* what, const Tally& t) {
  std::printf("%s: %zu damaged copies; %zu lines outside the damage, %zu recovered; %zu lines touched\n",
              what, t.rounds, t.intact, t.recovered, t.touched);
}

TEST(DamageCorpus, MordorJsonLines) {
  fs::path dir = fs::path(VIGIL_SHARED_DIR) / "data/mordor";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/mordor)";
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().string().ends_with(".json.gz")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 8u);
  Tally tally;
  for (size_t i = 0; i < files.size(); i += files.size() / 8) {
    std::string text = head_lines(gunzip(files[i], 4u << 20), 1000);
    damage_sample(text, Format::kJson, static_cast<uint32_t>(i), &tally);
  }
  report("mordor jsonl", tally);
  EXPECT_EQ(tally.recovered, tally.intact);
  EXPECT_GT(tally.intact, 50000u);
}

TEST(DamageCorpus, AitAlertCsv) {
  fs::path dir = fs::path(VIGIL_SHARED_DIR) / "data/ait-ads";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/ait-ads)";
  Tally tally;
  uint32_t seed = 1;
  for (const char* name : {"fox_alerts.csv.gz", "harrison_alerts.csv.gz", "russellmitchell_alerts.csv.gz",
                           "santos_alerts.csv.gz"}) {
    std::string text = head_lines(gunzip(dir / name, 4u << 20), 3000);
    damage_sample(text, Format::kCsv, seed++, &tally);
  }
  report("ait csv", tally);
  EXPECT_EQ(tally.recovered, tally.intact);
  EXPECT_GT(tally.intact, 50000u);
}

}  // namespace
}  // namespace vigil
