// ApiServer: Vigil's HTTP face — the JSON API under /api/v1, Prometheus /metrics and the
// embedded console — on cpp-httplib. Every /api and /metrics request needs the bearer token;
// the console's static files do not (they hold no data). Borrows everything in ApiDeps, which
// must outlive it. start()/stop() from the owner thread; handlers run on the server's pool.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"
#include "serve/intake.h"
#include "serve/committer.h"
#include "serve/host_port.h"
#include "serve/ingest_body.h"
#include "serve/metrics.h"
#include "serve/store_pool.h"
#include "serve/token.h"
#include "serve/triage_control.h"

namespace httplib {
class Server;
}

namespace vigil::serve {

struct ApiDeps {
  const ApiToken* token = nullptr;
  Committer* committer = nullptr;
  StorePool* stores = nullptr;
  MetricsRegistry* metrics = nullptr;
  TriageControl* triage = nullptr;
  // The intake for `?profile=NAME`; kNotFound for an unknown profile name.
  std::function<Result<RecordIntake>(std::string_view profile)> intake_for;
  // Names accepted for ?profile=, listed by /api/v1/health.
  std::vector<std::string> profiles;
  // A stored alert's normalized fields as a JSON object (time, sensor, rule, entities...) for
  // the incident page; unset leaves them out (the raw record is always there).
  std::function<std::string(const StoredAlert& alert)> describe_alert;
};

struct ApiOptions {
  size_t max_body_bytes = 64u << 20;
  size_t threads = 16;
  // Ingest requests handled at once; more get 503 at once, so a flood of senders waiting on a
  // full queue never occupies every thread and the console and queries stay responsive.
  size_t max_concurrent_ingest = 8;
  // How long an ingest request may wait for room in a full queue before 503.
  std::chrono::milliseconds ingest_room_timeout{10'000};
  // After the listening socket fails: binds of the same port tried, this far apart, before
  // health() reports the failure.
  int relisten_attempts = 100;
  std::chrono::milliseconds relisten_backoff{100};
  BodyLimits body;
  bool access_log = true;  // one line per request on stderr: method, path, status (no query)
};

class ApiServer {
 public:
  ApiServer(ApiDeps deps, ApiOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds (port 0 picks a free port) and starts serving on a background thread. If the
  // listening socket fails later (cpp-httplib closes it on any accept() error but EMFILE, e.g.
  // EINTR, ENFILE, ENOBUFS), the server binds the same port again and goes on serving.
  Status start(const HostPort& address);
  void stop();
  int port() const { return port_; }
  // Ok while the server listens; the error once it has given up listening again (for about
  // relisten_attempts x relisten_backoff), so the owner can exit instead of living on deaf.
  Status health() const;

 private:
  void install_routes();
  void install_ingest();
  void install_incidents();
  void install_admin();

  ApiDeps deps_;
  ApiOptions options_;
  std::unique_ptr<httplib::Server> http_;
  void listen_loop(std::string host);

  std::thread thread_;
  int port_ = 0;
  mutable std::mutex listen_mu_;  // stopping_, failure_ and each new bind
  bool stopping_ = false;
  std::string failure_;
  std::atomic<bool> listener_done_{false};
  Counter* relistens_ = nullptr;
  std::chrono::steady_clock::time_point started_;
  std::atomic<size_t> ingest_in_flight_{0};
};

}  // namespace vigil::serve
