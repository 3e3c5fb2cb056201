// ServerProcess (tests and benchmarks): runs `vigil serve` as a child process on a free
// loopback port, learns its port and token from the console line it prints, and can stop it
// gently (SIGTERM) or kill it outright (SIGKILL, the crash test). One owner thread.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace vigil::serve {

class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `binary serve --data DATA --listen 127.0.0.1:0 --no-watch -q EXTRA...` and waits (up to
  // `timeout_seconds`) for its console line.
  Status start(const std::string& binary, const std::string& data_dir,
               const std::vector<std::string>& extra_args = {}, int timeout_seconds = 60);
  void kill_hard();  // SIGKILL, then reap
  int stop();        // SIGTERM, then reap; returns the exit status
  bool running() const { return pid_ > 0; }

  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  // Peak resident memory of the child so far (VmHWM), in KiB; 0 when unknown.
  long peak_rss_kib() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
};

}  // namespace vigil::serve
