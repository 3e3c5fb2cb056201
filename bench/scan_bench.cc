// scan_bench: the whole hunt pipeline against decode alone, on the same bytes, in one run.
//
// Copies every .evtx of ../shared/data/evtx into a temporary folder N times (copies, not links:
// discovery skips a file it has already seen by inode) until the set is at least target_MB of
// file bytes, loads the Windows SigmaHQ rules (rules/windows, rules-emerging-threats,
// rules-threat-hunting), and runs vigil's run_hunt over the folder with the JSONL writer into
// /dev/null:
//   - decode only: run_hunt with an empty rule set (read, route, ordered output; nothing to match)
//   - no output:   run_hunt with every rule, detections counted but not written
//   - full scan:   run_hunt with every rule, detections written as JSON Lines, every literal
//                  database compiled (a cold cache: a first run, or `vigil hunt --no-cache`)
//   - warm cache:  the same, the literal databases loaded from a cache instead of compiled (what
//                  `vigil hunt` does from its second run on: the cache is on by default)
//   - match only:  warm cache, every rule matched but none reported (a level filter no rule
//                  passes): no detection is built or written; full warm less this row is what
//                  the detections cost, this row less decode only what matching costs in a hunt
// each with 1 thread and with all threads. Every run happens in a forked child so its peak RSS
// (getrusage ru_maxrss) is its own; the child reports wall time and CPU time, and the system
// share of it (the kernel reading the files). Figures: events/s (wall), events per CPU-second
// (per core), MB/s of file bytes (1 MB = 10^6 bytes), detections, peak RSS, and the ratio
// full / decode-only.
// On a shared machine run times swing; with `repeat` > 1 every run is made that many times and
// the one with the least CPU time is shown.
// Usage: scan_bench [target_MB=1000] [threads=all] [repeat=1]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "pipeline/hunt.h"
#include "pipeline/hunt_output.h"

namespace fs = std::filesystem;

namespace {

struct Figures {
  bool ok = false;
  double wall = 0, cpu = 0, sys = 0;  // cpu = user + system; sys = the kernel's share
  uint64_t events = 0, bytes = 0, detections = 0, issues = 0, files = 0;
  long max_rss_kb = 0;
  size_t databases = 0, cached = 0;
  double compile_s = 0;
};

// Hands every detection to the writer, or, without one, only counts them.
class WriterListener : public vigil::HuntListener {
 public:
  WriterListener(vigil::DetectionWriter* writer, std::vector<std::string>* names)
      : writer_(writer), names_(names) {}
  void on_start(const std::vector<std::string>& inputs, uint64_t) override {
    *names_ = inputs;
    if (writer_) writer_->begin();
  }
  void on_detection(const vigil::Detection& d) override {
    if (writer_) writer_->write(d);
  }
  void on_issue(const std::string&) override {}

