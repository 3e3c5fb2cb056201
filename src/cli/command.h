// Command registry for the `vigil` binary: each subcommand file registers one entry point.
// Commands parse their own flags (CLI11), print to stdout/stderr, and return the exit code.
// Registration happens during static initialisation; run() is called once from main.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vigil::cli {

using CommandFn = std::function<int(int argc, char** argv)>;

struct Command {
  std::string name;
  std::string summary;
  CommandFn run;
};

std::vector<Command>& commands();

struct Registrar {
  Registrar(std::string name, std::string summary, CommandFn fn) {
    commands().push_back({std::move(name), std::move(summary), std::move(fn)});
  }
};

}  // namespace vigil::cli

#define VIGIL_COMMAND(var, name, summary, fn) \
  static ::vigil::cli::Registrar var##_registrar(name, summary, fn)
