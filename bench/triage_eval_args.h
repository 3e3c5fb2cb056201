// The command line the Windows triage evaluations share (mordor_eval, windows_eval): rules,
// data folder, detection threads, engine --set overrides, a capture filter, verbosity; and the
// default rule set (SigmaHQ rules/windows, rules-emerging-threats, rules-threat-hunting).
// Plain values and functions; one thread.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/detect_triage.h"
#include "triage/engine.h"

namespace vigil::bench {

struct EvalArgs {
  std::filesystem::path shared = VIGIL_SHARED_DIR;
  std::filesystem::path data;
  std::vector<std::string> rule_paths;
  std::string only;  // only captures whose path contains this
  size_t threads = 1;
  bool verbose = false;
  triage::EngineOptions engine = detection_engine_options();
};

// Parses argv into `args` (whose `data` holds the default folder); false after printing the
// usage line or the bad --set to stderr.
inline bool parse_eval_args(int argc, char** argv, const char* name, EvalArgs* args) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "-v") {
      args->verbose = true;
    } else if (has_value && a == "--rules") {
      args->rule_paths.push_back(argv[++i]);
    } else if (has_value && a == "--data") {
      args->data = argv[++i];
    } else if (has_value && a == "--threads") {
      args->threads = std::stoul(argv[++i]);
    } else if (has_value && a == "--only") {
      args->only = argv[++i];
    } else if (has_value && a == "--set") {
      Status st = triage::set_option(args->engine, argv[++i]);
      if (!st.ok()) {
        std::fprintf(stderr, "%s: %s\n", name, st.message().c_str());
        return false;
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--rules PATH]... [--data DIR] [--threads N] [--set NAME=VALUE]... "
                   "[--only SUBSTR] [-v]\n",
                   name);
      return false;
    }
  }
  if (args->rule_paths.empty()) {
    for (const char* r : {"rules/windows", "rules-emerging-threats", "rules-threat-hunting"}) {
      args->rule_paths.push_back((args->shared / "data" / "sigma" / r).string());
    }
  }
  return true;
}

}  // namespace vigil::bench
