// `vigil triage PATH...`: read alerts (AIT CSV, Wazuh alerts.json, Suricata EVE, or a field map),
// feed them in time order to the triage engine and print ranked, explained incidents as a table,
// JSON or a self-contained HTML page. With -r RULES the inputs are raw events (EVTX, JSON) and
// Vigil's own Sigma detections are the alerts (pipeline/detect_triage.h). With --state, analyst
// verdicts apply and the run's incidents are catalogued for `vigil verdict`. Thin wrapper over
// triage/.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/command.h"
#include "pipeline/detect_triage.h"
#include "pipeline/hunt_output.h"
#include "read/discover.h"
#include "read/read_path.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"
#include "triage/report.h"
#include "triage/verdict.h"

namespace vigil::cli {
namespace {

using triage::AlertCollector;
using triage::Engine;
using triage::EngineOptions;
using triage::Profile;
using triage::ReportOptions;
using triage::TriageState;

struct Args {
  std::vector<std::string> paths;
  std::string profile = "auto";
  std::string map;
  std::string format = "table";
  std::string output;
  std::string state;
  std::string baseline;
  std::vector<std::string> settings;
  bool all = false;
  bool no_routine = false;
  size_t top = 25;
  bool quiet = false;
  // Raw events: Sigma rules and hunt's rule selection.
  std::vector<std::string> rules, filters, levels, statuses, tags;
  std::string min_level = "informational", logsources, placeholders, detections;
  size_t threads = 0;
};

// Raw-event inputs: issues to stderr (the first 20), detections to --detections as JSON Lines,
// line N being alert record N-1 of the incidents.
class RawListener : public HuntListener {
 public:
  RawListener(FILE* out, const sigma::RuleSet& rules, bool quiet) : quiet_(quiet) {
    if (out) writer_ = make_detection_writer(HuntFormat::kJsonl, out, rules, &inputs_);
  }
  void on_start(const std::vector<std::string>& inputs, uint64_t) override {
    inputs_ = inputs;
    if (writer_) writer_->begin();
  }
  void on_detection(const Detection& d) override {
    if (writer_) writer_->write(d);
  }
  void on_issue(const std::string& text) override {
    if (++issues_ <= 20 && !quiet_) std::fprintf(stderr, "vigil triage: warning: %s\n", text.c_str());
  }
  void end() {
    if (writer_) writer_->end();
    if (issues_ > 20 && !quiet_) {
      std::fprintf(stderr, "vigil triage: %llu read issues in all\n",
                   static_cast<unsigned long long>(issues_));
    }
  }

