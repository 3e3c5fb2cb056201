// vigil hunt: run Sigma rules over event logs (EVTX, JSON, CSV; gzip/zstd; files or folders).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "cli/command.h"
#include "core/text.h"
#include "core/time.h"
#include "detect/ruleset.h"
#include "pipeline/hunt.h"
#include "pipeline/hunt_output.h"

namespace vigil::cli {
namespace {

class CliListener : public HuntListener {
 public:
  // `names` receives the input list before the first detection; the writer reads it.
  CliListener(DetectionWriter* writer, const sigma::RuleSet& rules, bool progress, bool quiet,
              std::vector<std::string>* names)
      : writer_(writer), rules_(rules), names_(names), progress_(progress), quiet_(quiet) {}

  void on_start(const std::vector<std::string>& inputs, uint64_t bytes_total) override {
    *names_ = inputs;
    files_total_ = inputs.size();
    writer_->begin();
  }
  void on_detection(const Detection& d) override {
    clear_progress();
    writer_->write(d);
    const std::string& level =
        d.correlation ? rules_.correlations()[d.rule].level : rules_.rules()[d.rule].level;
    ++by_level_[level_rank(level)];
    ++by_rule_[(d.correlation ? 1ull << 32 : 0) | d.rule];
  }
  void on_issue(const std::string& text) override {
    ++issues_;
    if (quiet_ && issues_ > 20) return;
    clear_progress();
    std::fprintf(stderr, "vigil: warning: %s\n", text.c_str());
  }
  void on_progress(const HuntStats& s, uint64_t bytes_total) override {
    if (!progress_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    double pct = bytes_total ? std::min(100.0, 100.0 * s.bytes / bytes_total) : 100.0;
    std::fprintf(stderr, "\r\033[K[%5.1f%%] files %llu/%zu  %.1f MB  events %llu (%.0f/s)  detections %llu",
                 pct, static_cast<unsigned long long>(s.files), files_total_, s.bytes / 1e6,
                 static_cast<unsigned long long>(s.events), secs > 0 ? s.events / secs : 0.0,
                 static_cast<unsigned long long>(s.detections));
    std::fflush(stderr);
    shown_ = true;
  }
  void on_pause() override { writer_->flush(); }
  void clear_progress() {
    if (shown_) {
      std::fputs("\r\033[K", stderr);
      shown_ = false;
    }
  }
  void summary(const HuntStats& s) {
    clear_progress();
    writer_->end();
    static const char* kNames[] = {"informational", "low", "medium", "high", "critical"};
    std::string levels;
    for (int l = 4; l >= 0; --l) {
      if (by_level_.count(l)) {
        levels += (levels.empty() ? "" : ", ") + std::to_string(by_level_[l]) + " " + kNames[l];
      }
    }
    std::fprintf(stderr,
                 "vigil hunt: %llu files, %.1f MB, %llu events in %.2f s (%.0f events/s); "
                 "%llu detections from %zu rules%s%s%s; %llu issues%s\n",
                 static_cast<unsigned long long>(s.files), s.bytes / 1e6,
                 static_cast<unsigned long long>(s.events), s.seconds,
                 s.seconds > 0 ? s.events / s.seconds : 0.0,
                 static_cast<unsigned long long>(s.detections), by_rule_.size(),
                 levels.empty() ? "" : " (", levels.c_str(), levels.empty() ? "" : ")",
                 static_cast<unsigned long long>(s.issues),
                 s.skipped ? ("; " + std::to_string(s.skipped) + " files of unknown format skipped").c_str()
                           : "");
  }

 private:
  DetectionWriter* writer_;
  const sigma::RuleSet& rules_;
  std::vector<std::string>* names_;
  bool progress_, quiet_;
  bool shown_ = false;
  size_t files_total_ = 0;
  uint64_t issues_ = 0;
  std::map<int, uint64_t> by_level_;
  std::map<uint64_t, uint64_t> by_rule_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

bool parse_when(const std::string& text, std::optional<int64_t>* out) {
  if (text.empty()) return true;
  auto t = parse_time_us(text);
  if (!t) return false;
  *out = *t;
  return true;
}

// Where compiled literal databases are kept between runs: $XDG_CACHE_HOME/vigil, else
// ~/.cache/vigil; none without either. The cache only saves compile time (a missing, unwritable
// or damaged cache means compiling, never a different result).
std::string literal_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') return std::string(xdg) + "/vigil";
  const char* home = std::getenv("HOME");
  if (home && *home == '/') return std::string(home) + "/.cache/vigil";
  return {};
}

int run(int argc, char** argv) {
  CLI::App app{"Run Sigma rules over event logs (EVTX, JSON/JSONL, CSV; gzip/zstd; files or folders)",
               "vigil hunt"};
  std::vector<std::string> inputs, rule_paths, filters, levels, statuses, tags;
  std::string min_level = "informational", format = "table", output, logsources, placeholders;
  std::string from, to;
  size_t threads = 0;
  bool quiet = false, no_progress = false, no_cache = false;
  app.add_option("paths", inputs, "Event log files or folders")->required();
  app.add_option("-r,--rules", rule_paths, "Sigma rule files or folders")->required();
  app.add_option("-m,--min-level", min_level,
                 "Lowest level reported: informational|low|medium|high|critical");
  app.add_option("--level", levels, "Report only these levels (repeatable)");
  app.add_option("--status", statuses, "Report only rules with these statuses (repeatable)");
  app.add_option("--tags", tags, "Report only rules with one of these tags, e.g. attack.t1003");
  app.add_option("--from", from, "Skip events before this time (ISO 8601, UTC unless offset)");
  app.add_option("--to", to, "Skip events after this time");
  app.add_option("-f,--format", format, "table|csv|json|jsonl");
  app.add_option("-o,--output", output, "Write detections to this file instead of stdout");
  app.add_option("--filters", filters, "Sigma filter files or folders (your exclusions)");
  app.add_option("--logsources", logsources, "Log-source mapping file (default: bundled)");
  app.add_option("--placeholders", placeholders, "Placeholder values for |expand");
  app.add_option("-t,--threads", threads, "Worker threads (default: all cores)");
  app.add_flag("-q,--quiet", quiet, "Fewer messages: no progress, at most 20 warnings");
  app.add_flag("--no-progress", no_progress, "No progress bar");
  app.add_flag("--no-cache", no_cache,
               "Do not keep compiled literal databases in $XDG_CACHE_HOME/vigil (~/.cache/vigil)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  HuntOptions opt;
  opt.threads = threads;
  opt.min_level = level_rank(min_level);
  if (opt.min_level < 0) {
    std::fprintf(stderr, "vigil hunt: unknown level '%s'\n", min_level.c_str());
    return 2;
  }
  opt.levels = levels;
  opt.statuses = statuses;
  opt.tags = tags;
  if (!parse_when(from, &opt.from_us) || !parse_when(to, &opt.to_us)) {
    std::fprintf(stderr, "vigil hunt: --from/--to need an ISO 8601 time (2024-01-31T12:00:00Z)\n");
    return 2;
  }
  HuntFormat fmt;
  if (!parse_hunt_format(format, &fmt)) {
    std::fprintf(stderr, "vigil hunt: unknown format '%s' (table, csv, json, jsonl)\n", format.c_str());
    return 2;
  }

  sigma::LoadOptions lopt;
  lopt.logsources_file = logsources;
  lopt.placeholders_file = placeholders;
  lopt.filter_paths = filters;
  if (!no_cache) lopt.literal_cache_dir = literal_cache_dir();
  sigma::LoadReport report;
  sigma::RuleSet rules = sigma::RuleSet::load(rule_paths, lopt, &report);
  size_t shown = 0;
  for (const auto& p : report.refused) {
    if (quiet || ++shown > 20) continue;
    std::fprintf(stderr, "vigil: rule refused: %s: %s\n", p.path.c_str(), p.reason.c_str());
  }
  if (report.refused.size() > 20 || (quiet && !report.refused.empty())) {
    std::fprintf(stderr, "vigil: %zu rules refused in all (see `vigil rules check`)\n",
                 report.refused.size());
  }
  std::fprintf(stderr, "vigil hunt: %zu rules loaded (%zu correlation), %zu refused\n",
               report.loaded, report.correlations, report.refused.size());
  if (rules.rules().empty()) {
    std::fprintf(stderr, "vigil hunt: no rule loaded\n");
    return 2;
  }

  FILE* out = stdout;
  if (!output.empty()) {
    out = std::fopen(output.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "vigil hunt: cannot write %s\n", output.c_str());
      return 1;
    }
  }
  std::vector<std::string> input_names;
  auto writer = make_detection_writer(fmt, out, rules, &input_names,
                                      out == stdout && isatty(1) ? 100 : 80);
  bool progress = !quiet && !no_progress && isatty(2);
  CliListener listener(writer.get(), rules, progress, quiet, &input_names);
  auto stats = run_hunt(rules, inputs, opt, listener);
  if (!stats.ok()) {
    writer->end();  // what was found before the failure is still written (the writer buffers)
    std::fprintf(stderr, "vigil hunt: %s\n", stats.status().message().c_str());
    if (out != stdout) std::fclose(out);
    return 1;
  }
  listener.summary(*stats);
  if (out != stdout) std::fclose(out);
  return 0;
}

}  // namespace

VIGIL_COMMAND(hunt, "hunt", "Run Sigma rules over event logs and list detections", run);

}  // namespace vigil::cli
