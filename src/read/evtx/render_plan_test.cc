// Render plans (render_plan.h): records replayed from a plan must be exactly what the slow path
// (RecordTree + EventRenderer) makes of them. Synthetic chunks check plan reuse, a value that is
// null in one record and present in the next, and the fallbacks (arrays, nested BinXML, a Data
// name made of a value); the shared samples are decoded with plans on and off and compared
// record by record (Event JSON, record identifier, index, offset, issues).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "read/evtx/chunk_builder.h"
#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;
using testing::ChunkBuilder;
using testing::le;
using testing::wide;
using Values = std::vector<std::pair<uint8_t, std::vector<uint8_t>>>;

struct Seen : EventSink {
  std::vector<std::string> lines;  // JSON + record id, index, offset; issues as "!" + text
  bool on_event(const Event& ev, const RecordRef& ref) override {
    std::string line;
    write_json(ev, line);
    line += " id=" + std::to_string(ref.record_id) + " index=" + std::to_string(ref.index) +
            " offset=" + std::to_string(ref.offset);
    lines.push_back(std::move(line));
    return true;
  }
  void on_issue(const ReadIssue& issue) override { lines.push_back(std::string("!").append(issue.describe())); }
};

struct Decoded {
  Seen seen;
  RenderPlanner::Stats stats;
};

// Decodes every chunk with `decoder` (a fresh one when null), plans on or off.
Decoded decode(const std::vector<uint8_t>& bytes, bool plans, EvtxDecoder* shared = nullptr) {
  Decoded out;
  auto file = EvtxFile::from_memory("plan.evtx", bytes.data(), bytes.size());
  EXPECT_TRUE(file.ok()) << file.status().message();
  if (!file.ok()) return out;
  EvtxDecoder own;
  EvtxDecoder& decoder = shared ? *shared : own;
  decoder.set_plans(plans);
  uint64_t index = 0;
  for (size_t c = 0; c < file->chunk_count(); ++c) {
    ChunkStats stats;
    EXPECT_TRUE(file->decode_chunk(c, out.seen, decoder, index, &stats).ok());
    index += stats.records;
  }
  out.stats = decoder.plan_stats();
  return out;
}

// <Event><System><EventID>v0</EventID><EventRecordID>v1</EventRecordID></System>
// <EventData><Data Name="User">v2</Data><Data Name="Count">v3</Data><Data Name="Note">
// v4 and v5</Data></EventData></Event>
void system_and_data(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("System", false);
  w.u8(0x02);
  w.open("EventID", false);
  w.u8(0x02);
  w.subst(0, kValUInt16);
  w.u8(0x04);
  w.open("EventRecordID", false);
  w.u8(0x02);
  w.subst(1, kValUInt64);
  w.u8(0x04);
  w.u8(0x04);  // </System>
  w.open("EventData", false);
  w.u8(0x02);
  const char* names[] = {"User", "Count"};
  for (uint16_t i = 0; i < 2; ++i) {
    w.open("Data", true);
    w.attr("Name");
    w.text(names[i]);
    w.u8(0x02);
    w.subst(static_cast<uint16_t>(2 + i), kValNull, true);
    w.u8(0x04);
  }
  w.open("Data", true);
  w.attr("Name");
  w.text("Note");
  w.u8(0x02);
  w.subst(4, kValString, true);
  w.text(" and ");
  w.subst(5, kValString, true);
  w.u8(0x04);
  w.u8(0x04);  // </EventData>
  w.u8(0x04);  // </Event>
}

Values system_values(uint64_t record_id, const std::string& user, bool count, int note) {
  Values v = {{kValUInt16, le(4624, 2)}, {kValUInt64, le(record_id, 8)}};
  v.push_back(user.empty() ? std::make_pair(kValNull, std::vector<uint8_t>{})
                           : std::make_pair(kValString, wide(user)));
  v.push_back(count ? std::make_pair(kValUInt32, le(record_id * 3, 4))
                    : std::make_pair(kValNull, std::vector<uint8_t>{}));
  v.push_back({kValString, wide(std::string("n").append(std::to_string(note)))});
  v.push_back({kValString, wide(note % 2 ? "odd" : "")});  // "" leaves no part: another shape
  return v;
}

// <Event><Other>v0</Other></Event>: same names as nothing above.
void other_template(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("Other", false);
  w.u8(0x02);
  w.subst(0, kValString);
  w.u8(0x04);
  w.u8(0x04);
}

