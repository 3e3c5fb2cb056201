// ait_eval: the triage evaluation over the AIT alert data set (../shared/data/ait-ads/*.csv.gz).
//
// For each scenario it splits the two label columns off (time_label, event_label) and writes a
// label-free CSV of the five alert columns, so the engine cannot see a label even by accident;
// runs `vigil triage --profile aitads --format json` on that file as a separate process; then
// scores the JSON against the labels it kept:
//   surfaced   incidents with status "surfaced"
//   workload   alerts / surfaced incidents (how many alerts one analyst look replaces)
//   recall     attack steps caught: a step is a distinct non-"-" event_label, caught when any of
//              its alerts is in a surfaced incident
//   leak       noise leakage: share of the "-" alerts that sit inside surfaced incidents
//   precision-leak  share of the alerts inside surfaced incidents that are "-" (other reading)
//   seconds    wall time of the vigil process (read, triage, write JSON)
// --skip-hours H drops each scenario's first H hours, so the engine meets the attack with a
// younger baseline (a robustness check: the attacks come 76-105 h into the files).
// With --replay N it also plays an analyst for N rounds: surfaced incidents made only of "-"
// alerts get a false-positive verdict (`vigil verdict --fp`; all of them, or the N highest
// ranked with --per-round N), then triage runs again with the state file, showing benign items
// shrinking as verdicts accumulate.
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Scenario {
  std::string name;
  std::vector<std::string> labels;  // event_label per record (0-based, header excluded)
  uint64_t noise = 0;
  std::set<std::string> steps;
};

