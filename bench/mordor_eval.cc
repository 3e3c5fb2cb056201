// mordor_eval: Windows triage evaluated on the Mordor captures (../shared/data/mordor).
//
// Each capture is one ATT&CK technique run amid a lab's normal activity, as NXLog/Winlogbeat
// JSON lines. For each capture, separately, this runs what `vigil triage FILE -r RULES` runs
// (hunt with the Sigma rules, detections into the triage engine with detection_engine_options,
// one snapshot) and then, and only then, reads the capture's `_metadata/*.yaml` (a dataset's
// `files:` link ends in the capture's name, without the trailing date) to score it:
//   surf     surfaced incidents
//   caught   a surfaced incident names one of the capture's tactics (its rank is shown)
//   exact    a surfaced incident names one of its techniques (same id, or a sub-technique of a
//            technique the metadata names without one)
//   in-surf  share of the capture's detections that sit in surfaced incidents
// ATT&CK v19 split Defense Evasion (TA0005) into Stealth (TA0005) and Defense Impairment
// (TA0112); the metadata predates it, so a metadata TA0005 is also met by TA0112 (the count
// without that bridge is printed too). v19 also retired Impair Defenses (T1562) and Indicator
// Removal's log clearing (T1070.001/.002) for new ids (T1685, T1686, T1688-T1690), which the
// current SigmaHQ tags use; `exact` is strict, `exact v19` also accepts a retired technique's
// successor (kV19Successors). Captures without metadata are run and listed, not scored.
//
//   mordor_eval [--rules PATH]... [--data DIR] [--threads N] [--set NAME=VALUE]... [--only SUBSTR] [-v]
// (triage_eval_args.h)
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/text.h"
#include "detect/ruleset.h"
#include "pipeline/detect_triage.h"
#include "pipeline/hunt.h"
#include "triage/engine.h"
#include "triage/tactic.h"
#include "triage_eval_args.h"

namespace fs = std::filesystem;
using namespace vigil;

namespace {

struct Truth {
  std::string file;  // the metadata file
  std::set<std::string> tactics, techniques;
};

std::string link_key(std::string link) {
  link = link.substr(link.rfind('/') + 1);
  for (std::string_view ext : {".zip", ".tar.gz", ".json"}) {
    if (link.size() > ext.size() && link.ends_with(ext)) link.resize(link.size() - ext.size());
  }
  return link;
}

std::map<std::string, Truth> load_truth(const fs::path& dir) {
  std::map<std::string, Truth> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".yaml") continue;
    Truth t;
    t.file = e.path().filename().string();
    try {
      YAML::Node doc = YAML::LoadFile(e.path().string());
      for (const auto& m : doc["attack_mappings"]) {
        std::string tech = m["technique"] ? m["technique"].as<std::string>() : "";
        if (m["sub-technique"] && !m["sub-technique"].IsNull()) {
          tech += "." + m["sub-technique"].as<std::string>();
        }
        if (!tech.empty()) t.techniques.insert(tech);
        for (const auto& ta : m["tactics"]) t.tactics.insert(ta.as<std::string>());
      }
      for (const auto& f : doc["files"]) {
        if (f["link"]) out[link_key(f["link"].as<std::string>())] = t;
      }
    } catch (const YAML::Exception& ex) {
      std::fprintf(stderr, "mordor_eval: %s: %s\n", t.file.c_str(), ex.what());
    }
  }
  return out;
}

// The metadata of a capture: the longest key that is its name, or its name before a date suffix.
const Truth* truth_for(const std::map<std::string, Truth>& truth, std::string stem) {
  const Truth* best = nullptr;
  size_t best_len = 0;
  for (const auto& [key, t] : truth) {
    bool match = stem == key;
    if (!match && stem.size() > key.size() + 1 && stem.starts_with(key) && stem[key.size()] == '_') {
      std::string_view rest(stem.data() + key.size() + 1);
      match = std::all_of(rest.begin(), rest.end(),
                          [](char c) { return (c >= '0' && c <= '9') || c == '-' || c == 'T'; });
    }
    if (match && key.size() > best_len) {
      best = &t;
      best_len = key.size();
    }
  }
  return best;
}

bool tactic_met(const std::set<std::string>& want, triage::TacticSet have, bool bridge = true) {
  for (int i = 0; i < triage::kTacticCount; ++i) {
    auto t = static_cast<triage::Tactic>(i);
    if (!triage::has_tactic(have, t)) continue;
    std::string id(triage::tactic_id(t));
    if (want.count(id)) return true;
    if (bridge && t == triage::Tactic::kDefenseImpairment && want.count("TA0005")) return true;
  }
  return false;
}

