#include "serve/service.h"

#include <sys/stat.h>

#include <filesystem>

#include "detect/ruleset.h"
#include "pipeline/detect_triage.h"
#include "read/evtx/evtx_hook.h"
#include "serve/event_detector.h"
#include "serve/folder_watch.h"
#include "serve/host_port.h"
#include "serve/profiles.h"
#include "serve/store_pool.h"
#include "serve/syslog_listener.h"
#include "serve/token.h"

namespace vigil::serve {

struct Service::Parts {
  MetricsRegistry metrics;
  std::unique_ptr<ApiToken> token;
  ProfileCatalog profiles;
  std::unique_ptr<TriageHost> triage;
  std::unique_ptr<Committer> committer;
  std::unique_ptr<StorePool> pool;
  std::unique_ptr<ApiServer> api;
  std::unique_ptr<SyslogListener> syslog;
  std::unique_ptr<FolderWatcher> watcher;
};

Service::Service(ServiceOptions options) : options_(std::move(options)), parts_(std::make_unique<Parts>()) {}

Service::~Service() { stop(); }

Status Service::start() {
  auto say = [this](const std::string& line) {
    if (options_.log) options_.log(line);
  };
  auto address = parse_host_port(options_.listen);
  if (!address.ok()) return address.status();
  if (!address->is_loopback() && !options_.allow_remote) {
    return Invalid("refusing to listen on " + options_.listen +
                   ": not a loopback address (pass --allow-remote to serve other machines)");
  }
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) return IoError("cannot create " + options_.data_dir + ": " + ec.message());
  ::chmod(options_.data_dir.c_str(), 0700);
  const std::string db_path = (std::filesystem::path(options_.data_dir) / "vigil.db").string();

  Parts& p = *parts_;
  if (!options_.rule_paths.empty()) {
    sigma::LoadReport report;
    sigma::RuleSet rules = sigma::RuleSet::load(options_.rule_paths, {}, &report);
    say("rules: " + std::to_string(report.loaded) + " Sigma rules loaded, " + std::to_string(report.refused.size()) +
        " refused, " + std::to_string(report.unmapped.size()) + " without a mapped log source");
    if (report.loaded == 0) return Invalid("--rules: no Sigma rule could be loaded");
    p.profiles.set_detector(std::make_shared<EventDetector>(std::move(rules)));
  }
  auto token = ApiToken::load_or_create((std::filesystem::path(options_.data_dir) / "token").string());
  if (!token.ok()) return token.status();
  p.token = std::make_unique<ApiToken>(std::move(token).value());

  StoreOptions store_options;
  store_options.durability = options_.durability;
  auto committer_store = Store::open(db_path, store_options);  // runs the migrations
  if (!committer_store.ok()) return committer_store.status();
  auto triage_store = Store::open(db_path, store_options);
  if (!triage_store.ok()) return triage_store.status();

  TriageHostOptions triage_options = options_.triage;
  // Sigma detections carry a calibrated level: the engine reads it as `vigil triage -r` does, so
  // the same events triage alike here and there (it applies to every alert the engine takes).
  if (!options_.rule_paths.empty()) add_level_prior(triage_options.engine);
  p.triage = std::make_unique<TriageHost>(std::move(triage_store).value(), p.profiles, triage_options, p.metrics,
                                          [&p] { return p.committer ? p.committer->last_seq() : 0; });
  say("rebuilding incidents from " + db_path + " ...");
  auto replayed = p.triage->start();
  if (!replayed.ok()) return replayed.status().with_context("replay");
  replayed_ = *replayed;
  say("replayed " + std::to_string(replayed_) + " stored alerts");

  TriageHost* host = p.triage.get();
  p.committer = std::make_unique<Committer>(
      std::move(committer_store).value(), options_.committer,
      [host](std::vector<CommittedBatch>&& batches) { host->take(std::move(batches)); }, p.metrics);
  p.committer->start();

  p.pool = std::make_unique<StorePool>(db_path);
  p.metrics.gauge_fn("vigil_store_alerts", "Alerts held in the store", [pool = p.pool.get()] {
    auto lease = pool->acquire();
    if (!lease.ok()) return -1.0;
    auto n = (*lease)->alert_count();
    return n.ok() ? static_cast<double>(*n) : -1.0;
  });
  for (const char* status : {"surfaced", "auto-closed", "suppressed"}) {
    p.metrics.gauge_fn("vigil_incidents", "Published incidents by status", [pool = p.pool.get(), status] {
      auto lease = pool->acquire();
      if (!lease.ok()) return -1.0;
      auto n = (*lease)->incident_count(status);
      return n.ok() ? static_cast<double>(*n) : -1.0;
    }, {{"status", status}});
  }

  ApiDeps deps;
  deps.token = p.token.get();
  deps.committer = p.committer.get();
  deps.stores = p.pool.get();
  deps.metrics = &p.metrics;
  deps.triage = p.triage.get();
  deps.profiles = p.profiles.names();
  ProfileCatalog* profiles = &p.profiles;
  deps.intake_for = [profiles](std::string_view name) { return profiles->intake_for(name); };
  deps.describe_alert = [profiles](const StoredAlert& alert) { return profiles->describe(alert); };
  p.api = std::make_unique<ApiServer>(deps, options_.api);
  VIGIL_RETURN_IF_ERROR(p.api->start(*address));

  if (!options_.syslog_tcp.empty() || !options_.syslog_udp.empty()) {
    auto intake = p.profiles.intake_for(options_.syslog_profile);
    if (!intake.ok()) return intake.status().with_context("--syslog-profile");
    SyslogOptions syslog;
    syslog.tcp = options_.syslog_tcp;
    syslog.udp = options_.syslog_udp;
    p.syslog = std::make_unique<SyslogListener>(syslog, *intake, *p.committer, p.metrics);
    VIGIL_RETURN_IF_ERROR(p.syslog->start());
  }

  if (!options_.watch_dir.empty()) {
    auto watch_store = Store::open(db_path, store_options);
    if (!watch_store.ok()) return watch_store.status();
    WatchOptions watch;
    watch.dir = options_.watch_dir;
    watch.profile = options_.watch_profile;
    watch.poll = options_.watch_poll;
    watch.report = [say](const std::string& message) { say("watch: " + message); };
    watch.evtx = evtx::read_evtx;
    p.watcher = std::make_unique<FolderWatcher>(watch, p.profiles, *p.committer, std::move(watch_store).value(),
                                                p.metrics);
    VIGIL_RETURN_IF_ERROR(p.watcher->start());
  }
  return Status::Ok();
}

void Service::stop() {
  if (!parts_) return;
  Parts& p = *parts_;
  // Inputs first, then the committer (it drains into the engine), then the engine (it publishes).
  if (p.api) p.api->stop();
  if (p.syslog) p.syslog->stop();
  if (p.watcher) p.watcher->stop();
  if (p.committer) p.committer->stop();
  if (p.triage) p.triage->stop();
}

Status Service::health() const {
  if (parts_ && parts_->api) return parts_->api->health();
  return Status::Ok();
}

int Service::http_port() const { return parts_->api ? parts_->api->port() : 0; }
int Service::syslog_tcp_port() const { return parts_->syslog ? parts_->syslog->tcp_port() : 0; }
int Service::syslog_udp_port() const { return parts_->syslog ? parts_->syslog->udp_port() : 0; }
const ApiToken& Service::token() const { return *parts_->token; }

}  // namespace vigil::serve
