// vigil serve: runs the read -> triage pipeline live behind an HTTP API and the browser console,
// until SIGINT or SIGTERM. Start-up lines go to stderr, as do access logs; the console link with
// the token goes to stdout only, so a log collector on stderr never sees the secret.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "serve/service.h"

namespace {

int run_serve(int argc, char** argv) {
  CLI::App app{"Run Vigil as a service: ingest alerts (HTTP, syslog, watched folder), triage them live, "
               "serve the API and the console"};
  vigil::serve::ServiceOptions options;
  std::string watch;
  bool no_watch = false;
  bool quiet = false;
  std::string durability = "normal";
  int retention_days = 0;
  size_t max_body_mb = 64;
  app.add_option("--data", options.data_dir, "Data folder: vigil.db (SQLite), token, inbox/")->required();
  app.add_option("--listen", options.listen, "HTTP address (HOST:PORT)")->capture_default_str();
  app.add_flag("--allow-remote", options.allow_remote, "Allow a non-loopback --listen address");
  app.add_option("--syslog-tcp", options.syslog_tcp, "Syslog over TCP (RFC 5424/3164, RFC 6587 framing), HOST:PORT");
  app.add_option("--syslog-udp", options.syslog_udp, "Syslog over UDP, HOST:PORT");
  app.add_option("--syslog-profile", options.syslog_profile, "Profile of syslog JSON payloads")->capture_default_str();
  app.add_option("--watch", watch, "Watched folder (default DATA/inbox)");
  app.add_flag("--no-watch", no_watch, "Do not watch a folder");
  app.add_option("--watch-profile", options.watch_profile,
                 "Profile of watched files outside a profile-named subfolder")->capture_default_str();
  app.add_option("--rules", options.rule_paths,
                 "Sigma rule files or folders: take raw events (profile `events`, EVTX in the watched folder)");
  app.add_option("--retention-days", retention_days, "Delete alerts received more than N days ago (0 keeps all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--durability", durability,
                 "normal: a commit survives kill -9 (WAL, synchronous=NORMAL); full: also power loss (fsync each commit)")
      ->check(CLI::IsMember({"normal", "full"}))->capture_default_str();
  app.add_option("--max-body-mb", max_body_mb, "Largest accepted request body")->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "No access log");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (!no_watch) options.watch_dir = watch.empty() ? (std::filesystem::path(options.data_dir) / "inbox").string() : watch;
  options.durability = durability == "full" ? vigil::serve::Durability::kFull : vigil::serve::Durability::kNormal;
  options.triage.retention = std::chrono::hours(24 * retention_days);
  options.api.max_body_bytes = max_body_mb << 20;
  options.api.access_log = !quiet;
  options.log = [](const std::string& line) { std::fprintf(stderr, "vigil serve: %s\n", line.c_str()); };

  // Signals are taken by sigwait below; every thread the service starts inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  vigil::serve::Service service(options);
  vigil::Status status = service.start();
  if (!status.ok()) {
    std::fprintf(stderr, "vigil serve: %s\n", status.message().c_str());
    service.stop();
    return 1;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::string base = "http://" + host + ":" + std::to_string(service.http_port()) + "/";
  std::fprintf(stderr, "vigil serve: API on %sapi/v1 (Authorization: Bearer <token in %s/token>)\n", base.c_str(),
               options.data_dir.c_str());
  if (service.syslog_tcp_port()) std::fprintf(stderr, "vigil serve: syslog/tcp on port %d\n", service.syslog_tcp_port());
  if (service.syslog_udp_port()) std::fprintf(stderr, "vigil serve: syslog/udp on port %d\n", service.syslog_udp_port());
  if (!options.watch_dir.empty()) std::fprintf(stderr, "vigil serve: watching %s\n", options.watch_dir.c_str());
  std::printf("Console: %s#token=%s\n", base.c_str(), service.token().secret().c_str());
  std::fflush(stdout);

  // Wait for SIGINT/SIGTERM, looking at the service's health every second: a listener that
  // failed for good ends the process loudly instead of leaving it running deaf.
  const timespec tick{1, 0};
  for (;;) {
    int signal_number = sigtimedwait(&stop_signals, nullptr, &tick);
    if (signal_number > 0) {
      std::fprintf(stderr, "vigil serve: stopping (signal %d)\n", signal_number);
      service.stop();
      return 0;
    }
    if (vigil::Status health = service.health(); !health.ok()) {
      std::fprintf(stderr, "vigil serve: %s; stopping\n", health.message().c_str());
      service.stop();
      return 1;
    }
  }
}

}  // namespace

VIGIL_COMMAND(serve, "serve", "Run the live service: HTTP API, console, syslog and folder ingest", run_serve);
