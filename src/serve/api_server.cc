#include "serve/api_server.h"

#include <pthread.h>

#include <cstdio>

#include "core/json_writer.h"
#include "serve/api_util.h"
#include "serve/assets.h"

namespace vigil::serve {
namespace {

// The console loads only its own files and talks only to its own origin.
constexpr const char* kConsolePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

bool needs_token(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/metrics";
}

}  // namespace

ApiServer::ApiServer(ApiDeps deps, ApiOptions options)
    : deps_(std::move(deps)), options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  install_routes();
}

ApiServer::~ApiServer() { stop(); }

Status ApiServer::start(const HostPort& address) {
  started_ = std::chrono::steady_clock::now();
  if (address.port == 0) {
    port_ = http_->bind_to_any_port(address.host);
    if (port_ <= 0) return IoError("cannot listen on " + address.to_string());
  } else {
    if (!http_->bind_to_port(address.host, address.port)) {
      return IoError("cannot listen on " + address.to_string());
    }
    port_ = address.port;
  }
  stopping_ = false;
  failure_.clear();
  listener_done_ = false;
  thread_ = std::thread([this, host = address.host] { listen_loop(host); });
  // httplib's stop() does nothing until the listen loop runs; wait for it so a stop() right
  // after start() cannot leave the thread blocked in accept().
  for (int waited = 0; !http_->is_running(); ++waited) {
    if (waited == 10'000) {
      http_->stop();
      return IoError("the HTTP server did not start listening on " + address.to_string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::Ok();
}

// cpp-httplib 0.11's accept loop retries only EMFILE; any other accept() error closes the
// listening socket and returns false, which would leave the process alive but deaf. So bind
// the same port again (backing off, ApiOptions::relisten_*) and serve on; count each time.
void ApiServer::listen_loop(std::string host) {
  pthread_setname_np(pthread_self(), "vigil-http");  // the pool it starts inherits the name
  for (;;) {
    if (http_->listen_after_bind()) break;  // stopped by stop()
    std::unique_lock lock(listen_mu_);
    if (stopping_) break;
    bool bound = false;
    for (int attempt = 0; attempt < options_.relisten_attempts && !stopping_ && !bound; ++attempt) {
      if (attempt > 0) {
        lock.unlock();
        std::this_thread::sleep_for(options_.relisten_backoff);
        lock.lock();
      }
      bound = !stopping_ && http_->bind_to_port(host, port_);
    }
    if (stopping_) break;
    if (!bound) {
      failure_ = "the HTTP listener on " + HostPort{host, port_}.to_string() +
                 " failed and could not listen again";
      break;
    }
    relistens_->add(1);
  }
  listener_done_ = true;
}

Status ApiServer::health() const {
  std::lock_guard lock(listen_mu_);
  if (failure_.empty()) return Status::Ok();
  return IoError(failure_);
}

void ApiServer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(listen_mu_);
    stopping_ = true;
  }
  // The listener may be between two binds; once stopping_ is set it starts no new one, so it
  // is either listening (stop it once) or about to return.
  while (!listener_done_) {
    if (http_->is_running()) {
      http_->stop();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  thread_.join();
}

void ApiServer::install_routes() {
  size_t threads = options_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(options_.max_body_bytes);
  http_->set_keep_alive_max_count(10'000);
  http_->set_read_timeout(30, 0);
  http_->set_write_timeout(30, 0);

  relistens_ = &deps_.metrics->counter("vigil_http_relisten_total",
                                      "Times the HTTP listener failed and listened on its port again");
  Counter& unauthorized = deps_.metrics->counter("vigil_http_unauthorized_total",
                                                 "Requests refused for a missing or wrong token");
  const ApiToken* token = deps_.token;
  http_->set_pre_routing_handler([token, &unauthorized](const httplib::Request& req,
                                                        httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    if (!needs_token(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("Cache-Control", "no-store");
    if (token->authorizes(req.get_header_value("Authorization"))) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    unauthorized.add();
    res.set_header("WWW-Authenticate", "Bearer realm=\"vigil\"");
    api::send_error(res, 401, "unauthorized", "missing or wrong bearer token");
    return httplib::Server::HandlerResponse::Handled;
  });

  Counter* by_class[6] = {};
  for (int c = 1; c <= 5; ++c) {
    by_class[c] = &deps_.metrics->counter("vigil_http_responses_total", "HTTP responses by status class",
                                          {{"class", std::to_string(c) + "xx"}});
  }
  bool log = options_.access_log;
  http_->set_logger([by_class, log](const httplib::Request& req, const httplib::Response& res) {
    int status_class = res.status / 100;
    if (status_class >= 1 && status_class <= 5) by_class[status_class]->add();
    // The path only: query strings may carry search text, and headers (the token) never appear.
    if (log) std::fprintf(stderr, "http: %s %s %d\n", req.method.c_str(), req.path.c_str(), res.status);
  });

  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404:
        return api::send_error(res, 404, "not_found", "no such resource");
      case 413:
        return api::send_error(res, 413, "too_large", "request body over the size limit");
      case 405:
        return api::send_error(res, 405, "method_not_allowed", "method not allowed here");
      default:
        return api::send_error(res, res.status, "error", "request failed");
    }
  });

  // The console: static files, no data, no token.
  http_->Get(R"(/|/[a-z0-9_\-]+\.(html|js|css|svg))", [](const httplib::Request& req, httplib::Response& res) {
    const Asset* asset = find_asset(req.path);
    if (asset == nullptr) {
      res.status = 404;
      return;
    }
    res.set_header("Content-Security-Policy", kConsolePolicy);
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Cache-Control", "no-cache");
    res.set_content(asset->bytes.data(), asset->bytes.size(), std::string(asset->content_type).c_str());
  });

  install_ingest();
  install_incidents();
  install_admin();
}

void ApiServer::install_admin() {
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(deps_.metrics->render(), "text/plain; version=0.0.4");
  });

  http_->Get("/api/v1/health", [this](const httplib::Request&, httplib::Response& res) {
    auto store = deps_.stores->acquire();
    Status status = store.ok() ? (*store)->schema_version().status() : store.status();
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    w.field("status", status.ok() ? "ok" : "degraded");
    w.field("store", status.ok() ? std::string("ok") : status.message());
    w.field("version", VIGIL_SERVE_VERSION);
    w.field("uptime_seconds",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
    w.key("profiles").begin_array();
    for (const auto& p : deps_.profiles) w.value(p);
    w.end_array();
    w.end_object();
    api::send_json(res, status.ok() ? 200 : 503, std::move(body));
  });

  http_->Get("/api/v1/stats", [this](const httplib::Request&, httplib::Response& res) {
    auto store = deps_.stores->acquire();
    if (!store.ok()) return api::send_status(res, store.status());
    auto alerts = (*store)->alert_count();
    if (!alerts.ok()) return api::send_status(res, alerts.status());
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    w.field("alerts_stored", *alerts);
    w.field("last_seq", deps_.committer->last_seq());
    w.field("processed_seq", deps_.triage->processed_seq());
    w.field("queued_records", static_cast<int64_t>(deps_.committer->queued_records()));
    w.key("incidents").begin_object();
    for (const char* status : {"", "surfaced", "auto-closed", "suppressed"}) {
      auto n = (*store)->incident_count(status);
      if (!n.ok()) return api::send_status(res, n.status());
      w.field(*status ? status : "total", *n);
    }
    w.end_object();
    auto verdicts = (*store)->db().query_int("SELECT count(*) FROM verdicts");
    auto suppressions = (*store)->db().query_int("SELECT count(*) FROM suppressions WHERE deleted_us IS NULL");
    if (!verdicts.ok()) return api::send_status(res, verdicts.status());
    if (!suppressions.ok()) return api::send_status(res, suppressions.status());
    w.field("verdicts", *verdicts);
    w.field("suppressions", *suppressions);
    w.end_object();
    api::send_json(res, 200, std::move(body));
  });
}

}  // namespace vigil::serve
