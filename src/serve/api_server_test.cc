// The HTTP API end to end on loopback: auth, ingest durability, queue filters, the incident page,
// verdicts and suppressions (through a TriageControl fake that writes the store like the real
// host does), health, stats, metrics and the console's files.
#include "serve/api_server.h"

#include <dlfcn.h>
#include <errno.h>
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>

#include <gtest/gtest.h>

#include "serve/intake_for_test.h"
#include "serve/temp_dir_for_test.h"

// Failures on demand for the listener tests below: while a count is positive, the call fails
// (ENOBUFS, EADDRNOTAVAIL) and the count goes down. The executable's definitions come first in
// symbol lookup, so cpp-httplib's shared library calls these.
std::atomic<int> g_failing_accepts{0};
std::atomic<int> g_failing_binds{0};

extern "C" int accept(int fd, sockaddr* __restrict address, socklen_t* __restrict length) {
  using Accept = int (*)(int, sockaddr*, socklen_t*);
  static const auto real = reinterpret_cast<Accept>(dlsym(RTLD_NEXT, "accept"));
  if (g_failing_accepts.fetch_sub(1) > 0) {
    errno = ENOBUFS;
    return -1;
  }
  g_failing_accepts.fetch_add(1);
  return real(fd, address, length);
}

extern "C" int bind(int fd, const sockaddr* address, socklen_t length) noexcept {
  using Bind = int (*)(int, const sockaddr*, socklen_t);
  static const auto real = reinterpret_cast<Bind>(dlsym(RTLD_NEXT, "bind"));
  if (g_failing_binds.fetch_sub(1) > 0) {
    errno = EADDRNOTAVAIL;
    return -1;
  }
  g_failing_binds.fetch_add(1);
  return real(fd, address, length);
}

namespace vigil::serve {
namespace {

class FakeTriage : public TriageControl {
 public:
  explicit FakeTriage(std::string db_path) : store_(std::move(Store::open(db_path, {})).value()) {}
  Result<VerdictOutcome> give_verdict(const VerdictRequest& r) override {
    std::lock_guard lock(mu_);
    auto doc = store_.incident_doc(r.incident_id);
    if (!doc.ok()) return doc.status();
    if (!doc->has_value()) return NotFound("no incident " + r.incident_id);
    auto id = store_.add_verdict({0, r.incident_id, r.verdict, r.reason, r.analyst, 0, 1});
    if (!id.ok()) return id.status();
    return VerdictOutcome{*id, "suppressed", std::nullopt};
  }
  Result<SuppressionRow> add_suppression(const std::string& spec, const std::string& reason) override {
    std::lock_guard lock(mu_);
    SuppressionRow row{0, spec, reason, 0, 0, 5, {}, {}};
    auto id = store_.add_suppression(row);
    if (!id.ok()) return id.status();
    row.id = *id;
    return row;
  }
  Result<bool> remove_suppression(int64_t id) override {
    std::lock_guard lock(mu_);
    return store_.delete_suppression(id, 0, 9);
  }
  Status sync(std::chrono::milliseconds) override { return Status::Ok(); }
  int64_t processed_seq() const override { return 0; }
  Store& store() { return store_; }

 private:
  std::mutex mu_;
  Store store_;
};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("vigil.db");
    auto store = Store::open(path_, {});
    ASSERT_TRUE(store.ok());
    committer_ = std::make_unique<Committer>(std::move(store).value(), CommitterOptions{}, nullptr, metrics_);
    committer_->start();
    triage_ = std::make_unique<FakeTriage>(path_);
    pool_ = std::make_unique<StorePool>(path_);
    ApiDeps deps;
    deps.token = &token_;
    deps.committer = committer_.get();
    deps.stores = pool_.get();
    deps.metrics = &metrics_;
    deps.triage = triage_.get();
    deps.profiles = {"timed"};
    deps.intake_for = [](std::string_view profile) -> Result<RecordIntake> {
      if (profile != "timed") return NotFound("unknown profile " + std::string(profile));
      return intake_picking([](const Event& e) -> Result<std::string> {
        if (!e.root().get("time")) return Invalid("record has no time");
        return std::string("timed");
      });
    };
    deps_ = deps;
    ApiOptions options;
    options.access_log = false;
    options.max_body_bytes = 1 << 20;
    server_ = std::make_unique<ApiServer>(deps, options);
    ASSERT_TRUE(server_->start({"127.0.0.1", 0}).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_bearer_token_auth(token_.secret().c_str());
    anonymous_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }
  void TearDown() override {
    server_->stop();
    committer_->stop();
  }