 private:
  std::vector<std::string> inputs_;
  std::unique_ptr<DetectionWriter> writer_;
  bool quiet_;
  uint64_t issues_ = 0;
};

// Hunts `a.paths` with `a.rules` and feeds the detections to `engine`; 0 or an exit code.
int feed_raw_events(const Args& a, Engine& engine, size_t* files) {
  HuntOptions opt = detection_hunt_options();
  opt.threads = a.threads;
  opt.min_level = level_rank(a.min_level);
  if (opt.min_level < 0) {
    std::fprintf(stderr, "vigil triage: unknown level '%s'\n", a.min_level.c_str());
    return 2;
  }
  opt.levels = a.levels;
  opt.statuses = a.statuses;
  opt.tags = a.tags;
  sigma::LoadOptions lopt;
  lopt.logsources_file = a.logsources;
  lopt.placeholders_file = a.placeholders;
  lopt.filter_paths = a.filters;
  sigma::LoadReport report;
  sigma::RuleSet rules = sigma::RuleSet::load(a.rules, lopt, &report);
  if (!report.refused.empty() && !a.quiet) {
    std::fprintf(stderr, "vigil triage: %zu rules refused (see `vigil rules check`)\n",
                 report.refused.size());
  }
  if (rules.rules().empty()) {
    std::fprintf(stderr, "vigil triage: no rule loaded\n");
    return 2;
  }
  FILE* out = nullptr;
  if (!a.detections.empty() && !(out = std::fopen(a.detections.c_str(), "wb"))) {
    std::fprintf(stderr, "vigil triage: cannot write %s\n", a.detections.c_str());
    return 1;
  }
  RawListener listener(out, rules, a.quiet);
  DetectionTriage feed(rules, engine, &listener);
  auto stats = run_hunt(rules, a.paths, opt, feed);
  listener.end();
  if (out) std::fclose(out);
  if (!stats.ok()) {
    std::fprintf(stderr, "vigil triage: %s\n", stats.status().message().c_str());
    return 1;
  }
  feed.finish();
  *files = stats->files;
  if (!a.quiet) {
    std::string correlations;
    if (!rules.correlations().empty()) {
      correlations = " (" + std::to_string(rules.correlations().size()) + " correlation" +
                     (rules.correlations().size() == 1 ? ")" : "s)");
    }
    std::fprintf(stderr, "vigil triage: %zu rules%s; %llu files, %llu events, %llu detections\n",
                 report.loaded, correlations.c_str(), static_cast<unsigned long long>(stats->files),
                 static_cast<unsigned long long>(stats->events),
                 static_cast<unsigned long long>(feed.detections()));
  }
  return 0;
}

// Picks the profile for one record when none was named: Wazuh objects carry "rule", Suricata
// EVE objects "event_type", AIT CSV rows "name" and "host".
const Profile* pick(const Event& ev, const Profile& ait, const Profile& wazuh, const Profile& suricata) {
  Value root = ev.root();
  if (root.get("rule")) return &wazuh;
  if (root.get("event_type")) return &suricata;
  if (root.get("name") && root.get("time")) return &ait;
  return nullptr;
}

// Auto mode: one collector per built-in profile, chosen record by record; records of no known
// layout are counted and reported.
class AutoSink : public EventSink {
 public:
  AutoSink(Engine& engine, const Profile& ait, const Profile& wazuh, const Profile& suricata)
      : ait_(ait), wazuh_(wazuh), suricata_(suricata), a_(engine, ait), w_(engine, wazuh),
        s_(engine, suricata) {}
  bool on_event(const Event& ev, const RecordRef& ref) override {
    const Profile* p = pick(ev, ait_, wazuh_, suricata_);
    if (p == &ait_) return a_.on_event(ev, ref);
    if (p == &wazuh_) return w_.on_event(ev, ref);
    if (p == &suricata_) return s_.on_event(ev, ref);
    if (++unknown_ <= 5) {
      std::string where(ref.source);
      where.append(ref.line ? ":" : " record ");
      where.append(std::to_string(ref.line ? ref.line : ref.index));
      unknown_where_.push_back(where + ": not a known alert layout (use --profile or --map)");
    }
    return true;
  }
  void on_issue(const ReadIssue& issue) override { a_.on_issue(issue); }
  void end_input(uint64_t slots) {
    for (AlertCollector* c : {&a_, &w_, &s_}) c->end_input(slots);
  }
  void feed() {
    w_.move_into(a_);
    s_.move_into(a_);
    a_.feed();
  }
  uint64_t bad() const { return a_.bad() + w_.bad() + s_.bad() + unknown_; }
  std::vector<std::string> problems() const {
    std::vector<std::string> out = unknown_where_;
    for (const AlertCollector* c : {&a_, &w_, &s_}) {
      out.insert(out.end(), c->problems().begin(), c->problems().end());
    }
    return out;
  }

