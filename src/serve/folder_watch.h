// FolderWatcher: ingests files dropped into, or appended to, a watched folder (JSON, CSV, gzip
// or zstd compressed; EVTX when a decoder is linked). Progress per file is committed with its
// records, so a restart neither loses nor repeats any. A subfolder named after a profile
// (inbox/wazuh/..., inbox/events/...) selects that profile; files elsewhere use the default one.
// start()/stop() from the owner; scan_once() is for tests and must not run beside the thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "core/status.h"
#include "read/options.h"
#include "serve/committer.h"
#include "serve/metrics.h"
#include "serve/profiles.h"
#include "serve/store.h"

namespace vigil::serve {

struct WatchOptions {
  std::string dir;
  std::string profile = "auto";
  std::chrono::milliseconds poll{1000};
  size_t batch_records = 4096;
  size_t max_chunk_bytes = 8u << 20;  // line formats: bytes read per step
  EvtxHook evtx;                      // unset: EVTX files are reported and skipped
  // Told about files that cannot be read (once per file version); may be null.
  std::function<void(const std::string& message)> report;
};

class FolderWatcher {
 public:
  FolderWatcher(WatchOptions options, ProfileCatalog& profiles, Committer& committer, Store store,
                MetricsRegistry& metrics);
  ~FolderWatcher();
  FolderWatcher(const FolderWatcher&) = delete;
  FolderWatcher& operator=(const FolderWatcher&) = delete;

  Status start();
  void stop();
  // Looks at every file once and hands what is new to the committer (not waiting for commits).
  Status scan_once();

 private:
  struct Seen {
    int64_t size = -1;
    int64_t mtime_ns = -1;
    bool reported = false;
  };
  Status take_file(const std::string& path, const std::string& profile);
  Status take_lines(const std::string& path, const std::string& profile, FileProgress progress, bool csv,
                    bool stable);
  Status take_whole(const std::string& path, const std::string& profile, Format format, FileProgress progress);
  std::string profile_for(const std::string& path) const;
  void report(const std::string& path, const std::string& message);

  const WatchOptions options_;
  ProfileCatalog& profiles_;
  Committer& committer_;
  Store store_;
  Counter& files_;
  Counter& records_;
  Counter& damaged_;
  std::map<std::string, Seen> seen_;  // scan thread only
  std::map<std::string, FileProgress> progress_;  // what was last handed over, scan thread only
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vigil::serve