  void add_incident(const std::string& id, double score, const std::string& status) {
    IncidentRow row;
    row.id = id;
    row.status = status;
    row.score = score;
    row.title = "t " + id;
    row.hosts = {"web"};
    row.search_text = "t " + id;
    row.summary = "{\"id\":\"" + id + "\"}";
    row.doc = "{\"id\":\"" + id + "\",\"alerts\":[1,2]}";
    ASSERT_TRUE(triage_->store().upsert_incident(row, 1).ok());
  }

  TempDir dir_;
  std::string path_;
  ApiDeps deps_;
  ApiToken token_ = ApiToken::from_secret("test-token-0123456789");
  MetricsRegistry metrics_;
  std::unique_ptr<Committer> committer_;
  std::unique_ptr<FakeTriage> triage_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<httplib::Client> anonymous_;
};

TEST_F(ApiServerTest, EveryApiCallNeedsTheToken) {
  for (const char* path : {"/api/v1/health", "/api/v1/stats", "/api/v1/incidents", "/metrics"}) {
    auto res = anonymous_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer realm=\"vigil\"");
  }
  httplib::Headers wrong = {{"Authorization", "Bearer test-token-0123456780"}};
  EXPECT_EQ(anonymous_->Get("/api/v1/health", wrong)->status, 401);
  EXPECT_EQ(anonymous_->Post("/api/v1/ingest?profile=timed", "{\"time\":1}", "application/json")->status, 401);
  auto ok = client_->Get("/api/v1/health");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_NE(ok->body.find("\"status\":\"ok\""), std::string::npos);
}

TEST_F(ApiServerTest, IngestAnswersOnlyWithDurableRecords) {
  auto res = client_->Post("/api/v1/ingest?profile=timed",
                           "{\"time\":1,\"a\":1}\n{\"a\":2}\n{\"time\":3}\nnot json", "application/x-ndjson");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("\"accepted\":2"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("\"rejected\":2"), std::string::npos);
  EXPECT_NE(res->body.find("\"line\":2,\"offset\":17,\"message\":\"record has no time\""), std::string::npos) << res->body;
  // Durable before the answer: a fresh connection sees the rows now.
  auto store = Store::open(path_, {});
  EXPECT_EQ(*store->alert_count(), 2);

  auto array = client_->Post("/api/v1/ingest?profile=timed", "[{\"time\":5},{\"time\":6}]", "application/json");
  EXPECT_NE(array->body.find("\"accepted\":2,\"stored\":2,\"rejected\":0,\"first_seq\":3,\"last_seq\":4"), std::string::npos) << array->body;

  EXPECT_EQ(client_->Post("/api/v1/ingest?profile=nope", "{}", "application/json")->status, 404);
  EXPECT_EQ(client_->Post("/api/v1/ingest", "{}", "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/api/v1/ingest?profile=timed", "garbage", "text/plain")->status, 400);
  EXPECT_EQ(client_->Post("/api/v1/ingest?profile=timed", "{\"a\":1}", "application/json")->status, 400);
  // curl's --data-binary default Content-Type must not turn the body into a form.
  auto form = client_->Post("/api/v1/ingest?profile=timed", std::string(20000, ' ') + "{\"time\":9}",
                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200) << form->body;
  std::string huge(2 << 20, ' ');
  EXPECT_EQ(client_->Post("/api/v1/ingest?profile=timed", huge, "application/json")->status, 413);
  EXPECT_EQ(*store->alert_count(), 5);
}

