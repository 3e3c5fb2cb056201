// detect_bench: Sigma matching speed. Loads the SigmaHQ rules (../shared) plus demo/rules, reads
// the demo logs (evtx_dump JSONL, gzip), and times the indexed Matcher against the plain
// ReferenceMatcher over the same events, printing events/s and hit counts side by side.
// Mode `evtx` instead decodes every .evtx of ../shared/data/evtx and times Matcher::match (CPU
// time of decode + match less decode alone) with the Windows rules scan_bench uses, then lists the rules fully
// evaluated most often and how often they fired: where better prefilter atoms would pay.
// Usage: detect_bench [repeat=3] [both|index|reference|evtx]
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <algorithm>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"
#include "read/evtx/evtx_file.h"

namespace {

std::string gunzip(const std::string& path) {
  std::string out;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) return out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <typename M>
void run(const char* name, M& m, const std::vector<std::unique_ptr<vigil::Event>>& events, int repeat) {
  std::vector<uint32_t> hits;
  size_t total = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < repeat; ++r) {
    for (const auto& ev : events) {
      m.match(*ev, &hits);
      total += hits.size();
    }
  }
  double s = seconds_since(t0);
  double n = static_cast<double>(events.size()) * repeat;
  std::printf("%-18s %10.0f events/s  %8.2f us/event  hits %zu\n", name, n / s, 1e6 * s / n, total / repeat);
}