// Writes the five alert columns of the records at or after `skip_s` seconds past the file's
// earliest time, and keeps their labels.
bool split_labels(const std::string& gz_path, const std::string& out_csv, int64_t skip_s, Scenario& sc) {
  gzFile gz = gzopen(gz_path.c_str(), "rb");
  if (!gz) return false;
  std::string data;
  char buf[1 << 16];
  int n;
  while ((n = gzread(gz, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  gzclose(gz);
  std::ofstream out(out_csv, std::ios::binary | std::ios::trunc);
  int64_t earliest = INT64_MAX;
  for (size_t p = data.find('\n') + 1; p < data.size();) {
    size_t end = data.find('\n', p);
    if (end == std::string::npos) end = data.size();
    if (end > p) earliest = std::min<int64_t>(earliest, std::atoll(data.c_str() + p));
    p = end + 1;
  }
  size_t pos = 0;
  bool header = true;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string::npos) end = data.size();
    std::string_view line(data.data() + pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    // The first five fields go to the engine; the last field is the step label.
    size_t cut = 0;
    for (int commas = 0; commas < 5 && cut != std::string_view::npos; ++commas) {
      cut = line.find(',', cut == 0 && commas == 0 ? 0 : cut + 1);
    }
    if (cut == std::string_view::npos) return false;
    if (!header && std::atoll(std::string(line.substr(0, line.find(','))).c_str()) < earliest + skip_s) continue;
    out << line.substr(0, cut) << '\n';
    if (header) {
      header = false;
      continue;
    }
    std::string label(line.substr(line.rfind(',') + 1));
    if (label == "-") {
      sc.noise++;
    } else {
      sc.steps.insert(label);
    }
    sc.labels.push_back(std::move(label));
  }
  return static_cast<bool>(out);
}

int run(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

struct Result {
  size_t surfaced = 0;
  size_t benign_surfaced = 0;
  size_t caught = 0;
  uint64_t leaked = 0;
  uint64_t in_surfaced = 0;
  double seconds = 0;
  std::vector<std::string> missed;
  std::vector<std::string> benign_ids;
};

bool score(const std::string& json_path, const Scenario& sc, Result& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(json_path).get(root)) return false;
  std::set<std::string> caught;
  for (simdjson::dom::element inc : root["incidents"].get_array()) {
    std::string_view status = inc["status"].get_string().value_unsafe();
    if (status != "surfaced") continue;
    r.surfaced++;
    bool benign = true;
    for (simdjson::dom::element a : inc["alerts"].get_array()) {
      uint64_t rec = a.get_uint64().value_unsafe();
      if (rec >= sc.labels.size()) return false;
      const std::string& label = sc.labels[rec];
      r.in_surfaced++;
      if (label == "-") {
        r.leaked++;
      } else {
        caught.insert(label);
        benign = false;
      }
    }
    if (benign) {
      r.benign_surfaced++;
      r.benign_ids.emplace_back(inc["id"].get_string().value_unsafe());
    }
  }
  r.caught = caught.size();
  for (const std::string& s : sc.steps) {
    if (!caught.count(s)) r.missed.push_back(s);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string vigil = std::string(VIGIL_BINARY_DIR) + "/vigil";
  std::string data = std::string(VIGIL_SHARED_DIR) + "/data/ait-ads";
  int replay = 0;
  size_t per_round = 0;  // verdicts per replay round; 0 = every benign surfaced incident
  double skip_hours = 0;  // drop each scenario's first hours (a younger baseline at the attack)
  std::vector<std::string> extra;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--vigil" && i + 1 < argc) {
      vigil = argv[++i];
    } else if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--replay" && i + 1 < argc) {
      replay = std::atoi(argv[++i]);
    } else if (a == "--per-round" && i + 1 < argc) {
      per_round = static_cast<size_t>(std::atoi(argv[++i]));
    } else if (a == "--skip-hours" && i + 1 < argc) {
      skip_hours = std::atof(argv[++i]);
    } else if (a == "--set" && i + 1 < argc) {
      extra.push_back(std::string("--set ") + argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: ait_eval [--vigil PATH] [--data DIR] [--replay ROUNDS [--per-round N]] "
                   "[--skip-hours H] [--set K=V]...\n");
      return 2;
    }
  }
  std::vector<std::string> files;
  if (fs::is_directory(data)) {
    for (const auto& e : fs::directory_iterator(data)) {
      if (e.path().string().ends_with(".csv.gz")) files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::printf("ait_eval: needs ../shared (no *.csv.gz in %s)\n", data.c_str());
    return 0;
  }
  fs::path tmp = fs::temp_directory_path() / ("vigil_ait_eval_" + std::to_string(getpid()));
  fs::create_directories(tmp);
  std::string settings;
  for (const std::string& s : extra) settings += " " + s;

  std::printf("%-16s %8s %8s %9s %8s %8s %10s %8s  %s\n", "scenario", "alerts", "surfaced", "workload",
              "recall", "leak", "prec-leak", "seconds", "missed steps");
  for (const std::string& f : files) {
    Scenario sc;
    sc.name = fs::path(f).filename().string();
    sc.name = sc.name.substr(0, sc.name.find("_alerts"));
    std::string csv = (tmp / (sc.name + ".csv")).string();
    if (!split_labels(f, csv, static_cast<int64_t>(skip_hours * 3600), sc)) {
      std::fprintf(stderr, "ait_eval: cannot read %s\n", f.c_str());
      return 1;
    }
    std::string state = (tmp / (sc.name + ".state.json")).string();
    for (int round = 0; round <= replay; ++round) {
      std::string json = (tmp / (sc.name + ".json")).string();
      std::string cmd = "'" + vigil + "' triage --profile aitads --format json -q -o '" + json + "' '" + csv +
                        "'" + settings + (replay > 0 ? " --state '" + state + "'" : "");
      auto t0 = std::chrono::steady_clock::now();
      if (run(cmd) != 0) {
        std::fprintf(stderr, "ait_eval: failed: %s\n", cmd.c_str());
        return 1;
      }
      Result r;
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!score(json, sc, r)) {
        std::fprintf(stderr, "ait_eval: unreadable output %s\n", json.c_str());
        return 1;
      }
      std::string missed;
      for (const std::string& m : r.missed) missed += (missed.empty() ? "" : ",") + m;
      std::string label = replay > 0 ? sc.name + " r" + std::to_string(round) : sc.name;
      char recall[32];
      std::snprintf(recall, sizeof recall, "%zu/%zu", r.caught, sc.steps.size());
      std::printf("%-16s %8zu %8zu %9.0f %8s %7.2f%% %9.2f%% %8.2f  %s", label.c_str(), sc.labels.size(),
                  r.surfaced, r.surfaced ? static_cast<double>(sc.labels.size()) / static_cast<double>(r.surfaced) : 0.0,
                  recall, sc.noise ? 100.0 * static_cast<double>(r.leaked) / static_cast<double>(sc.noise) : 0.0,
                  r.in_surfaced ? 100.0 * static_cast<double>(r.leaked) / static_cast<double>(r.in_surfaced) : 0.0,
                  r.seconds, missed.empty() ? "-" : missed.c_str());
      if (replay > 0) std::printf("  (benign surfaced %zu)", r.benign_surfaced);
      std::printf("\n");
      std::fflush(stdout);
      if (round == replay) break;
      // The analyst judges the highest-ranked benign incidents first.
      if (per_round > 0 && r.benign_ids.size() > per_round) r.benign_ids.resize(per_round);
      for (const std::string& id : r.benign_ids) {
        std::string vcmd = "'" + vigil + "' verdict --state '" + state + "' " + id +
                           " --fp --reason 'replay: judged benign' > /dev/null";
        if (run(vcmd) != 0) {
          std::fprintf(stderr, "ait_eval: failed: %s\n", vcmd.c_str());
          return 1;
        }
      }
    }
  }
  fs::remove_all(tmp);
  return 0;
}