// Found by http_fuzz: httplib enforces the payload limit on Content-Length only, so a gzip body
// (3 KB inflating to 3 MiB) or a chunked one went past max_body_bytes (1 MiB here).
TEST_F(ApiServerTest, BodyLimitHoldsForGzipAndChunkedBodies) {
  const std::string record = "{\"time\":9}\n";
  httplib::Client gzip_client("127.0.0.1", server_->port());
  gzip_client.set_bearer_token_auth(token_.secret().c_str());
  gzip_client.set_compress(true);  // Content-Encoding: gzip
  auto small = gzip_client.Post("/api/v1/ingest?profile=timed", record, "application/json");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200) << small->body;
  auto bomb = gzip_client.Post("/api/v1/ingest?profile=timed", std::string(3 << 20, ' ') + record,
                               "application/json");
  if (bomb) {
    EXPECT_EQ(bomb->status, 413) << bomb->body;
  }

  size_t sent = 0;
  auto chunked = client_->Post(
      "/api/v1/ingest?profile=timed",
      [&sent, &record](size_t, httplib::DataSink& sink) {
        if (sent >= (2u << 20)) {
          sink.write(record.data(), record.size());
          sink.done();
          return true;
        }
        std::string spaces(64 << 10, ' ');
        sent += spaces.size();
        return sink.write(spaces.data(), spaces.size());
      },
      "application/json");
  if (chunked) {
    EXPECT_EQ(chunked->status, 413) << chunked->body;
  }
  // Whatever the client saw, only the small body was stored.
  auto store = Store::open(path_, {});
  EXPECT_EQ(*store->alert_count(), 1);
}