TEST(RenderPlan, ReusesPlansAndFollowsShapeChanges) {
  ChunkBuilder b;
  size_t def = b.record(1, system_and_data, system_values(101, "alice", true, 1));
  b.instance(2, def, system_values(102, "bob", true, 3));     // same shape: replayed
  b.instance(3, def, system_values(103, "", true, 5));        // User null: a new shape
  b.instance(4, def, system_values(104, "carol", true, 7));   // first shape again: replayed
  b.instance(5, def, system_values(105, "", true, 9));        // second shape again: replayed
  b.instance(6, def, system_values(106, "dave", false, 2));   // Count null, Note's 2nd empty
  b.instance(7, def, system_values(107, "erin", false, 4));   // replayed
  std::vector<uint8_t> bytes = b.file();
  Decoded slow = decode(bytes, false);
  Decoded fast = decode(bytes, true);
  ASSERT_EQ(slow.seen.lines.size(), 7u);
  EXPECT_EQ(fast.seen.lines, slow.seen.lines);
  EXPECT_EQ(fast.stats.planned, 3u);
  EXPECT_EQ(fast.stats.replayed, 4u);
  EXPECT_EQ(fast.stats.fallback, 3u);
  EXPECT_EQ(slow.stats.replayed, 0u);
  EXPECT_EQ(fast.seen.lines[1],
            R"({"Event":{"System":{"EventID":4624,"EventRecordID":102},"EventData":)"
            R"({"User":"bob","Count":306,"Note":"n3 and odd"}}} id=102 index=1 offset=)" +
                slow.seen.lines[1].substr(slow.seen.lines[1].rfind('=') + 1));
  EXPECT_NE(fast.seen.lines[4].find(R"("User":"","Count":315,"Note":"n9 and odd")"),
            std::string::npos)
      << fast.seen.lines[4];
  EXPECT_NE(fast.seen.lines[6].find(R"("User":"erin","Count":"","Note":"n4 and ")"),
            std::string::npos)
      << fast.seen.lines[6];
}

TEST(RenderPlan, EqualTemplatesAtOtherOffsetsShareAPlan) {
  // Each record() stores its own copy of the template (another chunk offset, other name
  // offsets): the same compiled template, so the second copy is replayed from the first's plan.
  ChunkBuilder b;
  b.record(1, system_and_data, system_values(101, "alice", true, 1));
  size_t def = b.record(2, system_and_data, system_values(102, "bob", true, 3));
  b.instance(3, def, system_values(103, "carol", true, 5));
  b.record(4, other_template, {{kValString, wide("v")}});  // another template
  std::vector<uint8_t> bytes = b.file();
  Decoded slow = decode(bytes, false);
  Decoded fast = decode(bytes, true);
  ASSERT_EQ(slow.seen.lines.size(), 4u);
  EXPECT_EQ(fast.seen.lines, slow.seen.lines);
  EXPECT_EQ(fast.stats.planned, 2u);
  EXPECT_EQ(fast.stats.replayed, 2u);
}

// <Event><Provider Guid="v0"/><Computer>v1</Computer></Event>
void guid_and_computer(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("Provider", true);
  w.attr("Guid");
  w.subst(0, kValGuid);
  w.u8(0x03);  // />
  w.open("Computer", false);
  w.u8(0x02);
  w.subst(1, kValString);
  w.u8(0x04);
  w.u8(0x04);
}

TEST(RenderPlan, RepeatedValuesReuseTheirTextOnlyWhenEqual) {
  // Steps keep the first value they replay; later records get that text only when their bytes
  // are equal. Values alternate inside one batch, so a memo overwritten in place would show.
  ChunkBuilder b;
  auto values = [](uint8_t guid_byte, const std::string& computer) {
    return Values{{kValGuid, std::vector<uint8_t>(16, guid_byte)}, {kValString, wide(computer)}};
  };
  size_t def = b.record(1, guid_and_computer, values(0x11, "HOST-A"));
  const uint8_t guids[] = {0x22, 0x11, 0x22, 0x22, 0x33, 0x22, 0x11};
  const char* hosts[] = {"HOST-B", "HOST-A", "HOST-B", "HOST-B", "HOST-C", "HOST-A", "HOST-B"};
  for (size_t i = 0; i < 7; ++i) b.instance(2 + i, def, values(guids[i], hosts[i]));
  std::vector<uint8_t> bytes = b.file();
  Decoded slow = decode(bytes, false);
  Decoded fast = decode(bytes, true);
  ASSERT_EQ(slow.seen.lines.size(), 8u);
  EXPECT_EQ(fast.seen.lines, slow.seen.lines);
  EXPECT_EQ(fast.stats.replayed, 7u);
  EXPECT_NE(fast.seen.lines[5].find(R"({"Event":{"Provider":{"#attributes":{"Guid":)"
                                    R"("33333333-3333-3333-3333-333333333333"}},"Computer":"HOST-C"}})"),
            std::string::npos)
      << fast.seen.lines[5];
  EXPECT_NE(fast.seen.lines[7].find(R"("Guid":"11111111-1111-1111-1111-111111111111"}},)"
                                    R"("Computer":"HOST-B")"),
            std::string::npos)
      << fast.seen.lines[7];
}

