// Service: `vigil serve` assembled — the data folder (store, token), the committer, the live
// triage engine, the HTTP API and console, syslog listeners and the watched folder — started in
// dependency order and stopped in reverse. One Service per data folder; start()/stop() from one
// thread; the accessors are safe once start() succeeded.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "serve/api_server.h"
#include "serve/committer.h"
#include "serve/store.h"
#include "serve/triage_host.h"

namespace vigil::serve {

struct ServiceOptions {
  std::string data_dir;                    // holds vigil.db and token; created (0700) if missing
  std::string listen = "127.0.0.1:8600";   // HTTP; port 0 picks a free port
  bool allow_remote = false;               // refuse a non-loopback listen address unless set
  std::string syslog_tcp;                  // HOST:PORT or empty
  std::string syslog_udp;
  std::string syslog_profile = "auto";
  std::string watch_dir;                   // empty: no watched folder
  std::string watch_profile = "auto";
  // Sigma rule files or folders: enable raw events (profile `events`, EVTX in the watched folder).
  std::vector<std::string> rule_paths;
  std::chrono::milliseconds watch_poll{1000};
  Durability durability = Durability::kNormal;
  ApiOptions api;
  CommitterOptions committer;
  TriageHostOptions triage;
  // Where the service says what it is doing (start-up, unreadable files); may be null.
  std::function<void(const std::string& line)> log;
};

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  Status start();
  void stop();

  int http_port() const;
  int syslog_tcp_port() const;
  int syslog_udp_port() const;
  const ApiToken& token() const;
  // Ok while every listener serves; the error once one has failed for good (the owner should
  // stop the service and exit non-zero).
  Status health() const;
  // Alerts replayed into the engine at start.
  int64_t replayed() const { return replayed_; }

 private:
  struct Parts;
  ServiceOptions options_;
  std::unique_ptr<Parts> parts_;
  int64_t replayed_ = 0;
};

}  // namespace vigil::serve