TEST_F(ApiServerTest, QueuePageVerdictAndSuppressions) {
  add_incident("inc-1", 40, "surfaced");
  add_incident("inc-2", 90, "surfaced");
  add_incident("inc-3", 5, "auto-closed");
  auto list = client_->Get("/api/v1/incidents?status=surfaced&limit=1");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_NE(list->body.find("\"total\":2"), std::string::npos) << list->body;
  EXPECT_NE(list->body.find("\"incidents\":[{\"id\":\"inc-2\"}]"), std::string::npos) << list->body;
  EXPECT_EQ(client_->Get("/api/v1/incidents?min_score=abc")->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/incidents?limit=0")->status, 400);
  EXPECT_EQ(client_->Get("/api/v1/incidents?since=2024-01-01T00:00:00Z")->status, 200);

  ASSERT_EQ(client_->Post("/api/v1/ingest?profile=timed", "{\"time\":1}\n{\"time\":2}", "application/json")->status, 200);
  auto page = client_->Get("/api/v1/incidents/inc-1");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("{\"id\":\"inc-1\",\"alerts\":[1,2],\"verdicts\":[]"), std::string::npos) << page->body;
  EXPECT_NE(page->body.find("\"record\":{\"time\":2}"), std::string::npos) << page->body;
  EXPECT_EQ(client_->Get("/api/v1/incidents/none")->status, 404);

  auto bad = client_->Post("/api/v1/incidents/inc-1/verdict", "{\"verdict\":\"maybe\",\"reason\":\"x\"}", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(client_->Post("/api/v1/incidents/inc-1/verdict", "{\"verdict\":\"benign\"}", "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/api/v1/incidents/zz/verdict", "{\"verdict\":\"benign\",\"reason\":\"r\"}", "application/json")->status, 404);
  auto given = client_->Post("/api/v1/incidents/inc-1/verdict",
                             "{\"verdict\":\"false_positive\",\"reason\":\"known scanner\",\"analyst\":\"ana\"}",
                             "application/json");
  ASSERT_EQ(given->status, 200) << given->body;
  EXPECT_NE(given->body.find("\"status\":\"suppressed\""), std::string::npos);
  auto after = client_->Get("/api/v1/incidents?q=inc-1");
  EXPECT_NE(after->body.find("{\"id\":\"inc-1\",\"verdict\":\"false_positive\"}"), std::string::npos) << after->body;
  page = client_->Get("/api/v1/incidents/inc-1");
  EXPECT_NE(page->body.find("\"reason\":\"known scanner\",\"analyst\":\"ana\""), std::string::npos) << page->body;

  auto created = client_->Post("/api/v1/suppressions", "{\"spec\":{\"rule\":\"x\"},\"reason\":\"noise\"}", "application/json");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_NE(created->body.find("\"spec\":{\"rule\":\"x\"}"), std::string::npos);
  EXPECT_EQ(client_->Post("/api/v1/suppressions", "{\"spec\":1,\"reason\":\"n\"}", "application/json")->status, 400);
  auto listed = client_->Get("/api/v1/suppressions");
  EXPECT_NE(listed->body.find("\"reason\":\"noise\""), std::string::npos);
  EXPECT_EQ(client_->Delete("/api/v1/suppressions/1")->status, 200);
  EXPECT_EQ(client_->Delete("/api/v1/suppressions/1")->status, 404);
  EXPECT_EQ(client_->Get("/api/v1/suppressions")->body, "{\"suppressions\":[]}");

  auto stats = client_->Get("/api/v1/stats");
  EXPECT_NE(stats->body.find("\"alerts_stored\":2"), std::string::npos) << stats->body;
  EXPECT_NE(stats->body.find("\"incidents\":{\"total\":3,\"surfaced\":2,\"auto-closed\":1,\"suppressed\":0}"), std::string::npos) << stats->body;
}

TEST_F(ApiServerTest, IngestBeyondTheConcurrencyCapIsTurnedAwayAtOnce) {
  ApiOptions options;
  options.access_log = false;
  options.max_concurrent_ingest = 0;  // every ingest is one too many
  ApiServer saturated(deps_, options);
  ASSERT_TRUE(saturated.start({"127.0.0.1", 0}).ok());
  httplib::Client client("127.0.0.1", saturated.port());
  client.set_bearer_token_auth(token_.secret().c_str());
  auto res = client.Post("/api/v1/ingest?profile=timed", "{\"time\":1}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  EXPECT_EQ(client.Get("/api/v1/health")->status, 200);  // the connection and the rest still work
  saturated.stop();
  EXPECT_EQ(*Store::open(path_, {})->alert_count(), 0);
}

TEST_F(ApiServerTest, MetricsAndConsole) {
  ASSERT_EQ(client_->Post("/api/v1/ingest?profile=timed", "{\"time\":1}", "application/json")->status, 200);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("vigil_alerts_accepted_total{origin=\"http\"} 1\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("vigil_committed_alerts_total 1\n"), std::string::npos);

  auto index = anonymous_->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_NE(index->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(index->get_header_value("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(index->body.find("<title>Vigil"), std::string::npos);
  EXPECT_EQ(anonymous_->Get("/missing.js")->status, 404);
  EXPECT_EQ(anonymous_->Get("/../etc/passwd")->status, 404);
}

// Stops the injected failures when a test ends, however it ends.
struct FailuresOff {
  ~FailuresOff() {
    g_failing_accepts = 0;
    g_failing_binds = 0;
  }
};

// The value of vigil_http_relisten_total in the registry's exposition.
std::string relistens(const MetricsRegistry& metrics) {
  const std::string text = metrics.render(), key = "\nvigil_http_relisten_total ";
  size_t at = text.find(key);
  if (at == std::string::npos) return "missing";
  at += key.size();
  return text.substr(at, text.find('\n', at) - at);
}

// cpp-httplib 0.11 retries accept() on EINTR and EMFILE only; any other error (ENFILE,
// ENOBUFS, ENOMEM...) closes the listening socket. No test can make the kernel run short of
// buffers, so accept() and bind() are interposed here and fail on demand.
TEST_F(ApiServerTest, ListensAgainWhenAcceptFails) {
  FailuresOff off;
  ASSERT_EQ(relistens(metrics_), "0");
  g_failing_accepts = 1;
  // Requests wake the listener from a good accept(); the next one fails.
  for (int waited = 0; waited < 500 && relistens(metrics_) == "0"; ++waited) {
    client_->Get("/api/v1/health");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(g_failing_accepts.load(), 0);
  EXPECT_EQ(relistens(metrics_), "1");
  EXPECT_TRUE(server_->health().ok()) << server_->health().message();
  auto res = client_->Get("/api/v1/health");
  ASSERT_TRUE(res) << "the server stopped answering: " << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(ApiServerTest, SaysSoWhenItCannotListenAgain) {
  FailuresOff off;
  ApiOptions options;
  options.access_log = false;
  options.relisten_attempts = 3;
  options.relisten_backoff = std::chrono::milliseconds(10);
  ApiServer server(deps_, options);
  ASSERT_TRUE(server.start({"127.0.0.1", 0}).ok());
  httplib::Client client("127.0.0.1", server.port());
  client.set_bearer_token_auth(token_.secret().c_str());
  g_failing_binds = 1000;
  g_failing_accepts = 1;
  for (int waited = 0; waited < 500 && server.health().ok(); ++waited) {
    client.Get("/api/v1/health");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(1000 - g_failing_binds.exchange(0), 3);
  Status health = server.health();
  ASSERT_FALSE(health.ok());
  EXPECT_NE(health.message().find("could not listen again"), std::string::npos) << health.message();
  EXPECT_FALSE(client.Get("/api/v1/health"));
  server.stop();  // returns: the listener thread has ended
}

}  // namespace
}  // namespace vigil::serve