 private:
  const Profile& ait_;
  const Profile& wazuh_;
  const Profile& suricata_;
  AlertCollector a_, w_, s_;
  uint64_t unknown_ = 0;
  std::vector<std::string> unknown_where_;
};

// Reads alert files through their profiles and feeds the engine in time order; 0 or an exit code.
int feed_alert_files(const Args& a, Engine& engine, size_t* files) {
  // Profiles: one named, a field map, or automatic per record.
  Result<Profile> chosen = a.map.empty() ? Profile::builtin(a.profile == "auto" ? "aitads" : a.profile)
                                         : Profile::generic(a.map);
  if (!chosen.ok()) {
    std::fprintf(stderr, "vigil triage: %s\n", chosen.status().message().c_str());
    return 2;
  }
  bool automatic = a.map.empty() && a.profile == "auto";
  Profile ait = *Profile::builtin("aitads");
  Profile wazuh = *Profile::builtin("wazuh");
  Profile suricata = *Profile::builtin("suricata");
  AlertCollector single(engine, *chosen);
  AutoSink multi(engine, ait, wazuh, suricata);

  Discovery found = discover(a.paths);
  for (const PathIssue& issue : found.issues) {
    std::fprintf(stderr, "vigil triage: %s\n", issue.describe().c_str());
  }
  if (found.files.empty()) {
    std::fprintf(stderr, "vigil triage: no input files\n");
    return 1;
  }
  for (const FoundFile& f : found.files) {
    ReadOptions ro;
    ReadStats stats;
    Status st;
    if (automatic) {
      // A CSV is read as the AIT layout (its five columns only) when it has them.
      ro.csv_columns = ait.csv_columns();
      st = read_path(f.path, multi, ro, &stats);
      if (st.code() == Code::kNotFound && f.format == Format::kCsv) {
        ro.csv_columns.clear();
        stats = ReadStats{};
        st = read_path(f.path, multi, ro, &stats);
      }
      multi.end_input(stats.records + stats.damaged);
    } else {
      ro.csv_columns = chosen->csv_columns();
      st = read_path(f.path, single, ro, &stats);
      single.end_input(stats.records + stats.damaged);
    }
    if (!st.ok()) {
      std::fprintf(stderr, "vigil triage: %s: %s\n", f.path.c_str(), st.message().c_str());
      return 1;
    }
  }
  if (automatic) {
    multi.feed();
  } else {
    single.feed();
  }
  uint64_t bad = automatic ? multi.bad() : single.bad();
  std::vector<std::string> problems = automatic ? multi.problems() : single.problems();
  for (const std::string& p : problems) std::fprintf(stderr, "vigil triage: %s\n", p.c_str());
  if (bad > problems.size()) {
    std::fprintf(stderr, "vigil triage: %llu unreadable alert records in all\n",
                 static_cast<unsigned long long>(bad));
  }
  *files = found.files.size();
  return 0;
}


int run(const Args& a) {
  EngineOptions opts = a.rules.empty() ? EngineOptions{} : detection_engine_options();
  for (const std::string& s : a.settings) {
    Status st = triage::set_option(opts, s);
    if (!st.ok()) {
      std::fprintf(stderr, "vigil triage: --set: %s\n", st.message().c_str());
      return 2;
    }
  }
  if (a.format != "table" && a.format != "json" && a.format != "html") {
    std::fprintf(stderr, "vigil triage: --format must be table, json or html\n");
    return 2;
  }
  if (a.rules.empty() && !a.detections.empty()) {
    std::fprintf(stderr, "vigil triage: --detections needs -r RULES (raw event inputs)\n");
    return 2;
  }
  TriageState state;
  if (!a.state.empty()) {
    auto loaded = TriageState::load(a.state);
    if (!loaded.ok()) {
      std::fprintf(stderr, "vigil triage: %s\n", loaded.status().message().c_str());
      return 1;
    }
    state = std::move(*loaded);
  }

  Engine engine(opts);
  engine.apply_state(state);
  if (!a.baseline.empty()) {
    std::ifstream in(a.baseline, std::ios::binary);
    if (in) {
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      Status st = engine.load_baseline(text);
      if (!st.ok()) {
        std::fprintf(stderr, "vigil triage: %s: %s\n", a.baseline.c_str(), st.message().c_str());
        return 1;
      }
    }
  }
  auto start = std::chrono::steady_clock::now();
  size_t input_files = 0;
  if (!a.rules.empty()) {
    if (int rc = feed_raw_events(a, engine, &input_files)) return rc;
  } else if (int rc = feed_alert_files(a, engine, &input_files)) {
    return rc;
  }

  triage::Snapshot snap = engine.snapshot(true, true);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ReportOptions ro;
  ro.max_rows = a.top;
  ro.show_auto_closed = a.all;
  ro.with_routine = !a.no_routine;
  ro.surface_threshold = opts.score.surface_threshold;
  ro.inputs = std::to_string(input_files) + (input_files == 1 ? " file" : " files");
  std::string text = a.format == "json"   ? triage::render_json(snap, ro)
                     : a.format == "html" ? triage::render_html(snap, ro)
                                          : triage::render_table(snap, ro);
  if (a.output.empty() || a.output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
      std::fprintf(stderr, "vigil triage: cannot write %s\n", a.output.c_str());
      return 1;
    }
  }
  if (!a.baseline.empty()) {
    std::string tmp = a.baseline + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << engine.save_baseline();
    out.close();
    if (!out || std::rename(tmp.c_str(), a.baseline.c_str()) != 0) {
      std::fprintf(stderr, "vigil triage: cannot write %s\n", a.baseline.c_str());
      return 1;
    }
  }
  if (!a.state.empty()) {
    state.record_incidents(snap);
    Status st = state.save(a.state);
    if (!st.ok()) {
      std::fprintf(stderr, "vigil triage: %s\n", st.message().c_str());
      return 1;
    }
  }
  if (!a.quiet) {
    std::fprintf(stderr, "vigil triage: %llu alerts, %zu surfaced, %.2f s\n",
                 static_cast<unsigned long long>(snap.alerts), snap.surfaced, seconds);
  }
  return 0;
}

int triage_main(int argc, char** argv) {
  CLI::App app{"Turn alerts into ranked, explained incidents"};
  app.name("vigil triage");
  Args a;
  app.add_option("paths", a.paths,
                 "Alert files or folders (CSV, JSON/JSONL, gzip/zstd); with -r, event logs")
      ->required();
  app.add_option("--profile", a.profile,
                 "Alert layout: aitads, wazuh, suricata, or auto (per record; default)");
  app.add_option("--map", a.map,
                 "Generic field map, e.g. time=@timestamp,title=rule.name,host=host.name,sensor='Zeek'");
  app.add_option("--format", a.format, "table (default), json or html");
  app.add_option("-o,--output", a.output, "Write the report here instead of stdout");
  app.add_option("--state", a.state, "State file: verdicts to apply, incidents to catalogue");
  app.add_option("--baseline", a.baseline,
                 "Learned-routine file: read before (if present), written after, so later runs go on learning");
  app.add_option("--set", a.settings, "Engine option NAME=VALUE, repeatable (see docs/triage.md)")
      ->allow_extra_args(false);
  app.add_flag("--all", a.all, "Table: also list auto-closed correlations and top routine types");
  app.add_flag("--no-routine", a.no_routine, "JSON/HTML: leave out routine and suppressed groups");
  app.add_option("--top", a.top, "Table: surfaced incidents shown (default 25)");
  app.add_flag("-q,--quiet", a.quiet, "No summary line on stderr");
  // Raw events: detection with Sigma rules, then triage (same selection flags as `vigil hunt`).
  app.add_option("-r,--rules", a.rules, "Sigma rule files or folders: PATHs are raw events (EVTX, JSON)");
  app.add_option("-m,--min-level", a.min_level, "With -r: lowest rule level used");
  app.add_option("--level", a.levels, "With -r: only these rule levels (repeatable)");
  app.add_option("--status", a.statuses, "With -r: only rules with these statuses (repeatable)");
  app.add_option("--tags", a.tags, "With -r: only rules with one of these tags");
  app.add_option("--filters", a.filters, "With -r: Sigma filter files or folders");
  app.add_option("--logsources", a.logsources, "With -r: log-source mapping file");
  app.add_option("--placeholders", a.placeholders, "With -r: placeholder values for |expand");
  app.add_option("-t,--threads", a.threads, "With -r: detection threads (default: all cores)");
  app.add_option("--detections", a.detections,
                 "With -r: write the detections here as JSON Lines (line N = alert record N-1)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return run(a);
}

}  // namespace

VIGIL_COMMAND(triage, "triage", "Rank alerts into explained incidents (routine auto-closed)",
              triage_main);

}  // namespace vigil::cli
