// Resource limits of the EVTX decoder (format.h), each shown by a synthetic record built to cross
// it: BinXML values nested too deeply, elements nested too deeply, array expansion past the part
// budget, and a template that substitutes one large value thousands of times (text
// amplification). Each such record is reported with a clear reason and costs bounded work; the
// records around it are still delivered.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "read/evtx/chunk_builder.h"
#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"

namespace vigil::evtx {
namespace {

using testing::ChunkBuilder;
using testing::wide;

struct Collect : EventSink {
  std::vector<std::string> json;
  std::vector<std::string> issues;
  size_t largest = 0;
  bool on_event(const Event& ev, const RecordRef&) override {
    json.emplace_back();
    write_json(ev, json.back());
    largest = std::max(largest, json.back().size());
    return true;
  }
  void on_issue(const ReadIssue& issue) override { issues.push_back(issue.describe()); }
};

Collect decode(const std::vector<uint8_t>& bytes) {
  auto file = EvtxFile::from_memory("limits.evtx", bytes.data(), bytes.size());
  EXPECT_TRUE(file.ok()) << file.status().message();
  Collect sink;
  EXPECT_TRUE(file->read_all(sink).ok());
  return sink;
}

// A small good record, written before and after each hostile one.
void good_record(ChunkBuilder& b, uint64_t id) {
  b.record(
      id,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.subst(0, kValString);
        w.u8(0x04);
      },
      {{kValString, wide("ok")}});
}

bool mentions(const std::vector<std::string>& issues, const std::string& what) {
  for (const auto& i : issues) {
    if (i.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(EvtxLimits, TextAmplificationIsRefused) {
  // 7000 substitutions of one 16000-character value would render 112 MB from a 64 KiB chunk.
  ChunkBuilder b;
  good_record(b, 1);
  b.record(
      2,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        for (int i = 0; i < 7000; ++i) w.subst(0, kValString);
        w.u8(0x04);
      },
      {{kValString, wide(std::string(16000, 'A'))}});
  good_record(b, 3);
  Collect sink = decode(b.file());
  EXPECT_EQ(sink.json.size(), 2u);
  EXPECT_TRUE(mentions(sink.issues, "text")) << (sink.issues.empty() ? "" : sink.issues[0]);
  EXPECT_LE(sink.largest, kMaxRecordTextBytes);
}

TEST(EvtxLimits, LargeButReasonableRecordIsKept) {
  // 100 substitutions of a 16000-character value: 1.6 MB of text, under the budget.
  ChunkBuilder b;
  b.record(
      1,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        for (int i = 0; i < 100; ++i) w.subst(0, kValString);
        w.u8(0x04);
      },
      {{kValString, wide(std::string(16000, 'A'))}});
  Collect sink = decode(b.file());
  EXPECT_TRUE(sink.issues.empty()) << sink.issues[0];
  ASSERT_EQ(sink.json.size(), 1u);
  EXPECT_GT(sink.json[0].size(), 1600000u);
}

TEST(EvtxLimits, ElementsNestedTooDeeply) {
  ChunkBuilder b;
  good_record(b, 1);
  b.record(
      2,
      [](ChunkBuilder& w) {
        for (size_t i = 0; i < kMaxElementDepth + 8; ++i) {
          w.open("E", false);
          w.u8(0x02);
        }
        for (size_t i = 0; i < kMaxElementDepth + 8; ++i) w.u8(0x04);
      },
      {});
  good_record(b, 3);
  Collect sink = decode(b.file());
  EXPECT_EQ(sink.json.size(), 2u);
  EXPECT_TRUE(mentions(sink.issues, "nested too deeply")) << sink.issues.size();
}

TEST(EvtxLimits, ArrayCopiesCountAgainstTheTextBudget) {
  // Two arrays in one element: each copy made for the first carries the whole second array and
  // is expanded for it, 25000 x 25000 elements from 50 KB of values.
  ChunkBuilder b;
  good_record(b, 1);
  b.record(
      2,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("D", true);
        w.attr("A");
        w.subst(0, kValUInt8 | kValArrayFlag);
        w.u8(0x02);
        w.subst(1, kValUInt8 | kValArrayFlag);
        w.u8(0x04);
        w.u8(0x04);
      },
      {{kValUInt8 | kValArrayFlag, std::vector<uint8_t>(25000, 7)},
       {kValUInt8 | kValArrayFlag, std::vector<uint8_t>(25000, 9)}});
  good_record(b, 3);
  Collect sink = decode(b.file());
  EXPECT_EQ(sink.json.size(), 2u);
  EXPECT_TRUE(mentions(sink.issues, "8 MiB of text")) << (sink.issues.empty() ? "" : sink.issues[0]);
}

// A nested BinXML value: a template (defined inline, here) of one <W> holding `count` empty
// <E/> elements that all refer to one name.
void many_elements(ChunkBuilder& w, int count) {
  w.put("\x0f\x01\x01\x00", 4);
  w.u8(0x0c);
  w.u8(1);
  w.u32(0x99);
  w.u32(static_cast<uint32_t>(w.pos() + 4));
  w.u32(0);
  w.put("fedcba9876543210", 16);
  size_t size_at = w.pos();
  w.u32(0);
  size_t body = w.pos();
  w.put("\x0f\x01\x01\x00", 4);
  w.open("W", false);
  w.u8(0x02);
  w.u8(0x01);
  w.u16(0xffff);
  w.u32(0);
  uint32_t name_at = static_cast<uint32_t>(w.pos() + 4);
  w.name("E");
  w.u8(0x03);
  for (int i = 1; i < count; ++i) {
    w.u8(0x01);
    w.u16(0xffff);
    w.u32(0);
    w.u32(name_at);
    w.u8(0x03);
  }
  w.u8(0x04);
  w.u8(0x00);
  size_t end = w.pos();
  w.seek(size_at);
  w.u32(static_cast<uint32_t>(end - body));
  w.seek(end);
  w.u32(0);  // no substitution values
  w.u8(0x00);
}

TEST(EvtxLimits, NestedExpansionPastThePartBudget) {
  // 1000 substitutions of one nested value of 300 elements: 300 000 elements from 4 KB.
  ChunkBuilder sizing;
  size_t before = sizing.pos();
  many_elements(sizing, 300);
  size_t inner_size = sizing.pos() - before;
  ChunkBuilder b;
  good_record(b, 1);
  std::vector<size_t> offsets;
  b.record(
      2,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        for (int i = 0; i < 1000; ++i) w.subst(0, kValBinXml);
        w.u8(0x04);
      },
      {{kValBinXml, std::vector<uint8_t>(inner_size, 0)}}, &offsets);
  size_t end = b.pos();
  b.seek(offsets[0]);
  many_elements(b, 300);
  b.seek(end);
  good_record(b, 3);
  Collect sink = decode(b.file());
  EXPECT_EQ(sink.json.size(), 2u);
  EXPECT_TRUE(mentions(sink.issues, "too many parts")) << (sink.issues.empty() ? "" : sink.issues[0]);
}

