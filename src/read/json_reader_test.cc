#include "read/json_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "read/json_record.h"
#include "read/read_path.h"
#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using testing::CountingSink;
using testing::RecordingSink;

const fs::path kCases = fs::path(VIGIL_SOURCE_DIR) / "src/read/testdata/json";

// Every testdata/json/<input> with its <input>.expect: layouts and damage cases, declared as data.
TEST(JsonReader, DeclarativeCases) {
  auto inputs = testing::case_inputs(kCases);
  ASSERT_GE(inputs.size(), 15u);
  for (const auto& input : inputs) testing::run_case(input);
}

Status read_string(const std::string& bytes, EventSink& sink, ReadOptions opts = {}) {
  opts.format = Format::kJson;
  return read_source(memory_source(bytes), "mem", sink, opts);
}

TEST(JsonReader, HugeNestingIsALimitNotACrash) {
  // A million open brackets, as a JSON Lines record and as a stream record, then a good record.
  std::string deep(1'000'000, '[');
  std::string closed_deep = deep + std::string(1'000'000, ']');
  RecordingSink lines;
  ASSERT_TRUE(read_string("{\"a\":1}\n{\"x\":" + deep + "\n{\"y\":" + closed_deep + "}\n{\"b\":2}\n",
                          lines)
                  .ok());
  ASSERT_EQ(lines.lines.size(), 4u);
  EXPECT_EQ(lines.lines[0], "event 0 line=1 offset=0 {\"a\":1}");
  EXPECT_EQ(lines.lines[1].substr(0, 26), "issue line=2 offset=8 malf") << lines.lines[1];
  EXPECT_EQ(lines.lines[2], "issue line=3 offset=1000014 nesting deeper than 64 levels");
  EXPECT_EQ(lines.lines[3], "event 3 line=4 offset=3000021 {\"b\":2}");

  RecordingSink stream;
  ASSERT_TRUE(read_string("{\"a\":1}{\"x\":" + deep, stream).ok());
  ASSERT_EQ(stream.lines.size(), 2u);
  EXPECT_EQ(stream.lines[1],
            "issue line=1 offset=7 malformed JSON: record cut short by the end of input");

  // Closed but too deep: the parser's limit, not the framing, refuses it.
  std::string closed = "{\"x\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  RecordingSink deep_closed;
  ASSERT_TRUE(read_string(closed + closed, deep_closed).ok());
  ASSERT_EQ(deep_closed.lines.size(), 2u);
  EXPECT_EQ(deep_closed.lines[0], "issue line=1 offset=0 nesting deeper than 64 levels");
}

TEST(JsonReader, SinkCanStopEarly) {
  RecordingSink sink;
  sink.stop_after = 2;
  ReadStats stats;
  ReadOptions opts;
  ASSERT_TRUE(
      read_source(memory_source("{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"), "mem", sink, opts, &stats)
          .ok());
  EXPECT_EQ(sink.events, 2u);
  EXPECT_TRUE(stats.stopped);
  EXPECT_EQ(stats.records, 2u);
}

TEST(JsonReader, RecordsSplitAcrossManySmallBlocks) {
  // 3,000 records through a 4 KiB block: every record boundary position gets crossed.
  std::string jsonl, pretty;
  for (int i = 0; i < 3000; ++i) {
    jsonl += "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 97, 'p') + "\"}\n";
    pretty += "{\n  \"i\": " + std::to_string(i) + ",\n  \"s\": \"" + std::string(i % 89, 's') +
              "\"\n}\n";
  }
  for (const std::string* text : {&jsonl, &pretty}) {
    CountingSink sink;
    ReadOptions opts;
    opts.block_size = 4096;
    ReadStats stats;
    ASSERT_TRUE(read_source(memory_source(*text), "mem", sink, opts, &stats).ok());
    EXPECT_EQ(sink.events, 3000u);
    EXPECT_EQ(sink.issues, 0u) << sink.first_issue;
    EXPECT_EQ(sink.last_index, 2999u);
    EXPECT_EQ(stats.bytes, text->size());
  }
}