// Runs the matcher (when given one) on each decoded record.
class MatchSink : public vigil::EventSink {
 public:
  MatchSink(vigil::sigma::Matcher* m, std::vector<uint64_t>* fired) : m_(m), fired_(fired) {}
  bool on_event(const vigil::Event& ev, const vigil::RecordRef&) override {
    ++events;
    if (!m_) return true;
    m_->match(ev, &hits_);
    for (uint32_t r : hits_) ++(*fired_)[r];
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override {}
  uint64_t events = 0;

 private:
  vigil::sigma::Matcher* m_;
  std::vector<uint64_t>* fired_;
  std::vector<uint32_t> hits_;
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds to decode every file `repeat` times into `sink`.
double decode_all(const std::vector<vigil::evtx::EvtxFile>& files, int repeat, MatchSink& sink) {
  const double t0 = cpu_seconds();
  for (int r = 0; r < repeat; ++r) {
    for (const auto& f : files) (void)f.read_all(sink);
  }
  return cpu_seconds() - t0;
}

int evtx_mode(int repeat) {
  namespace fs = std::filesystem;
  using namespace vigil::sigma;
  const fs::path shared = VIGIL_SHARED_DIR "/data";
  std::vector<std::string> paths;
  for (const char* d : {"rules/windows", "rules-emerging-threats", "rules-threat-hunting"}) {
    if (fs::exists(shared / "sigma" / d)) paths.push_back((shared / "sigma" / d).string());
  }
  std::vector<fs::path> files;
  if (fs::exists(shared / "evtx")) {
    for (const auto& e : fs::recursive_directory_iterator(shared / "evtx")) {
      if (e.is_regular_file() && e.path().extension() == ".evtx") files.push_back(e.path());
    }
  }
  if (paths.empty() || files.empty()) {
    std::fprintf(stderr, "detect_bench evtx: needs ../shared (data/sigma, data/evtx)\n");
    return 0;
  }
  std::sort(files.begin(), files.end());
  LoadOptions opt;
  opt.logsources_file = VIGIL_SOURCE_DIR "/config/logsources.yml";
  LoadReport report;
  RuleSet rules = RuleSet::load(paths, opt, &report);
  Matcher m(rules);
  (void)m.index()->compile_all();
  std::vector<uint64_t> fired(rules.rules().size(), 0);
  std::vector<vigil::evtx::EvtxFile> opened;
  for (const auto& f : files) {
    auto file = vigil::evtx::EvtxFile::open(f.string());
    if (file.ok()) opened.push_back(std::move(*file));
  }
  // The matcher's cost is the CPU time of decoding + matching less that of decoding alone, each
  // the best of three: CPU time, not wall time, so that a loaded machine skews it less.
  double decode_s = 1e30, both_s = 1e30;
  MatchSink sink(&m, &fired);
  for (int k = 0; k < 3; ++k) {
    MatchSink plain(nullptr, nullptr);
    decode_s = std::min(decode_s, decode_all(opened, repeat, plain));
    m.reset_stats();
    std::fill(fired.begin(), fired.end(), 0);
    sink.events = 0;
    both_s = std::min(both_s, decode_all(opened, repeat, sink));
  }
  const MatchStats& st = m.stats();
  const double n = static_cast<double>(sink.events);
  const double match_s = both_s - decode_s;
  std::printf("%zu rules, %zu .evtx files x %d: %.0f events; decode %.2f us/event, Matcher %.2f us/event "
              "(%.0f events per CPU-second), decode + match %.0f events per CPU-second\n",
              report.loaded, files.size(), repeat, n, 1e6 * decode_s / n, 1e6 * match_s / n, n / match_s,
              n / both_s);
  std::printf("  per event: %.2f scanned, %.1f rules woken, %.1f confirmed, %.1f always-run, %.2f hits\n",
              st.scans / n, st.woken / n, st.confirmed / n, st.always / n, st.hits / n);
  std::vector<uint32_t> order(rules.rules().size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto& evals = m.evaluations();
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return evals[a] > evals[b]; });
  std::printf("  most evaluated rules (evaluations per 1000 events, fired per 1000):\n");
  for (size_t k = 0; k < 25 && k < order.size() && evals[order[k]]; ++k) {
    const Rule& rule = rules.rules()[order[k]];
    std::printf("  %7.1f %7.1f  %s\n", 1000.0 * evals[order[k]] / n, 1000.0 * fired[order[k]] / n,
                rule.path.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace vigil::sigma;
  const int repeat = argc > 1 ? std::atoi(argv[1]) : 3;
  if (argc > 2 && std::string(argv[2]) == "evtx") return evtx_mode(repeat);
  const std::string shared = VIGIL_SHARED_DIR "/data/sigma";
  const std::string src = VIGIL_SOURCE_DIR;
  std::vector<std::string> paths = {src + "/demo/rules"};
  for (const char* d : {"rules", "rules-emerging-threats", "rules-threat-hunting"}) {
    if (fs::exists(shared + "/" + d)) paths.push_back(shared + "/" + d);
  }
  LoadOptions opt;
  opt.logsources_file = src + "/config/logsources.yml";
  LoadReport report;
  auto t0 = std::chrono::steady_clock::now();
  RuleSet rules = RuleSet::load(paths, opt, &report);
  std::printf("loaded %zu rules (%zu refused) from %zu files in %.3f s\n", report.loaded, report.refused.size(),
              report.files, seconds_since(t0));
  std::vector<std::unique_ptr<vigil::Event>> events;
  for (const char* log : {"contoso-sysmon.jsonl.gz", "contoso-security.jsonl.gz", "contoso-system.jsonl.gz"}) {
    std::string text = gunzip(src + "/demo/logs/" + log);
    std::string error;
    if (!vigil::sigma::testing::events_from_json(text, &events, &error)) {
      std::fprintf(stderr, "%s: %s\n", log, error.c_str());
      return 1;
    }
  }
  if (events.empty()) {
    std::fprintf(stderr, "no events (demo/logs missing?)\n");
    return 1;
  }
  std::printf("%zu events, repeat %d\n", events.size(), repeat);
  const std::string which = argc > 2 ? argv[2] : "both";
  ReferenceMatcher reference(rules);
  auto t1 = std::chrono::steady_clock::now();
  Matcher fast(rules);
  const RuleIndex& index = *fast.index();
  double index_s = seconds_since(t1);
  t1 = std::chrono::steady_clock::now();
  vigil::Status compiled = index.compile_all();
  std::printf("index: %.3f s, %zu routes, %zu literals; %zu literal databases compiled in %.3f s%s\n",
              index_s, index.route_count(), index.requirements().literals().size(), index.database_count(),
              seconds_since(t1), compiled.ok() ? "" : (" (" + compiled.message() + ")").c_str());
  if (which != "reference") {
    run("Matcher (index)", fast, events, repeat);
    const MatchStats& st = fast.stats();
    double n = static_cast<double>(st.events);
    std::printf("  per event: %.2f scanned, %.1f rules woken, %.1f confirmed, %.1f always-run, %.2f hits\n",
                st.scans / n, st.woken / n, st.confirmed / n, st.always / n, st.hits / n);
  }
  if (which != "index") run("ReferenceMatcher", reference, events, repeat);
  return 0;
}