TEST(EvtxLimits, NestedValueRepeatedWithinBudgetIsKept) {
  ChunkBuilder sizing;
  size_t before = sizing.pos();
  many_elements(sizing, 3);
  size_t inner_size = sizing.pos() - before;
  ChunkBuilder b;
  std::vector<size_t> offsets;
  b.record(
      1,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        for (int i = 0; i < 2; ++i) w.subst(0, kValBinXml);
        w.u8(0x04);
      },
      {{kValBinXml, std::vector<uint8_t>(inner_size, 0)}}, &offsets);
  size_t end = b.pos();
  b.seek(offsets[0]);
  many_elements(b, 3);
  b.seek(end);
  Collect sink = decode(b.file());
  EXPECT_TRUE(sink.issues.empty()) << sink.issues[0];
  ASSERT_EQ(sink.json.size(), 1u);
  EXPECT_EQ(sink.json[0], R"({"Event":{"W":{"E":null,"E_1":null,"E_2":null},"W_1":{"E":null,"E_1":null,"E_2":null}}})");
}

// An EventData of `count` Data elements named by an array (names i % `distinct`), each "v".
Collect many_data(int count, int distinct) {
  std::vector<uint8_t> names;
  for (int i = 0; i < count; ++i) {
    uint16_t n = static_cast<uint16_t>(i % distinct);
    names.push_back(n & 0xff);
    names.push_back(n >> 8);
  }
  ChunkBuilder b;
  b.record(
      1,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("EventData", false);
        w.u8(0x02);
        w.open("Data", true);
        w.attr("Name");
        w.subst(0, kValUInt16 | kValArrayFlag);
        w.u8(0x02);
        w.subst(1, kValString);
        w.u8(0x04);
        w.u8(0x04);
        w.u8(0x04);
      },
      {{kValUInt16 | kValArrayFlag, names}, {kValString, wide("v")}});
  return decode(b.file());
}