TEST(JsonRecordParser, ParsesWithoutPaddingThroughCopy) {
  JsonRecordParser parser;
  Event ev;
  ASSERT_TRUE(parser.parse_copy(R"({"a":{"b":[1,"two",3.5]}})", ev).ok());
  EXPECT_EQ(testing::render_typed(ev), R"({"a":{"b":[1,"two",3.5]}})");
  Status bad = parser.parse_copy(R"({"a":})", ev);
  EXPECT_EQ(bad.code(), Code::kCorrupt);
  EXPECT_EQ(parser.parse_copy("[]", ev).message(), "record is not a JSON object");
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(JsonReader, TruncatedGzipDeliversWhatCameBeforeTheCut) {
  std::string jsonl;
  for (int i = 0; i < 20000; ++i) {
    jsonl += "{\"i\":" + std::to_string(i) + ",\"v\":\"" + std::to_string(i * 7919 % 10007) +
             "\"}\n";
  }
  std::string gz = gzip(jsonl);
  std::string cut = gz.substr(0, gz.size() / 2);
  fs::path tmp = fs::temp_directory_path() / "vigil_read_truncated.jsonl.gz";
  std::ofstream(tmp, std::ios::binary) << cut;
  RecordingSink sink;
  ReadStats stats;
  ASSERT_TRUE(read_path(tmp.string(), sink, {}, &stats).ok());
  fs::remove(tmp);
  EXPECT_EQ(stats.compression, Compression::kGzip);
  EXPECT_GT(sink.events, 5000u);
  EXPECT_LT(sink.events, 20000u);
  // The records delivered are the file's first ones, in order, and intact.
  std::string want = "event 100 line=101 offset=" + std::to_string(jsonl.find("{\"i\":100,")) +
                     " {\"i\":100,";
  EXPECT_EQ(sink.lines[100].substr(0, want.size()), want);
  // Then: the cut-off last line, and the stream fault itself.
  ASSERT_EQ(sink.issues, 2u);
  EXPECT_NE(sink.lines[sink.lines.size() - 2].find("malformed JSON"), std::string::npos);
  EXPECT_NE(sink.lines.back().find("gzip stream truncated"), std::string::npos);
}

// --- real data ---

// Counts records of an evtx_dump JSON file independently: objects open with '{' in column 0.
size_t count_column0_braces(const std::string& text) {
  size_t n = text.empty() || text[0] != '{' ? 0 : 1;
  for (size_t p = text.find("\n{"); p != std::string::npos; p = text.find("\n{", p + 1)) ++n;
  return n;
}

TEST(JsonReaderRealData, SigmaRegressionEvtxDumpFiles) {
  const std::string root = testing::shared_dir() + "/data/sigma-regression";
  if (!fs::exists(root)) GTEST_SKIP() << "needs ../shared (data/sigma-regression)";
  size_t files = 0, records = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".json") continue;
    ++files;
    CountingSink sink;
    ASSERT_TRUE(read_path(e.path().string(), sink, {}).ok()) << e.path();
    EXPECT_EQ(sink.issues, 0u) << sink.first_issue;
    EXPECT_EQ(sink.events, count_column0_braces(testing::slurp(e.path()))) << e.path();
    records += sink.events;
  }
  EXPECT_GE(files, 100u);
  EXPECT_GE(records, files);
}