// Retired pre-v19 technique -> its v19 successor (ATT&CK v19 deprecations).
constexpr std::pair<std::string_view, std::string_view> kV19Successors[] = {
    {"T1562", "T1685"},         {"T1562.001", "T1685"},     {"T1562.002", "T1685.001"},
    {"T1562.003", "T1690"},     {"T1562.004", "T1686"},     {"T1562.006", "T1685"},
    {"T1562.007", "T1686.001"}, {"T1562.008", "T1685.002"}, {"T1562.009", "T1688"},
    {"T1562.010", "T1689"},     {"T1562.011", "T1685.003"}, {"T1562.012", "T1685.004"},
    {"T1562.013", "T1686.002"}, {"T1070.001", "T1685.005"}, {"T1070.002", "T1685.006"},
};

std::set<std::string> with_successors(const std::set<std::string>& techniques) {
  std::set<std::string> out = techniques;
  for (const auto& [old_id, new_id] : kV19Successors) {
    if (techniques.count(std::string(old_id))) out.insert(std::string(new_id));
  }
  return out;
}

bool technique_met(const std::set<std::string>& want, const std::vector<std::string>& have) {
  for (const std::string& h : have) {
    if (want.count(h)) return true;
    size_t dot = h.find('.');
    if (dot != std::string::npos && want.count(h.substr(0, dot))) return true;
  }
  return false;
}

class Quiet : public HuntListener {
 public:
  void on_detection(const Detection&) override {}
  void on_issue(const std::string&) override { ++issues; }
  uint64_t issues = 0;
};

struct Row {
  std::string name;
  bool scored = false;
  bool caught = false, exact = false, exact_v19 = false, strict = false;
  size_t surfaced = 0;
  bool lone = false;  // what surfaced is only the capture's lone evidence (EngineOptions)
};

}  // namespace