TEST(EvtxLimits, ManyNamedDataRenderInNLogN) {
  // 25000 distinct names: each Data once. (Names were compared pairwise: 3e8 comparisons.)
  Collect distinct = many_data(25000, 25000);
  EXPECT_TRUE(distinct.issues.empty()) << distinct.issues[0];
  ASSERT_EQ(distinct.json.size(), 1u);
  EXPECT_NE(distinct.json[0].find(R"({"Event":{"EventData":{"0":"v","1":"v",)"), std::string::npos);
  EXPECT_NE(distinct.json[0].find(R"("24999":"v"}}})"), std::string::npos);
  // Three names: three arrays of 8333 or 8334 values, in first-seen order.
  Collect repeated = many_data(25000, 3);
  ASSERT_EQ(repeated.json.size(), 1u);
  const std::string& j = repeated.json[0];
  EXPECT_EQ(j.rfind(R"({"Event":{"EventData":{"0":["v","v",)", 0), 0u) << j.substr(0, 80);
  size_t values = 0;
  for (size_t at = j.find("\"v\""); at != std::string::npos; at = j.find("\"v\"", at + 1)) ++values;
  EXPECT_EQ(values, 25000u);
  EXPECT_NE(j.find(R"(],"1":["v")"), std::string::npos);
  EXPECT_NE(j.find(R"(],"2":["v")"), std::string::npos);
}

// A BinXML value holding a template instance (by reference to the record's template) whose own
// value is the next level; `levels` deep.
std::vector<uint8_t> nested_value(uint32_t def_off, int levels) {
  std::vector<uint8_t> inner;
  for (int l = 0; l < levels; ++l) {
    std::vector<uint8_t> v = {0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01};
    auto u32 = [&v](uint32_t x) { for (int k = 0; k < 4; ++k) v.push_back((x >> (8 * k)) & 0xff); };
    u32(0x1234);
    u32(def_off);
    u32(inner.empty() ? 0 : 1);
    if (!inner.empty()) {
      v.push_back(inner.size() & 0xff);
      v.push_back((inner.size() >> 8) & 0xff);
      v.push_back(kValBinXml);
      v.push_back(0);
      v.insert(v.end(), inner.begin(), inner.end());
    }
    v.push_back(0x00);
    inner = std::move(v);
  }
  return inner;
}

Collect nested(int levels) {
  ChunkBuilder b;
  // The template of the first record is defined at a known offset: record start + 24 (header)
  // + 4 (fragment header) + 10 (instance token, version, id, offset).
  uint32_t def_off = static_cast<uint32_t>(b.pos() + 24 + 4 + 10);
  auto body = [](ChunkBuilder& w) {
    w.open("Event", false);
    w.u8(0x02);
    w.subst(0, kValBinXml, true);
    w.u8(0x04);
  };
  b.record(1, body, {{kValString, wide("x")}});
  b.record(2, body, {{kValBinXml, nested_value(def_off, levels)}});
  return decode(b.file());
}

TEST(EvtxLimits, BinXmlValuesNestedTooDeeply) {
  Collect shallow = nested(4);
  EXPECT_TRUE(shallow.issues.empty()) << shallow.issues[0];
  ASSERT_EQ(shallow.json.size(), 2u);
  EXPECT_NE(shallow.json[1].find(R"("Event":{"Event":{"Event")"), std::string::npos) << shallow.json[1];

  Collect deep = nested(kMaxNestingDepth + 4);
  EXPECT_EQ(deep.json.size(), 1u);
  EXPECT_TRUE(mentions(deep.issues, "nested too deeply")) << (deep.issues.empty() ? "" : deep.issues[0]);
}

}  // namespace
}  // namespace vigil::evtx
