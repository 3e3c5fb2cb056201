// The watched folder: appended JSON lines and CSV rows are taken once each, partial last lines
// wait, compressed files are read when they stop changing, a replaced file starts over, and a
// restarted watcher repeats nothing.
#include "serve/folder_watch.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

std::string ait_json(int n) {
  return "{\"time\":\"" + std::to_string(1642000000 + n) + "\",\"name\":\"Wazuh: rule " + std::to_string(n) +
         "\",\"ip\":\"10.0.0.1\",\"host\":\"mail\",\"short\":\"W\"}\n";
}

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inbox_ = dir_.file("inbox");
    std::filesystem::create_directories(inbox_ + "/aitads");
    ASSERT_TRUE(Store::open(dir_.file("vigil.db"), {}).ok());
  }
  void TearDown() override { stop(); }
  // One watcher pass, then wait until what it handed over is committed.
  void scan() {
    if (!watcher_) start();
    ASSERT_TRUE(watcher_->scan_once().ok());
    while (committer_->queued_records() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // A service restart: new committer and watcher, progress only from the store.
  void restart() {
    stop();
    start();
  }
  void start() {
    auto commit_store = Store::open(dir_.file("vigil.db"), {});
    auto watch_store = Store::open(dir_.file("vigil.db"), {});
    committer_ = std::make_unique<Committer>(std::move(commit_store).value(), CommitterOptions{}, nullptr, metrics_);
    committer_->start();
    WatchOptions options;
    options.dir = inbox_;
    options.profile = "auto";
    options.report = [this](const std::string& m) { reports_.push_back(m); };
    watcher_ = std::make_unique<FolderWatcher>(options, profiles_, *committer_, std::move(watch_store).value(), metrics_);
  }
  void stop() {
    watcher_.reset();
    if (committer_) committer_->stop();
    committer_.reset();
  }
  std::vector<std::string> stored(const std::string& field) {
    auto store = Store::open(dir_.file("vigil.db"), {});
    std::vector<std::string> out;
    EXPECT_TRUE(store->scan_alerts(0, [&](const StoredAlert& a) {
      size_t at = a.raw.find("\"" + field + "\":\"");
      out.push_back(at == std::string::npos ? a.raw : a.raw.substr(at + field.size() + 4, a.raw.find('"', at + field.size() + 4) - at - field.size() - 4));
      return true;
    }).ok());
    return out;
  }

  TempDir dir_;
  std::string inbox_;
  ProfileCatalog profiles_;
  MetricsRegistry metrics_;
  std::unique_ptr<Committer> committer_;
  std::unique_ptr<FolderWatcher> watcher_;
  std::vector<std::string> reports_;
};

TEST_F(WatchTest, AppendedJsonLinesAreTakenOnceAndPartialLinesWait) {
  std::string file = inbox_ + "/wazuh-forward.jsonl";
  append(file, ait_json(1) + ait_json(2));
  scan();
  EXPECT_EQ(stored("time").size(), 2u);
  std::string third = ait_json(3);
  append(file, third.substr(0, 20));  // a writer caught mid-line
  scan();
  EXPECT_EQ(stored("time").size(), 2u);
  append(file, third.substr(20) + ait_json(4));
  scan();
  restart();
  scan();  // nothing new since the last commit: nothing repeated after a restart
  auto times = stored("time");
  ASSERT_EQ(times.size(), 4u);
  EXPECT_EQ(times[2], "1642000003");
  EXPECT_EQ(times[3], "1642000004");
}

TEST_F(WatchTest, CsvRowsAppendedUnderAProfileFolderKeepOnlyTheProfileColumns) {
  std::string file = inbox_ + "/aitads/alerts.csv";
  append(file, "time,name,ip,host,short,time_label,event_label\n"
               "1642000001,Wazuh: a,10.0.0.1,mail,W,LABEL,LABEL\n");
  scan();
  restart();  // the header is remembered in the store
  append(file, "1642000002,\"Suricata: b, c\",10.0.0.2,web,S,LABEL,LABEL\n");
  scan();
  auto store = Store::open(dir_.file("vigil.db"), {});
  std::vector<std::string> raws;
  ASSERT_TRUE(store->scan_alerts(0, [&](const StoredAlert& a) {
    raws.push_back(a.raw);
    EXPECT_EQ(a.profile, "aitads");
    EXPECT_EQ(a.origin, "file:" + file);
    return true;
  }).ok());
  ASSERT_EQ(raws.size(), 2u);
  EXPECT_EQ(raws[1], "{\"time\":\"1642000002\",\"name\":\"Suricata: b, c\",\"ip\":\"10.0.0.2\",\"host\":\"web\",\"short\":\"S\"}");
  for (const auto& raw : raws) EXPECT_EQ(raw.find("LABEL"), std::string::npos) << raw;
}

TEST_F(WatchTest, CompressedFilesAreReadOnceStableAndReplacedFilesStartOver) {
  std::string body;
  for (int n = 0; n < 10; ++n) body += ait_json(n);
  std::string file = inbox_ + "/batch.jsonl.gz";
  gzFile gz = gzopen(file.c_str(), "wb");
  gzwrite(gz, body.data(), static_cast<unsigned>(body.size()));
  gzclose(gz);
  scan();  // first sight: not yet known to be complete
  EXPECT_EQ(stored("time").size(), 0u);
  scan();
  EXPECT_EQ(stored("time").size(), 10u);
  restart();
  scan();
  scan();
  EXPECT_EQ(stored("time").size(), 10u);

  std::string plain = inbox_ + "/rotated.jsonl";
  append(plain, ait_json(100));
  scan();
  std::filesystem::remove(plain);
  append(plain, ait_json(200));  // same name, new file (new inode): read from its start
  scan();
  auto times = stored("time");
  ASSERT_EQ(times.size(), 12u);
  EXPECT_EQ(times[11], "1642000200");
}

TEST_F(WatchTest, UnreadableFilesAreReportedOnceAndPartialNamesIgnored) {
  append(inbox_ + "/notes.txt", "just some words\nand more\n");
  append(inbox_ + "/upload.jsonl.part", ait_json(1));
  scan();
  scan();
  scan();
  EXPECT_EQ(stored("time").size(), 0u);
  ASSERT_EQ(reports_.size(), 1u);
  EXPECT_NE(reports_[0].find("notes.txt"), std::string::npos);
}

}  // namespace
}  // namespace vigil::serve
