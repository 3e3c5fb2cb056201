#include "read/format.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "read/discover.h"
#include "read/test_support.h"

namespace vigil {
namespace {

struct SniffCase {
  std::string_view head;
  std::string_view path;
  Format want;
};

// Content decides; the name only breaks ties.
TEST(Format, SniffTable) {
  const SniffCase cases[] = {
      {std::string_view("ElfFile\0\0\0\0\0", 12), "x.json", Format::kEvtx},
      {"{\"a\":1}\n", "", Format::kJson},
      {"\xEF\xBB\xBF  \r\n[ {\"a\":1} ]", "", Format::kJson},
      {"\n\n   {\n  \"Event\": {", "dump.txt", Format::kJson},
      {"{\"a\":1}", "alerts.csv", Format::kJson},  // bytes beat the name
      {"time,name,ip,host,short\n1,x,1.2.3.4,h,s\n", "", Format::kCsv},
      {"\xEF\xBB\xBF" "a;b;c\r\n", "", Format::kCsv},
      {"a\tb\n1\t2\n", "", Format::kCsv},
      {"\"quoted,header\",b\n", "data.bin", Format::kCsv},
      {"justoneword\n", "one_column.csv", Format::kCsv},  // one column: only the name can tell
      {"justoneword\n", "notes.json", Format::kJson},  // undecided: the name says (damage follows)
      {"justoneword\n", "", Format::kUnknown},
      {"", "empty.jsonl", Format::kJson},
      {"  \n", "blank.csv.gz", Format::kCsv},
      {"", "x.evtx", Format::kEvtx},
      {"", "", Format::kUnknown},
      {std::string_view("\x01\x02,\x03", 4), "", Format::kUnknown},  // binary with a comma
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sniff_format(c.head, c.path), c.want)
        << "head=" << ::testing::PrintToString(std::string(c.head)) << " path=" << c.path;
  }
}

TEST(Format, Extensions) {
  EXPECT_EQ(format_from_extension("a/b.JSON"), Format::kJson);
  EXPECT_EQ(format_from_extension("x.jsonl.gz"), Format::kJson);
  EXPECT_EQ(format_from_extension("x.ndjson.zst"), Format::kJson);
  EXPECT_EQ(format_from_extension("x.tsv"), Format::kCsv);
  EXPECT_EQ(format_from_extension("Security.evtx"), Format::kEvtx);
  EXPECT_EQ(format_from_extension("dir.json/file"), Format::kUnknown);
  EXPECT_EQ(format_from_extension("x.gz"), Format::kUnknown);
  EXPECT_EQ(format_from_name("NDJSON"), Format::kJson);
  EXPECT_EQ(format_name(Format::kCsv), "csv");
}

TEST(Format, SniffRealFiles) {
  const std::string d = testing::shared_dir() + "/data";
  if (!std::filesystem::exists(d)) GTEST_SKIP() << "needs ../shared (data)";
  struct {
    std::string path;
    Format format;
    Compression compression;
  } cases[] = {
      {d + "/mordor/collection/host/msf_record_mic_2020-06-09225055.json.gz", Format::kJson,
       Compression::kGzip},
      {d + "/ait-ads/santos_alerts.csv.gz", Format::kCsv, Compression::kGzip},
      {d + "/sigma-regression/regression_data/rules-threat-hunting/windows/image_load/"
           "image_load_win_werfaultsecure_dbgcore_dbghelp_load/"
           "8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx",
       Format::kEvtx, Compression::kNone},
      {d + "/sigma-regression/regression_data/rules-threat-hunting/windows/image_load/"
           "image_load_win_werfaultsecure_dbgcore_dbghelp_load/info.yml",
       Format::kUnknown, Compression::kNone},
  };
  for (const auto& c : cases) {
    Result<Sniffed> s = sniff_file(c.path);
    ASSERT_TRUE(s.ok()) << c.path << ": " << s.status().message();
    EXPECT_EQ(s->format, c.format) << c.path;
    EXPECT_EQ(s->compression, c.compression) << c.path;
  }
}

}  // namespace
}  // namespace vigil
