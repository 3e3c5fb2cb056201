// windows_eval: Windows triage on the EVTX attack samples (../shared/data/evtx).
//
// Every sample file is its own capture of an attack, so each is hunted and triaged on its own,
// as `vigil triage FILE -r RULES` does (detection_engine_options). Measured:
//   surfaced-share  among files with at least one detection, the share whose detections land in
//                   a surfaced incident (target: all)
//   in-surf         share of all detections that sit in surfaced incidents
//   surfaced/file   surfaced incidents per file (median, max)
//   tactic          where a file's folder names an ATT&CK tactic ("Credential Access",
//                   "LateralMovement"...), whether a surfaced incident names it
// Files whose detections surface nothing are listed with their detections' levels; files whose
// only surfaced incident is their lone evidence (a capture in which nothing reached the
// threshold: EngineOptions::lone_evidence) are counted apart (listed with -v).
//
//   windows_eval [--rules PATH]... [--data DIR] [--threads N] [--set NAME=VALUE]... [--only SUBSTR] [-v]
// (triage_eval_args.h)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "detect/ruleset.h"
#include "pipeline/detect_triage.h"
#include "pipeline/hunt.h"
#include "triage/engine.h"
#include "triage/tactic.h"
#include "triage_eval_args.h"

namespace fs = std::filesystem;
using namespace vigil;

namespace {

// Levels of a file's detections, and whether any folder above it names a tactic.
class Levels : public HuntListener {
 public:
  explicit Levels(const sigma::RuleSet& rules) : rules_(rules) {}
  void on_detection(const Detection& d) override {
    const std::string& level =
        d.correlation ? rules_.correlations()[d.rule].level : rules_.rules()[d.rule].level;
    counts[level]++;
  }
  void on_issue(const std::string&) override { ++issues; }
  std::map<std::string, int> counts;
  uint64_t issues = 0;

 private:
  const sigma::RuleSet& rules_;
};

// "Credential Access", "CredentialAccess", "Lateral Movement" -> the tactic; folders that are no
// tactic name (DeepBlueCLI, Sysmon, ImpairDefenses) -> none.
std::optional<triage::Tactic> folder_tactic(const fs::path& rel) {
  for (const auto& part : rel.parent_path()) {
    std::string spaced;
    for (char c : part.string()) {
      if (c >= 'A' && c <= 'Z' && !spaced.empty() && spaced.back() != ' ') spaced += ' ';
      spaced += c;
    }
    if (auto t = triage::parse_tactic(spaced)) return t;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  bench::EvalArgs args;
  args.data = args.shared / "data" / "evtx";
  if (!bench::parse_eval_args(argc, argv, "windows_eval", &args)) return 2;
  const fs::path& data = args.data;
  if (!fs::is_directory(data)) {
    std::printf("windows_eval: %s not found; nothing to evaluate\n", data.c_str());
    return 0;
  }
  sigma::LoadReport report;
  sigma::RuleSet rules = sigma::RuleSet::load(args.rule_paths, {}, &report);
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    if (e.is_regular_file() && e.path().extension() == ".evtx" &&
        (args.only.empty() || e.path().string().find(args.only) != std::string::npos)) {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::printf("windows_eval: %zu rules, %zu EVTX files under %s\n\n", report.loaded, files.size(),
              data.c_str());

  HuntOptions hopt = detection_hunt_options();
  hopt.threads = args.threads;
  size_t with_detections = 0, surfaced_files = 0, tactic_files = 0, tactic_named = 0;
  uint64_t events = 0, detections = 0, in_surfaced = 0, issues = 0;
  std::vector<size_t> per_file;
  std::vector<std::string> misses;
  std::vector<std::string> lone_files;  // surfaced only as the capture's lone evidence
  double seconds = 0;
  for (const fs::path& f : files) {
    fs::path rel = fs::relative(f, data);
    auto t0 = std::chrono::steady_clock::now();
    triage::Engine engine(args.engine);
    Levels levels(rules);
    DetectionTriage feed(rules, engine, &levels);
    auto stats = run_hunt(rules, {f.string()}, hopt, feed);
    if (!stats.ok()) {
      std::printf("%s: %s\n", rel.c_str(), stats.status().message().c_str());
      continue;
    }
    feed.finish();
    triage::Snapshot snap = engine.snapshot(true, false);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    events += stats->events;
    detections += feed.detections();
    in_surfaced += snap.surfaced_alerts;
    issues += levels.issues;
    if (feed.detections() == 0) continue;
    ++with_detections;
    per_file.push_back(snap.surfaced);
    if (snap.surfaced > 0) {
      ++surfaced_files;
      bool lone = true;
      for (const triage::Incident& inc : snap.incidents) {
        if (inc.status == triage::IncidentStatus::kSurfaced) lone &= inc.lone_evidence;
      }
      if (lone) lone_files.push_back(rel.string());
    } else {
      std::string lv;
      for (const auto& [level, n] : levels.counts) lv.append(" ").append(std::to_string(n)).append(" ").append(level);
      misses.push_back(rel.string() + ":" + lv);
    }
    triage::TacticSet named = 0;
    for (const triage::Incident& inc : snap.incidents) {
      if (inc.status == triage::IncidentStatus::kSurfaced) named |= inc.tactics;
    }
    if (auto t = folder_tactic(rel)) {
      ++tactic_files;
      if (triage::has_tactic(named, *t)) ++tactic_named;
    }
    if (args.verbose) {
      std::printf("%-70s %5llu dets %2zu surfaced  %s\n", rel.c_str(),
                  static_cast<unsigned long long>(feed.detections()), snap.surfaced,
                  triage::describe_tactics(named).c_str());
    }
  }
  std::sort(per_file.begin(), per_file.end());
  double median = per_file.empty() ? 0
                  : per_file.size() % 2
                      ? static_cast<double>(per_file[per_file.size() / 2])
                      : (per_file[per_file.size() / 2 - 1] + per_file[per_file.size() / 2]) / 2.0;
  if (!misses.empty()) {
    std::printf("files with detections and nothing surfaced:\n");
    for (const std::string& m : misses) std::printf("  %s\n", m.c_str());
    std::printf("\n");
  }
  std::printf("files %zu, with detections %zu: detections in a surfaced incident for %zu (%.1f%%)\n",
              files.size(), with_detections, surfaced_files,
              with_detections ? 100.0 * surfaced_files / with_detections : 0.0);
  if (args.verbose) {
    for (const std::string& f : lone_files) std::printf("  lone evidence: %s\n", f.c_str());
  }
  std::printf("of them surfaced only as the file's lone evidence (nothing reached the threshold): %zu\n",
              lone_files.size());
  std::printf("surfaced incidents per file with detections: median %.1f, max %zu\n", median,
              per_file.empty() ? 0 : per_file.back());
  std::printf("folder tactic named by a surfaced incident: %zu/%zu files\n", tactic_named, tactic_files);
  std::printf("detections %llu, in surfaced incidents %llu (%.1f%%); %llu events, %llu read issues; "
              "%.1f s on %zu thread(s)\n",
              static_cast<unsigned long long>(detections), static_cast<unsigned long long>(in_surfaced),
              detections ? 100.0 * in_surfaced / detections : 0.0,
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(issues),
              seconds, args.threads);
  return 0;
}
