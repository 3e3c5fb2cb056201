#include "read/csv_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "read/read_path.h"
#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using testing::RecordingSink;

// Every testdata/csv/<input> with its <input>.expect.
TEST(CsvReader, DeclarativeCases) {
  auto inputs = testing::case_inputs(fs::path(VIGIL_SOURCE_DIR) / "src/read/testdata/csv");
  ASSERT_GE(inputs.size(), 11u);
  for (const auto& input : inputs) testing::run_case(input);
}

TEST(CsvReader, QuotedFieldsAcrossSmallBlocks) {
  // Quoted fields with doubled quotes and line breaks land on every block boundary.
  std::string csv = "id,text\r\n";
  for (int i = 0; i < 2000; ++i) {
    csv += std::to_string(i) + ",\"" + std::string(i % 37, 'q') + "\"\"\r\n" +
           std::string(i % 11, 'z') + "\"\r\n";
  }
  RecordingSink sink;
  ReadOptions opts;
  opts.format = Format::kCsv;
  opts.block_size = 4096;
  ASSERT_TRUE(read_source(memory_source(csv), "mem", sink, opts).ok());
  ASSERT_EQ(sink.events, 2000u);
  EXPECT_EQ(sink.issues, 0u);
  // Row i starts on line 2 + 2 * i (the header is line 1, each row spans two lines).
  EXPECT_EQ(sink.lines[1999].substr(0, 26), "event 1999 line=4000 offse");
  std::string want = "{\"id\":\"1999\",\"text\":\"" + std::string(1999 % 37, 'q') + "\\\"\\r\\n" +
                     std::string(1999 % 11, 'z') + "\"}";
  EXPECT_EQ(sink.lines[1999].substr(sink.lines[1999].find('{')), want);
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

TEST(CsvReaderRealData, AitAlertsWithColumnSubset) {
  const std::string dir = testing::shared_dir() + "/data/ait-ads";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/ait-ads)";
  struct Check : EventSink {
    bool on_event(const Event& ev, const RecordRef& ref) override {
      if (ev.root().size() != 5 || ev.root().get("time_label") || ev.root().get("event_label")) {
        ++wrong;
      }
      int64_t t = 0;
      if (!ev.root().get("time").as_int(&t) || t < 1'500'000'000) ++wrong;
      if (ev.root().get("name").str().empty()) ++wrong;
      ++rows;
      return true;
    }
    void on_issue(const ReadIssue& issue) override {
      if (first_issue.empty()) first_issue = issue.describe();
      ++issues;
    }
    size_t rows = 0, wrong = 0, issues = 0;
    std::string first_issue;
  };
  ReadOptions opts;
  opts.csv_columns = {"time", "name", "ip", "host", "short"};
  size_t total = 0;
  for (const char* name : {"fox", "harrison", "russellmitchell", "santos"}) {
    std::string path = dir + "/" + name + "_alerts.csv.gz";
    Check check;
    ReadStats stats;
    ASSERT_TRUE(read_path(path, check, opts, &stats).ok()) << path;
    EXPECT_EQ(stats.format, Format::kCsv);
    EXPECT_EQ(stats.compression, Compression::kGzip);
    EXPECT_EQ(check.issues, 0u) << check.first_issue;
    EXPECT_EQ(check.wrong, 0u);
    EXPECT_EQ(check.rows, count_gzip_lines(path) - 1) << path;  // header excluded
    total += check.rows;
  }
  EXPECT_GT(total, 1'200'000u);
}

TEST(CsvReaderRealData, AitFirstRowIsTheFirstAlert) {
  const std::string path = testing::shared_dir() + "/data/ait-ads/fox_alerts.csv.gz";
  if (!fs::exists(path)) GTEST_SKIP() << "needs ../shared (data/ait-ads)";
  RecordingSink sink;
  sink.stop_after = 1;
  ReadOptions opts;
  opts.csv_columns = {"time", "name", "ip", "host", "short"};
  ASSERT_TRUE(read_path(path, sink, opts).ok());
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(sink.lines[0],
            "event 0 line=2 offset=47 {\"time\":\"1642213952\",\"name\":\"Wazuh: ClamAV database "
            "update\",\"ip\":\"172.17.131.81\",\"host\":\"mail\",\"short\":\"W-Sys-Cav\"}");
}

}  // namespace
}  // namespace vigil