int main(int argc, char** argv) {
  bench::EvalArgs args;
  args.data = args.shared / "data" / "mordor";
  if (!bench::parse_eval_args(argc, argv, "mordor_eval", &args)) return 2;
  const fs::path& data = args.data;
  if (!fs::is_directory(data)) {
    std::printf("mordor_eval: %s not found; nothing to evaluate\n", data.c_str());
    return 0;
  }

  auto t0 = std::chrono::steady_clock::now();
  sigma::LoadReport report;
  sigma::RuleSet rules = sigma::RuleSet::load(args.rule_paths, {}, &report);
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::map<std::string, Truth> truth = load_truth(data / "_metadata");

  std::vector<fs::path> captures;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    std::string p = e.path().string();
    if (e.is_regular_file() && p.ends_with(".json.gz") && p.find("_metadata") == std::string::npos &&
        (args.only.empty() || p.find(args.only) != std::string::npos)) {
      captures.push_back(e.path());
    }
  }
  std::sort(captures.begin(), captures.end());
  std::printf("mordor_eval: %zu rules (%zu refused) loaded in %.1f s; %zu captures, %zu metadata keys\n\n",
              report.loaded, report.refused.size(), load_s, captures.size(), truth.size());
  std::printf("%-46s %7s %5s %4s %7s %7s %7s  %s\n", "capture", "events", "dets", "surf", "caught",
              "exact", "in-surf", "expected tactics");

  HuntOptions hopt = detection_hunt_options();
  hopt.threads = args.threads;
  std::vector<Row> rows;
  uint64_t events = 0, detections = 0, in_surfaced = 0, bytes = 0;
  double hunt_triage_s = 0;
  for (const fs::path& cap : captures) {
    std::string rel = fs::relative(cap, data).string();
    std::string stem = cap.filename().string();
    stem.resize(stem.size() - std::string(".json.gz").size());
    auto c0 = std::chrono::steady_clock::now();
    triage::Engine engine(args.engine);
    Quiet quiet;
    DetectionTriage feed(rules, engine, &quiet);
    auto stats = run_hunt(rules, {cap.string()}, hopt, feed);
    if (!stats.ok()) {
      std::printf("%-46s %s\n", rel.c_str(), stats.status().message().c_str());
      continue;
    }
    feed.finish();
    triage::Snapshot snap = engine.snapshot(true, false);
    hunt_triage_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    events += stats->events;
    bytes += stats->bytes;
    detections += feed.detections();
    in_surfaced += snap.surfaced_alerts;

    // Scoring starts here: the only place the metadata is read.
    Row row;
    row.name = rel;
    row.surfaced = snap.surfaced;
    const Truth* t = truth_for(truth, stem);
    int caught_rank = 0, exact_rank = 0, rank = 0;
    std::set<std::string> v19 = t ? with_successors(t->techniques) : std::set<std::string>();
    row.lone = snap.surfaced > 0;
    for (const triage::Incident& inc : snap.incidents) {
      if (inc.status != triage::IncidentStatus::kSurfaced) continue;
      row.lone &= inc.lone_evidence;
      ++rank;
      if (t && !caught_rank && tactic_met(t->tactics, inc.tactics)) caught_rank = rank;
      if (t && tactic_met(t->tactics, inc.tactics, false)) row.strict = true;
      if (t && technique_met(v19, inc.techniques)) row.exact_v19 = true;
      if (t && !exact_rank && technique_met(t->techniques, inc.techniques)) exact_rank = rank;
    }
    std::string expected = "(no metadata)";
    if (t) {
      row.scored = true;
      row.caught = caught_rank > 0;
      row.exact = exact_rank > 0;
      expected.clear();
      for (const auto& ta : t->tactics) expected += (expected.empty() ? "" : ",") + ta;
      expected += " ";
      std::string techs;
      for (const auto& te : t->techniques) techs += (techs.empty() ? "" : ",") + te;
      expected += techs;
    }
    auto mark = [&](int r) { return r ? "yes#" + std::to_string(r) : std::string(t ? "no" : "-"); };
    std::string shown = rel.size() > 46 ? "…" + rel.substr(rel.size() - 45) : rel;
    double share = feed.detections() ? 100.0 * snap.surfaced_alerts / feed.detections() : 0;
    std::printf("%-46s %7llu %5llu %4zu %7s %7s %6.0f%%  %s\n", shown.c_str(),
                static_cast<unsigned long long>(stats->events),
                static_cast<unsigned long long>(feed.detections()), snap.surfaced,
                mark(caught_rank).c_str(), mark(exact_rank).c_str(), share, expected.c_str());
    if (args.verbose) {
      for (const triage::Incident& inc : snap.incidents) {
        if (inc.status != triage::IncidentStatus::kSurfaced) continue;
        std::string ids;
        for (int i = 0; i < triage::kTacticCount; ++i) {
          auto ta = static_cast<triage::Tactic>(i);
          if (triage::has_tactic(inc.tactics, ta)) ids += std::string(triage::tactic_id(ta)) + " ";
        }
        for (const auto& te : inc.techniques) ids += te + " ";
        std::printf("      %5.1f %4llu alerts  %s| %s\n", inc.score,
                    static_cast<unsigned long long>(inc.alert_count), ids.c_str(), inc.title.c_str());
      }
    }
    rows.push_back(std::move(row));
  }

  size_t scored = 0, caught = 0, exact = 0, exact_v19 = 0, strict = 0, none = 0, over5 = 0;
  size_t lone = 0, lone_caught = 0;
  std::vector<size_t> surf;
  for (const Row& r : rows) {
    surf.push_back(r.surfaced);
    if (r.surfaced == 0) ++none;
    if (r.surfaced > 5) ++over5;
    lone += r.lone;
    if (!r.scored) continue;
    ++scored;
    lone_caught += r.lone && r.caught;
    caught += r.caught;
    strict += r.strict;
    exact += r.exact;
    exact_v19 += r.exact_v19;
  }
  std::sort(surf.begin(), surf.end());
  double median = surf.empty() ? 0
                  : surf.size() % 2 ? static_cast<double>(surf[surf.size() / 2])
                                    : (surf[surf.size() / 2 - 1] + surf[surf.size() / 2]) / 2.0;
  std::printf("\ncaptures %zu (scored %zu): caught by tactic %zu/%zu (%.0f%%), exact technique "
              "%zu/%zu (%.0f%%)\n",
              rows.size(), scored, caught, scored, scored ? 100.0 * caught / scored : 0.0, exact,
              scored, scored ? 100.0 * exact / scored : 0.0);
  std::printf("exact technique accepting v19 successors of retired techniques: %zu/%zu (%.0f%%)\n",
              exact_v19, scored, scored ? 100.0 * exact_v19 / scored : 0.0);
  std::printf("caught without counting Defense Impairment (TA0112) as Defense Evasion: %zu/%zu\n",
              strict, scored);
  std::printf("surfaced incidents per capture: median %.1f, max %zu; %zu captures with none, %zu "
              "above 5\n",
              median, surf.empty() ? 0 : surf.back(), none, over5);
  std::printf("surfaced only as a capture's lone evidence (nothing reached the threshold): %zu "
              "captures, %zu of them caught by tactic\n",
              lone, lone_caught);
  std::printf("detections %llu, in surfaced incidents %llu (%.1f%%), the rest auto-closed\n",
              static_cast<unsigned long long>(detections),
              static_cast<unsigned long long>(in_surfaced),
              detections ? 100.0 * in_surfaced / detections : 0.0);
  std::printf("%llu events, %.1f MB of gzip; hunt + triage %.1f s on %zu thread(s) (%.0f events/s), "
              "rules loaded once in %.1f s\n",
              static_cast<unsigned long long>(events), bytes / 1e6, hunt_triage_s, args.threads,
              hunt_triage_s > 0 ? events / hunt_triage_s : 0.0, load_s);
  return 0;
}
