// detect_bench: Sigma matching speed. Loads the SigmaHQ rules (../shared) plus demo/rules, reads
// the demo logs (evtx_dump JSONL, gzip), and times the indexed Matcher against the plain
// ReferenceMatcher over the same events, printing events/s and hit counts side by side.
// Usage: detect_bench [repeat=3] [both|index|reference]
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "detect/test_events.h"

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

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace vigil::sigma;
  const int repeat = argc > 1 ? std::atoi(argv[1]) : 3;
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
