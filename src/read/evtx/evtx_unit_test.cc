// Unit tests on synthetic input: value formatting, UTF-16, and whole records built byte by byte
// (templates with every value type, arrays, nested BinXML, references, CDATA, Data naming rules)
// so that each layout rule is checked even where no real sample exercises it.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "read/evtx/chunk_builder.h"
#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"
#include "read/evtx/utf16.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {
namespace {

using testing::ChunkBuilder;
using testing::le;
using testing::wide;

std::string text_of(uint8_t type, std::vector<uint8_t> bytes, bool braces = false) {
  std::string out;
  EXPECT_TRUE(append_value_text(type, bytes.data(), bytes.size(), braces, out));
  return out;
}

TEST(EvtxValueText, FormatsEveryScalarType) {
  EXPECT_EQ(text_of(kValInt8, {0xff}), "-1");
  EXPECT_EQ(text_of(kValUInt8, {0xff}), "255");
  EXPECT_EQ(text_of(kValInt16, {0x00, 0x80}), "-32768");
  EXPECT_EQ(text_of(kValUInt32, {0x10, 0x27, 0, 0}), "10000");
  EXPECT_EQ(text_of(kValInt64, {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), "-2");
  EXPECT_EQ(text_of(kValHexInt32, {0x78, 0x03, 0, 0}), "0x378");
  EXPECT_EQ(text_of(kValHexInt64, {0, 0, 0, 0, 0, 0, 0, 0x80}), "0x8000000000000000");
  EXPECT_EQ(text_of(kValSizeT, {0x10, 0, 0, 0, 0, 0, 0, 0}), "0x10");
  EXPECT_EQ(text_of(kValBool, {1, 0, 0, 0}), "true");
  EXPECT_EQ(text_of(kValBool, {0, 0, 0, 0}), "false");
  EXPECT_EQ(text_of(kValBinary, {0xde, 0xad, 0x0b}), "DEAD0B");
  // 1.5f and 0.25 (double), and an integral double keeps its ".0".
  EXPECT_EQ(text_of(kValReal32, {0, 0, 0xc0, 0x3f}), "1.5");
  EXPECT_EQ(text_of(kValReal64, {0, 0, 0, 0, 0, 0, 0xd0, 0x3f}), "0.25");
  EXPECT_EQ(text_of(kValReal64, {0, 0, 0, 0, 0, 0, 0xf0, 0x3f}), "1.0");
  std::vector<uint8_t> guid = {0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0xe0, 0x43,
                               0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9};
  EXPECT_EQ(text_of(kValGuid, guid), "5770385F-C22A-43E0-BF4C-06F5698FFBD9");
  EXPECT_EQ(text_of(kValGuid, guid, true), "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_EQ(text_of(kValSid, {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}), "S-1-5-18");
  EXPECT_EQ(text_of(kValSid, {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0}),
            "S-1-5-32-544");
  // 2025-10-24T23:34:34.640670Z as FILETIME (100 ns ticks since 1601).
  uint64_t ft = (1761348874ull + 11644473600ull) * 10000000ull + 6406700ull;
  std::vector<uint8_t> ftb(8);
  std::memcpy(ftb.data(), &ft, 8);
  EXPECT_EQ(text_of(kValFileTime, ftb), "2025-10-24T23:34:34.640670Z");
  EXPECT_EQ(text_of(kValFileTime, std::vector<uint8_t>(8, 0)), "1601-01-01T00:00:00.000000Z");
  // SYSTEMTIME 2019-03-04 (Monday) 05:06:07.089
  EXPECT_EQ(text_of(kValSystemTime, {0xe3, 0x07, 3, 0, 1, 0, 4, 0, 5, 0, 6, 0, 7, 0, 89, 0}),
            "2019-03-04T05:06:07.089000Z");
  // A value shorter than its type is shown as bytes, never read past.
  EXPECT_EQ(text_of(kValUInt64, {1, 2}), "0102");
}

TEST(EvtxValueText, AnsiIsWindows1252) {
  std::string out;
  const uint8_t bytes[] = {'a', 0x80, 0xe9, ' ', 0, 'x'};
  append_ansi(bytes, sizeof bytes, out);
  EXPECT_EQ(out, "a\xe2\x82\xac\xc3\xa9");  // euro sign, e acute; trailing space and NUL cut
}

TEST(EvtxValueText, SplitsArrays) {
  std::vector<ValueItem> items;
  const uint8_t strings[] = {'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0};
  split_array(kValString | kValArrayFlag, strings, sizeof strings, items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].size, 2u);
  EXPECT_EQ(items[1].size, 4u);
  const uint8_t ints[] = {1, 0, 2, 0, 3};  // trailing partial item dropped
  split_array(kValUInt16 | kValArrayFlag, ints, sizeof ints, items);
  EXPECT_EQ(items.size(), 2u);
}

TEST(EvtxUtf16, ConvertsAsciiAndBeyond) {
  std::u16string s = u"Hello, world! 0123456789 \u00e9\u4e2d\U0001F600";
  std::vector<uint8_t> bytes(s.size() * 2);
  std::memcpy(bytes.data(), s.data(), bytes.size());
  std::string out;
  utf16_append(bytes.data(), s.size(), out);
  EXPECT_EQ(out, "Hello, world! 0123456789 \xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80");
  const uint8_t lone[] = {0x00, 0xd8, 'x', 0};  // unpaired high surrogate
  out.clear();
  utf16_append(lone, 2, out);
  EXPECT_EQ(out, "\xef\xbf\xbdx");
  const uint8_t padded[] = {'a', 0, ' ', 0, ' ', 0, 0, 0, 'z', 0};
  EXPECT_EQ(utf16_value_length(padded, 5), 1u);
}

// --- synthetic files (chunk_builder.h) ------------------------------------------------------

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

Collect decode(const std::vector<uint8_t>& bytes) {
  auto file = EvtxFile::from_memory("synthetic.evtx", bytes.data(), bytes.size());
  EXPECT_TRUE(file.ok()) << file.status().message();
  Collect sink;
  EXPECT_TRUE(file->read_all(sink).ok());
  return sink;
}

TEST(EvtxSynthetic, SystemValuesTypesAndNamedData) {
  ChunkBuilder b;
  b.record(
      7,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("System", false);
        w.u8(0x02);
        w.open("EventID", true);
        w.attr("Qualifiers");
        w.subst(0, kValUInt16, true);  // null: the attribute disappears
        w.u8(0x02);
        w.subst(1, kValUInt16);
        w.u8(0x04);
        w.open("Keywords", false);
        w.u8(0x02);
        w.subst(2, kValHexInt64);
        w.u8(0x04);
        w.open("Correlation", false);
        w.u8(0x03);
        w.u8(0x04);  // </System>
        w.open("EventData", false);
        w.u8(0x02);
        const char* names[] = {"I8", "F", "D", "B", "G", "Sid", "Bin", "St", "Empty", "Ansi"};
        for (uint16_t i = 0; i < 10; ++i) {
          w.open("Data", true);
          w.attr("Name");
          w.text(names[i]);
          w.u8(0x02);
          w.subst(static_cast<uint16_t>(3 + i), kValNull);
          w.u8(0x04);
        }
        w.u8(0x04);  // </EventData>
        w.u8(0x04);  // </Event>
      },
      {{kValNull, {}},
       {kValUInt16, le(4688, 2)},
       {kValHexInt64, le(0x8020000000000000ull, 8)},
       {kValInt8, {0x9c}},
       {kValReal32, le(0x3fc00000, 4)},
       {kValReal64, le(0x4009000000000000ull, 8)},
       {kValBool, le(1, 4)},
       {kValGuid, std::vector<uint8_t>(16, 0xab)},
       {kValSid, {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}},
       {kValBinary, {1, 2, 3}},
       {kValSystemTime, {0xe3, 0x07, 3, 0, 1, 0, 4, 0, 5, 0, 6, 0, 7, 0, 89, 0}},
       {kValString, wide("")},
       {kValAnsiString, {'h', 'i', 0}}});
  Collect sink = decode(b.file());
  ASSERT_TRUE(sink.issues.empty()) << sink.issues.front();
  ASSERT_EQ(sink.json.size(), 1u);
  EXPECT_EQ(sink.json[0],
            R"({"Event":{"System":{"EventID":4688,"Keywords":"0x8020000000000000",)"
            R"("Correlation":null},"EventData":{"I8":-100,"F":"1.5","D":"3.125","B":true,)"
            R"("G":"ABABABAB-ABAB-ABAB-ABAB-ABABABABABAB","Sid":"S-1-5-18","Bin":"010203",)"
            R"("St":"2019-03-04T05:06:07.089000Z","Empty":"","Ansi":"hi"}}})");
}

TEST(EvtxSynthetic, ArraysRepeatTheirElement) {
  ChunkBuilder b;
  std::vector<uint8_t> strings = wide("one");
  auto two = wide("two");
  strings.insert(strings.end(), two.begin(), two.end());
  b.record(
      1,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("EventData", false);
        w.u8(0x02);
        w.open("Data", true);
        w.attr("Name");
        w.text("Names");
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
      },
      {{kValString | kValArrayFlag, strings},
       {kValUInt32 | kValArrayFlag, {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0}}});
  Collect sink = decode(b.file());
  ASSERT_EQ(sink.json.size(), 1u);
  EXPECT_EQ(sink.json[0],
            R"({"Event":{"EventData":{"Names":["one","two"]},"Counts":{"N":1,"N_1":2,"N_2":3}}})");
}

TEST(EvtxSynthetic, UnnamedDataReferencesAndCData) {
  ChunkBuilder b;
  b.record(
      1,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("EventData", false);
        w.u8(0x02);
        for (uint16_t i = 0; i < 2; ++i) {
          w.open("Data", false);
          w.u8(0x02);
          w.subst(i, kValString);
          w.u8(0x04);
        }
        w.u8(0x04);
        w.open("Msg", false);
        w.u8(0x02);
        w.text("a");
        w.u8(0x09);  // &amp;
        w.name("amp");
        w.u8(0x08);  // &#66;
        w.u16(66);
        w.u8(0x07);  // CDATA
        w.u16(2);
        w.utf16("<c");
        w.u8(0x04);
        w.u8(0x04);
      },
      {{kValString, wide("first ")}, {kValString, wide("second")}});
  Collect sink = decode(b.file());
  ASSERT_EQ(sink.json.size(), 1u);
  EXPECT_EQ(sink.json[0],
            R"({"Event":{"EventData":{"Data":{"#text":["first","second"]}},"Msg":"a&B<c"}})");
}

void nested_fragment(ChunkBuilder& w) {
  w.put("\x0f\x01\x01\x00", 4);
  w.open("Cleared", false, false);  // nested fragments carry no dependency identifiers
  w.u8(0x02);
  w.open("By", false, false);
  w.u8(0x02);
  w.text("admin");
  w.u8(0x04);
  w.u8(0x04);
  w.u8(0x00);
}

TEST(EvtxSynthetic, NestedBinXmlBecomesChildren) {
  // The template puts value 0 (BinXML) inside <UserData>; its elements become UserData's
  // children. Inline names must sit at their real chunk offsets, so the fragment is written in
  // place once the record has fixed where the value lands.
  ChunkBuilder sizing;
  size_t before = sizing.pos();
  nested_fragment(sizing);
  size_t inner_size = sizing.pos() - before;
  ChunkBuilder b;
  std::vector<size_t> offsets;
  b.record(
      1,
      [](ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("UserData", false);
        w.u8(0x02);
        w.subst(0, kValBinXml);
        w.u8(0x04);
        w.u8(0x04);
      },
      {{kValBinXml, std::vector<uint8_t>(inner_size, 0)}}, &offsets);
  size_t end = b.pos();
  b.seek(offsets[0]);
  nested_fragment(b);
  b.seek(end);
  Collect sink = decode(b.file());
  EXPECT_TRUE(sink.issues.empty()) << sink.issues.front();
  ASSERT_EQ(sink.json.size(), 1u);
  EXPECT_EQ(sink.json[0], R"({"Event":{"UserData":{"Cleared":{"By":"admin"}}}})");
}

TEST(EvtxSynthetic, BadFileHeaderIsAnError) {
  std::vector<uint8_t> bytes(5000, 0);
  auto file = EvtxFile::from_memory("zero.evtx", bytes.data(), bytes.size());
  EXPECT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Code::kCorrupt);
  auto small = EvtxFile::from_memory("tiny.evtx", bytes.data(), 10);
  EXPECT_FALSE(small.ok());
  auto missing = EvtxFile::open("/nonexistent/file.evtx");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

// Read into a caller's buffer (what hunt workers do with several threads) or mapped, a file
// gives the same records; a reused buffer holding a longer file before is read only as far as
// the new file goes; a file past kReadLimit is mapped even when a buffer is offered.
TEST(EvtxSynthetic, ReadIntoABufferOrMappedGivesTheSameRecords) {
  auto one_record = [](uint64_t id, const std::string& text) {
    ChunkBuilder b;
    b.record(
        id,
        [](ChunkBuilder& w) {
          w.open("Event", false);
          w.u8(0x02);
          w.open("Data", false);
          w.u8(0x02);
          w.subst(0, kValString);
          w.u8(0x04);
          w.u8(0x04);
        },
        {{kValString, [&] {
            std::vector<uint8_t> v;
            for (char c : text) v.insert(v.end(), {static_cast<uint8_t>(c), 0});
            return v;
          }()}});
    return b.file();
  };
  const std::string dir = ::testing::TempDir();
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return path;
  };
  std::vector<uint8_t> long_file = one_record(1, "first file");
  long_file.resize(long_file.size() + 3 * kChunkSize, 0);  // empty chunk slots after it
  std::vector<uint8_t> big_file = one_record(3, "big file");
  big_file.resize(EvtxFile::kReadLimit + kChunkSize, 0);
  const std::string paths[] = {write("vigil_read_long.evtx", long_file),
                               write("vigil_read_short.evtx", one_record(2, "second")),
                               write("vigil_read_big.evtx", big_file)};
  auto records = [](Result<EvtxFile>& file) {
    Collect sink;
    EXPECT_TRUE(file.ok()) << file.status().message();
    if (file.ok()) {
      EXPECT_TRUE(file->read_all(sink).ok());
    }
    return sink.json;
  };
  std::vector<uint8_t> buffer;
  for (const std::string& path : paths) {
    auto mapped = EvtxFile::open(path);
    auto read = EvtxFile::open(path, buffer);
    ASSERT_TRUE(read.ok()) << read.status().message();
    std::vector<std::string> want = records(mapped), got = records(read);
    ASSERT_EQ(want.size(), 1u) << path;
    EXPECT_EQ(got, want) << path;
    EXPECT_EQ(read->size(), mapped->size()) << path;
    EXPECT_EQ(read->chunk_count(), mapped->chunk_count()) << path;
  }
  EXPECT_LE(buffer.size(), EvtxFile::kReadLimit);  // the big file was mapped, not read
  EXPECT_GE(buffer.size(), long_file.size());
  auto gone = EvtxFile::open(dir + "/vigil-no-such.evtx", buffer);
  EXPECT_EQ(gone.status().code(), Code::kNotFound);
  for (const std::string& path : paths) std::remove(path.c_str());
}

}  // namespace
}  // namespace vigil::evtx