 private:
  vigil::DetectionWriter* writer_;
  std::vector<std::string>* names_;
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double sys_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

// Runs one hunt in a child process; the parent gets its figures through a pipe.
Figures run_once(const vigil::sigma::RuleSet& rules, const std::string& dir, size_t threads,
                 bool write_jsonl, bool report_none) {
  int fds[2];
  Figures f;
  if (pipe(fds) != 0) return f;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Figures r;
    FILE* null = std::fopen("/dev/null", "w");
    std::vector<std::string> names;
    auto writer = vigil::make_detection_writer(vigil::HuntFormat::kJsonl, null, rules, &names);
    WriterListener listener(write_jsonl ? writer.get() : nullptr, &names);
    vigil::HuntOptions opt;
    opt.threads = threads;
    if (report_none) opt.levels = {"(no such level)"};
    double cpu0 = cpu_seconds(), sys0 = sys_seconds();
    auto t0 = std::chrono::steady_clock::now();
    auto stats = vigil::run_hunt(rules, {dir}, opt, listener);
    writer->end();
    std::fflush(null);
    r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cpu = cpu_seconds() - cpu0;
    r.sys = sys_seconds() - sys0;
    if (stats.ok()) {
      r.ok = true;
      r.events = stats->events;
      r.bytes = stats->bytes;
      r.detections = stats->detections;
      r.issues = stats->issues;
      r.files = stats->files;
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    r.max_rss_kb = ru.ru_maxrss;
    if (!rules.rules().empty()) {
      auto index = rules.index();  // the one run_hunt built (cached in the RuleSet)
      r.databases = index->compiled_count();
      r.cached = index->cached_count();
      r.compile_s = index->compile_seconds();
    }
    ssize_t n = write(fds[1], &r, sizeof r);
    _exit(n == sizeof r ? 0 : 1);
  }
  close(fds[1]);
  if (pid > 0) {
    if (read(fds[0], &f, sizeof f) != sizeof f) f.ok = false;
    int status = 0;
    waitpid(pid, &status, 0);
  }
  close(fds[0]);
  return f;
}

int g_repeat = 1;

Figures run_in_child(const vigil::sigma::RuleSet& rules, const std::string& dir, size_t threads,
                     bool write_jsonl, bool report_none = false) {
  Figures best;
  for (int k = 0; k < g_repeat; ++k) {
    Figures f = run_once(rules, dir, threads, write_jsonl, report_none);
    if (f.ok && (!best.ok || f.cpu < best.cpu)) best = f;
  }
  return best;
}

void print_row(const char* what, size_t threads, const Figures& f) {
  if (!f.ok) {
    std::printf("%-12s %3zu  failed\n", what, threads);
    return;
  }
  std::printf("%-12s %3zu %10llu %9.2f %9.2f %6.2f %11.0f %11.0f %9.1f %10llu %9.1f", what, threads,
              static_cast<unsigned long long>(f.events), f.wall, f.cpu, f.sys, f.events / f.wall,
              f.events / f.cpu,
              f.bytes / 1e6 / f.wall, static_cast<unsigned long long>(f.detections), f.max_rss_kb / 1024.0);
  if (f.databases) {
    std::printf("   (%zu literal databases %s, %.2f s)", f.databases, f.cached ? "loaded" : "compiled",
                f.compile_s);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const double target_mb = argc > 1 ? std::atof(argv[1]) : 1000;
  const size_t all = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = argc > 2 ? static_cast<size_t>(std::atoi(argv[2])) : all;
  g_repeat = std::max(1, argc > 3 ? std::atoi(argv[3]) : 1);
  const fs::path shared = VIGIL_SHARED_DIR;
  const fs::path evtx_root = shared / "data" / "evtx";
  const fs::path sigma = shared / "data" / "sigma";
  if (!fs::exists(evtx_root) || !fs::exists(sigma / "rules" / "windows")) {
    std::fprintf(stderr, "scan_bench: needs ../shared (data/evtx, data/sigma)\n");
    return 0;
  }

  // Rules.
  vigil::sigma::LoadOptions lopt;
  lopt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  vigil::sigma::LoadReport report;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> rule_paths = {(sigma / "rules" / "windows").string()};
  for (const char* d : {"rules-emerging-threats", "rules-threat-hunting"}) {
    if (fs::exists(sigma / d)) rule_paths.push_back((sigma / d).string());
  }
  vigil::sigma::RuleSet rules = vigil::sigma::RuleSet::load(rule_paths, lopt, &report);
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  vigil::sigma::RuleSet no_rules;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const long loaded_rss_kb = ru.ru_maxrss;
  // The index (requirements, routes) is built inside run_hunt and is part of every full-scan
  // time below, as are the literal databases compiled as routes are met; timed here on their
  // own for reference.
  t0 = std::chrono::steady_clock::now();
  double index_s = 0;
  {
    vigil::sigma::RuleIndex index(rules);
    index_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // The same rules with a literal-database cache (LoadOptions::literal_cache_dir), filled here by
  // an index of its own: the "warm cache" runs load every database instead of compiling it.
  char cache_tmpl[] = "/tmp/vigil-scan-bench-cache-XXXXXX";
  if (!mkdtemp(cache_tmpl)) {
    std::perror("scan_bench: mkdtemp");
    return 1;
  }
  lopt.literal_cache_dir = cache_tmpl;
  vigil::sigma::RuleSet cached_rules = vigil::sigma::RuleSet::load(rule_paths, lopt, nullptr);
  double fill_s = 0;
  {
    t0 = std::chrono::steady_clock::now();
    vigil::sigma::RuleIndex index(cached_rules);
    (void)index.compile_all();
    fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // Inputs: N copies of the EVTX corpus.
  std::vector<fs::path> files;
  uint64_t corpus = 0;
  for (const auto& e : fs::recursive_directory_iterator(evtx_root)) {
    if (!e.is_regular_file() || e.path().extension() != ".evtx") continue;
    files.push_back(e.path());
    corpus += e.file_size();
  }
  std::sort(files.begin(), files.end());
  if (files.empty() || corpus == 0) {
    std::fprintf(stderr, "scan_bench: no .evtx files under %s\n", evtx_root.c_str());
    return 1;
  }
  const int copies = std::max(1, static_cast<int>(target_mb * 1e6 / corpus + 0.999));
  char tmpl[] = "/tmp/vigil-scan-bench-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::perror("scan_bench: mkdtemp");
    return 1;
  }
  const fs::path dir = tmpl;
  for (int c = 0; c < copies; ++c) {
    fs::path sub = dir / ("copy" + std::to_string(c));
    fs::create_directories(sub);
    for (size_t i = 0; i < files.size(); ++i) {
      fs::copy_file(files[i], sub / (std::to_string(i) + ".evtx"));
    }
  }
  std::printf("scan_bench: %zu .evtx files (%.1f MB) copied %d times = %.1f MB; %zu cores; best of %d\n"
              "rules: %zu loaded (%zu refused) in %.2f s, RSS after loading %.1f MB (inherited by every "
              "run below); index + prefilter build %.2f s (inside each full-scan run)\n",
              files.size(), corpus / 1e6, copies, copies * corpus / 1e6, all, g_repeat, report.loaded,
              report.refused.size(), load_s, loaded_rss_kb / 1024.0, index_s);
  std::printf("literal-database cache for the warm runs: every database compiled and saved in %.2f s\n",
              fill_s);
  std::printf("\n%-12s %3s %10s %9s %9s %6s %11s %11s %9s %10s %9s\n", "run", "thr", "events", "wall s",
              "cpu s", "sys s", "events/s", "ev/cpu-s", "MB/s", "detections", "peak MB");
  std::vector<size_t> thread_counts = {1};
  if (threads > 1) thread_counts.push_back(threads);
  for (size_t t : thread_counts) {
    Figures decode = run_in_child(no_rules, dir.string(), t, true);
    print_row("decode only", t, decode);
    Figures quiet = run_in_child(rules, dir.string(), t, false);
    print_row("no output", t, quiet);
    Figures full = run_in_child(rules, dir.string(), t, true);
    print_row("full, cold", t, full);
    Figures warm = run_in_child(cached_rules, dir.string(), t, true);
    print_row("full, warm", t, warm);
    Figures match = run_in_child(cached_rules, dir.string(), t, true, true);
    print_row("match only", t, match);
    if (decode.ok && full.ok) {
      std::printf("%-12s %3zu  full / decode-only: %.2f (wall), %.2f (per CPU-second); with a warm cache "
                  "%.2f, %.2f\n", "ratio", t,
                  (full.events / full.wall) / (decode.events / decode.wall),
                  (full.events / full.cpu) / (decode.events / decode.cpu),
                  (warm.events / warm.wall) / (decode.events / decode.wall),
                  (warm.events / warm.cpu) / (decode.events / decode.cpu));
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove_all(cache_tmpl, ec);
  return 0;
}