TEST(JsonReaderRealData, SigmaRegressionFieldsResolve) {
  const std::string path =
      testing::shared_dir() +
      "/data/sigma-regression/regression_data/rules-threat-hunting/windows/image_load/"
      "image_load_win_werfaultsecure_dbgcore_dbghelp_load/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.json";
  if (!fs::exists(path)) GTEST_SKIP() << "needs ../shared (data/sigma-regression)";
  struct Check : EventSink {
    bool on_event(const Event& ev, const RecordRef& ref) override {
      int64_t id = 0;
      EXPECT_TRUE(ev.root().get("Event").get("System").get("EventID").as_int(&id));
      EXPECT_EQ(id, 7);
      EXPECT_EQ(ev.field("ImageLoaded").str(), "C:\\Windows\\System32\\dbgcore.dll");
      EXPECT_EQ(ev.field("Image").str(), "C:\\Windows\\System32\\WerFaultSecure.exe");
      Value rid = ev.root().get("Event").get("System").get("EventRecordID");
      EXPECT_EQ(rid.kind(), Kind::kInt);
      EXPECT_EQ(ev.root()
                    .get("Event")
                    .get("System")
                    .get("TimeCreated")
                    .get("#attributes")
                    .get("SystemTime")
                    .str(),
                "2025-11-27T07:40:10.165324Z");
      EXPECT_EQ(ev.root().get("Event").get("System").get("Correlation").kind(), Kind::kNull);
      ++seen;
      return true;
    }
    void on_issue(const ReadIssue& issue) override { ADD_FAILURE() << issue.describe(); }
    int seen = 0;
  } check;
  ASSERT_TRUE(read_path(path, check, {}).ok());
  EXPECT_EQ(check.seen, 1);
}

size_t count_gzip_lines(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  size_t lines = 0;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) lines += std::count(buf, buf + n, '\n');
  gzclose(f);
  return lines;
}

TEST(JsonReaderRealData, MordorGzipJsonLines) {
  const std::string dir = testing::shared_dir() + "/data/mordor";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/mordor)";
  for (const char* rel : {"collection/host/msf_record_mic_2020-06-09225055.json.gz",
                          "persistence/host/cmd_userinitmprlogonscript_batch_2020-10-1922471810.json.gz",
                          "defense_evasion/host/empire_psinject_PEinjection_2020-08-07143205.json.gz"}) {
    std::string path = dir + "/" + rel;
    ASSERT_TRUE(fs::exists(path)) << path;
    CountingSink sink;
    ReadStats stats;
    ASSERT_TRUE(read_path(path, sink, {}, &stats).ok());
    EXPECT_EQ(stats.format, Format::kJson);
    EXPECT_EQ(stats.compression, Compression::kGzip);
    EXPECT_EQ(sink.issues, 0u) << sink.first_issue;
    EXPECT_EQ(sink.events, count_gzip_lines(path)) << rel;
    EXPECT_GT(sink.events, 100u);
  }
}

TEST(JsonReaderRealData, MordorFirstRecordFields) {
  const std::string path =
      testing::shared_dir() + "/data/mordor/collection/host/msf_record_mic_2020-06-09225055.json.gz";
  if (!fs::exists(path)) GTEST_SKIP() << "needs ../shared (data/mordor)";
  struct First : RecordingSink {
    bool on_event(const Event& ev, const RecordRef& ref) override {
      EXPECT_EQ(ref.index, 0u);
      EXPECT_EQ(ref.line, 1u);
      EXPECT_EQ(ref.offset, 0u);
      EXPECT_EQ(ev.field("EventID").kind(), Kind::kInt);
      EXPECT_EQ(ev.field("Hostname").str(), "WORKSTATION6.mordor.local");
      EXPECT_EQ(ev.root().get("Keywords").kind(), Kind::kInt);
      EXPECT_EQ(ev.root().get("Keywords").node().num.i, INT64_MIN);
      EXPECT_EQ(ev.root().get("tags").first_child().str(), "mordorDataset");
      std::string_view msg = ev.root().get("Message").str();
      EXPECT_NE(msg.find("Registry value set:\r\nRuleName: -"), std::string_view::npos);
      return false;
    }
  } first;
  ReadStats stats;
  ASSERT_TRUE(read_path(path, first, {}, &stats).ok());
  EXPECT_TRUE(stats.stopped);
}

}  // namespace
}  // namespace vigil