// <Event><System><EventRecordID>v0</EventRecordID></System><EventData><Data Name=v1>v2</Data>
// <Item>v3</Item></EventData></Event>: value 0 is text; value 1 names a Data.
void named_by_value(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("System", false);
  w.u8(0x02);
  w.open("EventRecordID", false);
  w.u8(0x02);
  w.subst(0, kValString);
  w.u8(0x04);
  w.u8(0x04);
  w.open("EventData", false);
  w.u8(0x02);
  w.open("Data", true);
  w.attr("Name");
  w.subst(1, kValString);
  w.u8(0x02);
  w.subst(2, kValString);
  w.u8(0x04);
  w.open("Item", false);
  w.u8(0x02);
  w.subst(3, kValString | kValArrayFlag);
  w.u8(0x04);
  w.u8(0x04);
  w.u8(0x04);
}

TEST(RenderPlan, DataNamedByAValueTakesTheSlowPath) {
  ChunkBuilder b;
  auto values = [](const std::string& id, const std::string& name, bool array) {
    Values v = {{kValString, wide(id)}, {kValString, wide(name)}, {kValString, wide("x" + id)}};
    if (array) {
      std::vector<uint8_t> items = wide("a" + id);
      auto more = wide("b");
      items.insert(items.end(), more.begin(), more.end());
      v.push_back({kValString | kValArrayFlag, items});
    } else {
      v.push_back({kValNull, {}});
    }
    return v;
  };
  size_t def = b.record(1, named_by_value, values("11", "First", false));
  b.instance(2, def, values("12", "Second", false));  // the plan said no: slow path again
  b.instance(3, def, values("13", "Third", true));    // another shape, no plan either
  b.instance(4, def, values("14", "Fourth", true));
  std::vector<uint8_t> bytes = b.file();
  Decoded slow = decode(bytes, false);
  Decoded fast = decode(bytes, true);
  ASSERT_EQ(slow.seen.lines.size(), 4u);
  EXPECT_EQ(fast.seen.lines, slow.seen.lines);
  EXPECT_EQ(fast.stats.replayed, 0u);
  EXPECT_EQ(fast.stats.planned, 0u);
  EXPECT_EQ(fast.stats.fallback, 4u);
  EXPECT_NE(fast.seen.lines[1].find(R"("Second":"x12")"), std::string::npos) << fast.seen.lines[1];
  EXPECT_NE(fast.seen.lines[3].find(R"("Fourth":"x14","Item":"a14","Item_1":"b")"),
            std::string::npos)
      << fast.seen.lines[3];
  EXPECT_NE(fast.seen.lines[3].find(" id=14 "), std::string::npos) << fast.seen.lines[3];
}

// <Event><EventData><Data Name="List">v0</Data></EventData><Counts><N>v1</N></Counts></Event>
// with array values: the element repeats per item; item count and empty items shape the tree.
void arrays(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("EventData", false);
  w.u8(0x02);
  w.open("Data", true);
  w.attr("Name");
  w.text("List");
  w.u8(0x02);
  w.subst(0, kValString | kValArrayFlag);
  w.u8(0x04);
  w.u8(0x04);
  w.open("Counts", false);
  w.u8(0x02);
  w.open("N", false);
  w.u8(0x02);
  w.subst(1, kValUInt32 | kValArrayFlag);
  w.u8(0x04);
  w.u8(0x04);
  w.u8(0x04);
}

Values array_values(const std::vector<std::string>& strings, std::vector<uint32_t> numbers) {
  std::vector<uint8_t> s, n;
  for (const auto& item : strings) {
    auto w = wide(item);
    s.insert(s.end(), w.begin(), w.end());
  }
  for (uint32_t v : numbers) {
    auto b = le(v, 4);
    n.insert(n.end(), b.begin(), b.end());
  }
  return {{kValString | kValArrayFlag, s}, {kValUInt32 | kValArrayFlag, n}};
}

