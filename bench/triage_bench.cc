// triage_bench: where the time of `vigil triage` goes, per AIT scenario, on one thread:
// reading (gzip + CSV + profile mapping + interning), sorting and feeding the engine, and
// taking the snapshot (scores, narratives, record lists). Prints alerts per second per phase.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "read/read_path.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"

namespace fs = std::filesystem;
using namespace vigil;
using namespace vigil::triage;

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : std::string(VIGIL_SHARED_DIR) + "/data/ait-ads";
  std::vector<std::string> files;
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().string().ends_with(".csv.gz")) files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::printf("triage_bench: needs ../shared (no *.csv.gz in %s)\n", dir.c_str());
    return 0;
  }
  std::printf("%-16s %8s %14s %14s %14s %12s\n", "scenario", "alerts", "read M/s", "triage M/s",
              "snapshot ms", "total M/s");
  auto profile = Profile::builtin("aitads");
  for (const std::string& f : files) {
    using clock = std::chrono::steady_clock;
    Engine engine;
    AlertCollector collector(engine, *profile);
    ReadOptions ro;
    ro.csv_columns = profile->csv_columns();
    ReadStats stats;
    auto t0 = clock::now();
    if (!read_path(f, collector, ro, &stats).ok()) return 1;
    auto t1 = clock::now();
    collector.feed();
    auto t2 = clock::now();
    Snapshot snap = engine.snapshot();
    auto t3 = clock::now();
    auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    double n = static_cast<double>(snap.alerts);
    std::string name = fs::path(f).filename().string();
    name = name.substr(0, name.find("_alerts"));
    std::printf("%-16s %8llu %14.2f %14.2f %14.1f %12.2f\n", name.c_str(),
                static_cast<unsigned long long>(snap.alerts), n / secs(t0, t1) / 1e6, n / secs(t1, t2) / 1e6,
                secs(t2, t3) * 1e3, n / secs(t0, t3) / 1e6);
  }
  return 0;
}
