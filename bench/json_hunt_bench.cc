// json_hunt_bench: how fast `vigil hunt` goes over JSON event logs with a full Windows rule set,
// on one core: the Mordor captures (../shared/data/mordor, NXLog/Winlogbeat JSON lines, gzip)
// with SigmaHQ's rules/windows, rules-emerging-threats and rules-threat-hunting.
//
// Rows (rates in decompressed JSON bytes, MB = 10^6 bytes, and events per second):
//   read only    read_path into a counting sink: inflate + frame + parse + Event (the floor)
//   hunt, cold   run_hunt with one worker thread and a listener that drops detections: the
//                read plus prefilter, matching and key-field extraction, as `vigil hunt -t 1
//                --no-cache` (or a first run): the literal databases it needs are compiled
//   hunt, warm   the same with the databases loaded from a literal cache, as `vigil hunt` from
//                its second run on
//   matching     what the warm hunt adds to the read, per event
// Times are process CPU time (all threads; with one worker, one core), so other jobs on a
// shared machine do not inflate them; wall time is printed beside. The brief's target is
// 300 MB/s for the hunt row.
//
// Usage: json_hunt_bench [--repeat N] [--rules PATH]... [DIR_OR_FILE...]
#include <stdlib.h>

#include <ctime>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "detect/rule_index.h"
#include "detect/ruleset.h"
#include "pipeline/hunt.h"
#include "read/discover.h"
#include "read/read_path.h"

using namespace vigil;

namespace {

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class CountSink : public EventSink {
 public:
  bool on_event(const Event&, const RecordRef&) override {
    ++records;
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
  uint64_t records = 0, issues = 0;
};

class DropListener : public HuntListener {
 public:
  void on_detection(const Detection&) override { ++detections; }
  void on_issue(const std::string&) override { ++issues; }
  uint64_t detections = 0, issues = 0;
};

struct Timing {
  double cpu = 1e30, wall = 1e30;
  void keep_best(double c, double w) {
    cpu = std::min(cpu, c);
    wall = std::min(wall, w);
  }
};

void row(const char* name, const Timing& t, uint64_t bytes, uint64_t events) {
  std::printf("%-12s %8.2f s cpu %8.2f s wall %9.1f MB/s %12.0f events/s\n", name, t.cpu, t.wall,
              bytes / 1e6 / t.cpu, events / t.cpu);
}

}  // namespace

int main(int argc, char** argv) {
  std::string shared = VIGIL_SHARED_DIR;
  std::vector<std::string> inputs, rule_paths;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--rules" && i + 1 < argc) {
      rule_paths.push_back(argv[++i]);
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) inputs.push_back(shared + "/data/mordor");
  if (rule_paths.empty()) {
    for (const char* r : {"rules/windows", "rules-emerging-threats", "rules-threat-hunting"}) {
      rule_paths.push_back(shared + "/data/sigma/" + r);
    }
  }
  Discovery found = discover(inputs);
  std::vector<std::string> files;
  for (const FoundFile& f : found.files) {
    if (f.format == Format::kJson) files.push_back(f.path);
  }
  if (files.empty()) {
    std::printf("json_hunt_bench: no JSON input under %s; nothing to measure\n", inputs[0].c_str());
    return 0;
  }
  sigma::LoadReport report;
  double t0 = wall_now();
  sigma::RuleSet rules = sigma::RuleSet::load(rule_paths, {}, &report);
  std::printf("json_hunt_bench: %zu JSON files; %zu rules (%zu refused) loaded in %.1f s\n\n",
              files.size(), report.loaded, report.refused.size(), wall_now() - t0);

  uint64_t bytes = 0, events = 0;
  Timing read;
  for (int r = 0; r < repeat; ++r) {
    CountSink sink;
    uint64_t b = 0;
    double c0 = cpu_now(), w0 = wall_now();
    for (const std::string& f : files) {
      ReadStats st;
      (void)read_path(f, sink, {}, &st);
      b += st.bytes;
    }
    read.keep_best(cpu_now() - c0, wall_now() - w0);
    bytes = b;
    events = sink.records;
  }

  // The same rules with a literal-database cache, filled here: the warm runs load every
  // database the cold ones compile.
  char cache_dir[] = "/tmp/vigil-json-hunt-bench-cache-XXXXXX";
  if (!mkdtemp(cache_dir)) {
    std::perror("json_hunt_bench: mkdtemp");
    return 1;
  }
  sigma::LoadOptions cached_opt;
  cached_opt.literal_cache_dir = cache_dir;
  sigma::RuleSet cached_rules = sigma::RuleSet::load(rule_paths, cached_opt, nullptr);
  (void)sigma::RuleIndex(cached_rules).compile_all();

  uint64_t detections = 0, hunt_events = 0;
  HuntOptions opt;
  opt.threads = 1;
  auto time_hunt = [&](const sigma::RuleSet& rs, Timing* t) {
    for (int r = 0; r < repeat; ++r) {
      DropListener listener;
      double c0 = cpu_now(), w0 = wall_now();
      auto st = run_hunt(rs, files, opt, listener);
      t->keep_best(cpu_now() - c0, wall_now() - w0);
      if (!st.ok()) {
        std::printf("json_hunt_bench: %s\n", st.status().message().c_str());
        return false;
      }
      detections = listener.detections;
      hunt_events = st->events;
    }
    return true;
  };
  Timing hunt, warm;
  const bool ok = time_hunt(rules, &hunt) && time_hunt(cached_rules, &warm);
  std::error_code ec;
  std::filesystem::remove_all(cache_dir, ec);
  if (!ok) return 1;

  std::printf("%.1f MB of JSON (decompressed), %llu events; hunt found %llu detections\n\n",
              bytes / 1e6, static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(detections));
  row("read only", read, bytes, events);
  row("hunt, cold", hunt, bytes, hunt_events);
  row("hunt, warm", warm, bytes, hunt_events);
  double match_s = warm.cpu - read.cpu;
  std::printf("%-12s %8.2f s cpu %27s %12.1f us/event\n", "matching", match_s, "",
              hunt_events ? match_s / hunt_events * 1e6 : 0.0);
  std::printf("\ntarget: hunt >= 300 MB/s on one core (%s, cold cache)\n",
              bytes / 1e6 / hunt.cpu >= 300 ? "met" : "not met");
  return 0;
}