TEST(RenderPlan, ArraysArePlannedByItemCount) {
  ChunkBuilder b;
  size_t def = b.record(1, arrays, array_values({"a", "b"}, {1, 2, 3}));
  b.instance(2, def, array_values({"c", "d"}, {4, 5, 6}));     // replayed
  b.instance(3, def, array_values({"e", "", "f"}, {7, 8, 9}));  // three items, one empty
  b.instance(4, def, array_values({"g", "", "h"}, {10, 11, 12}));  // replayed
  b.instance(5, def, array_values({"i", "j"}, {13}));           // one number: a new shape
  b.instance(6, def, array_values({"k", "l"}, {1, 2, 3}));      // the first shape again
  std::vector<uint8_t> bytes = b.file();
  Decoded slow = decode(bytes, false);
  Decoded fast = decode(bytes, true);
  ASSERT_EQ(slow.seen.lines.size(), 6u);
  EXPECT_EQ(fast.seen.lines, slow.seen.lines);
  EXPECT_EQ(fast.stats.planned, 3u);
  EXPECT_EQ(fast.stats.replayed, 3u);
  EXPECT_NE(fast.seen.lines[1].find(R"({"List":["c","d"]},"Counts":{"N":4,"N_1":5,"N_2":6}})"),
            std::string::npos)
      << fast.seen.lines[1];
  EXPECT_NE(fast.seen.lines[3].find(R"({"List":["g","","h"]})"), std::string::npos)
      << fast.seen.lines[3];
  EXPECT_NE(fast.seen.lines[5].find(R"("N":1,"N_1":2,"N_2":3)"), std::string::npos)
      << fast.seen.lines[5];
}

// A record identifier held as text: replayed records read it from the text too.
void id_as_text(ChunkBuilder& w) {
  w.open("Event", false);
  w.u8(0x02);
  w.open("System", false);
  w.u8(0x02);
  w.open("EventRecordID", false);
  w.u8(0x02);
  w.subst(0, kValString);
  w.u8(0x04);
  w.u8(0x04);
  w.u8(0x04);
}

TEST(RenderPlan, RecordIdFromTextAndNumbers) {
  ChunkBuilder b;
  size_t def = b.record(1, id_as_text, {{kValString, wide("501")}});
  b.instance(2, def, {{kValString, wide("502")}});
  b.instance(3, def, {{kValString, wide("5x3")}});  // not a number: the header's id (3)
  b.instance(4, def, {{kValAnsiString, {'5', '0', '4', 0}}});  // another type: a new shape
  b.instance(5, def, {{kValAnsiString, {'5', '0', '5', 0}}});
  std::vector<uint8_t> bytes = b.file();
  Decoded slow = decode(bytes, false);
  Decoded fast = decode(bytes, true);
  ASSERT_EQ(slow.seen.lines.size(), 5u);
  EXPECT_EQ(fast.seen.lines, slow.seen.lines);
  EXPECT_EQ(fast.stats.replayed, 3u);
  const char* ids[] = {" id=501 ", " id=502 ", " id=3 ", " id=504 ", " id=505 "};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_NE(fast.seen.lines[i].find(ids[i]), std::string::npos) << fast.seen.lines[i];
  }
}

// Every sample of the shared corpora, plans on and off: the same lines, and most records replayed.
std::vector<fs::path> samples(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::exists(dir)) return files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Plans made in one file serve the next when a decoder is reused (as a hunt's workers do):
// `shared` decodes every file in turn; its lines must match the slow path's too.
RenderPlanner::Stats compare_corpus(const fs::path& dir, RenderPlanner::Stats* shared_stats) {
  RenderPlanner::Stats total;
  EvtxDecoder shared;
  for (const auto& path : samples(dir)) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    if (bytes.size() < kFileHeaderBlock) continue;
    auto probe = EvtxFile::from_memory("probe", bytes.data(), bytes.size());
    if (!probe.ok()) continue;
    Decoded slow = decode(bytes, false);
    Decoded fast = decode(bytes, true);
    Decoded reused = decode(bytes, true, &shared);
    EXPECT_EQ(reused.seen.lines, slow.seen.lines) << path;
    EXPECT_EQ(fast.seen.lines.size(), slow.seen.lines.size()) << path;
    size_t n = std::min(fast.seen.lines.size(), slow.seen.lines.size());
    for (size_t i = 0; i < n; ++i) {
      if (fast.seen.lines[i] != slow.seen.lines[i]) {
        ADD_FAILURE() << path << " line " << i << "\n plan: " << fast.seen.lines[i]
                      << "\n slow: " << slow.seen.lines[i];
        break;
      }
    }
    total.replayed += fast.stats.replayed;
    total.planned += fast.stats.planned;
    total.fallback += fast.stats.fallback;
  }
  *shared_stats = shared.plan_stats();
  return total;
}

