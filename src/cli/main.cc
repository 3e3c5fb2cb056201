// vigil: the command-line entry point. Dispatches to the registered subcommands; the subcommand
// decides what the user sees. Exit codes: 0 done, 1 fatal error, 2 usage error.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"

namespace vigil::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

}  // namespace vigil::cli

static void usage(FILE* out) {
  std::fprintf(out, "vigil — alert triage for security operations\n\nUsage: vigil COMMAND [ARGS...]\n\n");
  auto cmds = vigil::cli::commands();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (const auto& c : cmds) std::fprintf(out, "  %-10s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "\nRun `vigil COMMAND --help` for a command's options.\n");
}

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    usage(stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    std::printf("vigil %s\n", VIGIL_VERSION);
    return 0;
  }
  for (const auto& c : vigil::cli::commands()) {
    if (c.name == name) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "vigil: unknown command '%s'\n\n", name.c_str());
  usage(stderr);
  return 2;
}
