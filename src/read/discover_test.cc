#include "read/discover.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

class DiscoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vigil_discover_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "b");
    fs::create_directories(root_ / ".hidden");
    write("a.jsonl", "{\"a\":1}\n");
    write("b/z.json", "{\n  \"z\": 1\n}\n");
    write("b/a.csv", "time,name\n1,x\n");
    write("c.txt", "hello\n");
    write("evtx.bin", std::string("ElfFile\0\0\0\0", 11));
    write(".dotfile.json", "{}");
    write(".hidden/x.json", "{}");
    fs::create_directory_symlink(root_, root_ / "b" / "loop");  // b/loop -> root: a cycle
    fs::create_symlink(root_ / "nowhere", root_ / "dangling");
    fs::create_symlink(root_ / "a.jsonl", root_ / "link_to_a.jsonl");  // same file twice
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& rel, const std::string& bytes) {
    std::ofstream(root_ / rel, std::ios::binary) << bytes;
  }
  std::vector<std::string> rel_paths(const Discovery& d) const {
    std::vector<std::string> out;
    for (const auto& f : d.files) out.push_back(f.path.substr(root_.string().size() + 1));
    return out;
  }

  fs::path root_;
};

TEST_F(DiscoverTest, WalksSortedOnceAndReportsDanglingLinks) {
  Discovery d = discover({root_.string()});
  EXPECT_EQ(rel_paths(d),
            (std::vector<std::string>{"a.jsonl", "b/a.csv", "b/z.json", "c.txt", "evtx.bin"}));
  ASSERT_EQ(d.issues.size(), 1u);
  EXPECT_EQ(d.issues[0].path, (root_ / "dangling").string());
  EXPECT_EQ(d.files[0].format, Format::kJson);
  EXPECT_EQ(d.files[1].format, Format::kCsv);
  EXPECT_EQ(d.files[3].format, Format::kUnknown);
  EXPECT_EQ(d.files[4].format, Format::kEvtx);
  EXPECT_EQ(d.files[0].size, 8u);
}

TEST_F(DiscoverTest, FiltersByFormatAndExtension) {
  DiscoverOptions by_format;
  by_format.formats = {Format::kJson};
  EXPECT_EQ(rel_paths(discover({root_.string()}, by_format)),
            (std::vector<std::string>{"a.jsonl", "b/z.json"}));

  DiscoverOptions by_ext;
  by_ext.extensions = {".JSON", ".csv"};
  by_ext.sniff = false;
  Discovery d = discover({root_.string()}, by_ext);
  EXPECT_EQ(rel_paths(d), (std::vector<std::string>{"b/a.csv", "b/z.json"}));
  EXPECT_EQ(d.files[0].format, Format::kUnknown);  // not sniffed
}

TEST_F(DiscoverTest, NamedPathsAreTakenAsGivenAndMissingOnesReported) {
  DiscoverOptions json_only;
  json_only.formats = {Format::kJson};
  Discovery d = discover({(root_ / "c.txt").string(), (root_ / "missing.json").string(),
                          (root_ / ".hidden").string()},
                         json_only);
  EXPECT_EQ(rel_paths(d), (std::vector<std::string>{"c.txt", ".hidden/x.json"}));
  ASSERT_EQ(d.issues.size(), 1u);
  EXPECT_NE(d.issues[0].describe().find("missing.json: "), std::string::npos);
}

// Standard input and named pipes are streams: listed unsniffed (opening a pipe with no writer
// to sniff it would block this test forever), standard input once however often it is named.
TEST_F(DiscoverTest, StandardInputAndPipesAreTakenUnsniffed) {
  fs::path fifo = root_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Discovery d = discover({"-", fifo.string(), (root_ / "a.jsonl").string(), "-"});
  ASSERT_EQ(d.files.size(), 3u);
  EXPECT_TRUE(d.issues.empty());
  EXPECT_EQ(d.files[0].path, "-");
  EXPECT_EQ(d.files[0].format, Format::kUnknown);
  EXPECT_EQ(d.files[1].path, fifo.string());
  EXPECT_EQ(d.files[1].format, Format::kUnknown);
  EXPECT_EQ(d.files[1].size, 0u);
  EXPECT_EQ(d.files[2].format, Format::kJson);
}

TEST_F(DiscoverTest, HiddenEntriesOnRequest) {
  DiscoverOptions opts;
  opts.include_hidden = true;
  opts.extensions = {".json"};
  EXPECT_EQ(rel_paths(discover({root_.string()}, opts)),
            (std::vector<std::string>{".dotfile.json", ".hidden/x.json", "b/z.json"}));
}

TEST(DiscoverRealData, MordorHasItsGzipJsonFiles) {
  const std::string dir = testing::shared_dir() + "/data/mordor";
  if (!fs::exists(dir)) GTEST_SKIP() << "needs ../shared (data/mordor)";
  DiscoverOptions opts;
  opts.formats = {Format::kJson};
  Discovery d = discover({dir}, opts);
  EXPECT_TRUE(d.issues.empty());
  ASSERT_GE(d.files.size(), 80u);
  for (const auto& f : d.files) EXPECT_EQ(f.compression, Compression::kGzip) << f.path;
  EXPECT_TRUE(std::is_sorted(d.files.begin(), d.files.end(),
                             [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; }));
}

}  // namespace
}  // namespace vigil