TEST(RenderPlan, SharedSamplesSameWithAndWithoutPlans) {
  const fs::path evtx = VIGIL_SHARED_DIR "/data/evtx";
  if (!fs::exists(evtx)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  RenderPlanner::Stats shared;
  RenderPlanner::Stats s = compare_corpus(evtx, &shared);
  uint64_t all = s.replayed + s.fallback;
  std::printf("data/evtx: %llu of %llu records replayed from %llu plans (a decoder per file); "
              "%llu from %llu plans (one decoder)\n",
              static_cast<unsigned long long>(s.replayed), static_cast<unsigned long long>(all),
              static_cast<unsigned long long>(s.planned),
              static_cast<unsigned long long>(shared.replayed),
              static_cast<unsigned long long>(shared.planned));
  EXPECT_GT(s.replayed, all / 2);  // plans must carry most records of real logs
  EXPECT_GT(shared.replayed, s.replayed);  // and plans outlive their chunk
  const fs::path regression = VIGIL_SHARED_DIR "/data/sigma-regression";
  RenderPlanner::Stats r = compare_corpus(regression, &shared);
  std::printf("data/sigma-regression: %llu of %llu records replayed from %llu plans (a decoder "
              "per file); %llu from %llu plans (one decoder)\n",
              static_cast<unsigned long long>(r.replayed),
              static_cast<unsigned long long>(r.replayed + r.fallback),
              static_cast<unsigned long long>(r.planned),
              static_cast<unsigned long long>(shared.replayed),
              static_cast<unsigned long long>(shared.planned));
}

TEST(RenderPlan, DamagedSamplesSameWithAndWithoutPlans) {
  // Random byte changes inside records (values, sizes, template bodies, tokens): whatever the
  // slow path makes of a damaged record (an issue at its offset, or a record), a planner warm
  // from clean copies of the same logs must make the same. Checksums are not fixed up, so the
  // walker's own reports show too; both paths must agree on them all the same.
  const fs::path dir = VIGIL_SHARED_DIR "/data/evtx";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  std::vector<fs::path> files = samples(dir);
  uint64_t rng = 0x2545f4914f6cdd1dull;
  auto next = [&rng] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  EvtxDecoder warm;  // plans from clean files, then used on damaged ones
  size_t compared = 0, broken_records = 0;
  for (size_t f = 0; f < files.size(); f += 7) {
    std::ifstream in(files[f], std::ios::binary);
    std::vector<uint8_t> clean((std::istreambuf_iterator<char>(in)), {});
    if (clean.size() <= kFileHeaderBlock + kChunkHeaderSize) continue;
    decode(clean, true, &warm);
    for (int round = 0; round < 3; ++round) {
      std::vector<uint8_t> bytes = clean;
      size_t span = bytes.size() - kFileHeaderBlock;
      for (int k = 0; k < 12; ++k) {
        size_t at = kFileHeaderBlock + next() % span;
        if ((at - kFileHeaderBlock) % kChunkSize < kChunkHeaderSize) continue;  // keep chunks
        bytes[at] = static_cast<uint8_t>(next());
      }
      Decoded slow = decode(bytes, false);
      Decoded fast = decode(bytes, true);
      Decoded reused = decode(bytes, true, &warm);
      EXPECT_EQ(fast.seen.lines, slow.seen.lines) << files[f] << " round " << round;
      EXPECT_EQ(reused.seen.lines, slow.seen.lines) << files[f] << " round " << round;
      ++compared;
      for (const auto& line : slow.seen.lines) {
        broken_records += line.find(": record ") != std::string::npos;
      }
    }
  }
  EXPECT_GT(compared, 20u);
  EXPECT_GT(broken_records, 10u);              // the damage reached the decoder
  EXPECT_GT(warm.plan_stats().replayed, 1000u);  // and damaged chunks were replayed from plans
}

}  // namespace
}  // namespace vigil::evtx
