// `vigil verdict`: record an analyst's true/false-positive call on an incident of the last
// `vigil triage --state` run, or list the verdicts and suppressions a state file holds.
// Thin wrapper over triage/verdict.h.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "cli/command.h"
#include "core/time.h"
#include "triage/verdict.h"

namespace vigil::cli {
namespace {

using triage::TriageState;
using triage::Verdict;

int list(const TriageState& st) {
  std::printf("%zu verdicts, %zu suppressions, %zu confirmed alert types, %zu catalogued incidents\n",
              st.verdicts().size(), st.suppressions().size(), st.confirmed().size(), st.catalog().size());
  for (const auto& v : st.verdicts()) {
    std::printf("  %s  %-14s  %s  %s\n    reason: %s\n", format_time_us(v.recorded_us).substr(0, 19).c_str(),
                triage::verdict_name(v.verdict), v.incident.c_str(), v.title.c_str(), v.reason.c_str());
  }
  if (!st.suppressions().empty()) std::printf("suppressed alert types:\n");
  for (const auto& s : st.suppressions()) {
    std::printf("  %s / %s on %s  (from %s)\n", s.key.sensor.c_str(), s.key.rule.c_str(), s.key.host.c_str(),
                s.incident.c_str());
  }
  return 0;
}

int verdict_main(int argc, char** argv) {
  CLI::App app{"Record a true/false-positive verdict on an incident; verdicts teach suppressions"};
  app.name("vigil verdict");
  std::string state_path, incident, reason;
  bool tp = false, fp = false, show = false;
  app.add_option("--state", state_path, "State file written by `vigil triage --state`")->required();
  app.add_option("incident", incident, "Incident id (INC-..., RTN-...) from the last triage run");
  app.add_flag("--tp,--true-positive", tp, "The incident is malicious: surface its alert types again");
  app.add_flag("--fp,--false-positive", fp, "The incident is benign: suppress its alert types on its hosts");
  app.add_option("--reason", reason, "Why (kept with the verdict and its suppressions)");
  app.add_flag("--list", show, "List verdicts and suppressions");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto loaded = TriageState::load(state_path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "vigil verdict: %s\n", loaded.status().message().c_str());
    return 1;
  }
  TriageState st = std::move(*loaded);
  if (show) return list(st);
  if (incident.empty() || tp == fp) {
    std::fprintf(stderr, "vigil verdict: give an incident id and exactly one of --tp / --fp (or --list)\n");
    return 2;
  }
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  Status s = st.add_verdict(incident, tp ? Verdict::kTruePositive : Verdict::kFalsePositive, reason, now);
  if (!s.ok()) {
    std::fprintf(stderr, "vigil verdict: %s\n", s.message().c_str());
    return 1;
  }
  s = st.save(state_path);
  if (!s.ok()) {
    std::fprintf(stderr, "vigil verdict: %s\n", s.message().c_str());
    return 1;
  }
  const auto& v = st.verdicts().back();
  std::printf("%s recorded for %s (%zu alert types): %s\n", triage::verdict_name(v.verdict), incident.c_str(),
              v.keys.size(), fp ? "they will be suppressed on these hosts" : "they will surface when they recur");
  return 0;
}

}  // namespace

VIGIL_COMMAND(verdict, "verdict", "Record a true/false-positive verdict; verdicts teach suppressions",
              verdict_main);

}  // namespace vigil::cli
