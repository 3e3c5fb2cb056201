// Crash test: alerts acknowledged by `vigil serve` survive kill -9. Senders stream batches of
// uniquely numbered alerts; the server is killed mid-stream with requests in flight; after a
// restart every acknowledged alert must be in the store, and the incidents must come back the
// same after a second kill -9.
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "read/json_record.h"
#include "serve/server_process.h"
#include "serve/store.h"
#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

const std::string kVigil = std::string(VIGIL_BINARY_DIR) + "/vigil";

// One AIT-layout alert carrying a unique number `n` (the profile ignores the extra field).
std::string alert_line(int64_t n) {
  static const char* kNames[] = {"Wazuh: ClamAV database update", "Wazuh: PAM: Login session opened.",
                                 "Suricata: Alert - ET INFO Observed DNS Query to .biz TLD",
                                 "Wazuh: sshd: authentication success."};
  static const char* kHosts[] = {"mail", "webserver", "inet-dns", "vpn"};
  int64_t time = 1642000000 + n / 8;
  return "{\"time\":\"" + std::to_string(time) + "\",\"name\":\"" + kNames[n % 4] + "\",\"ip\":\"10.0.0." +
         std::to_string(n % 7) + "\",\"host\":\"" + kHosts[(n / 4) % 4] + "\",\"short\":\"X\",\"n\":" +
         std::to_string(n) + "}\n";
}

std::string incidents(const ServerProcess& server) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_bearer_token_auth(server.token().c_str());
  auto res = client.Get("/api/v1/incidents?status=&limit=500");
  return res && res->status == 200 ? res->body : "error";
}

TEST(CrashTest, AcknowledgedAlertsSurviveKill9AndIncidentsComeBackTheSame) {
  TempDir dir;
  ServerProcess server;
  ASSERT_TRUE(server.start(kVigil, dir.path()).ok()) << "is " << kVigil << " built?";

  constexpr int kSenders = 4, kBatch = 500;
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<int64_t> acked;
  std::atomic<int64_t> acked_count{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_bearer_token_auth(server.token().c_str());
      while (!stop) {
        int64_t first = next.fetch_add(kBatch);
        std::string body;
        for (int64_t n = first; n < first + kBatch; ++n) body += alert_line(n);
        auto res = client.Post("/api/v1/ingest?profile=aitads", body, "application/x-ndjson");
        if (!res) continue;  // the server died under this request: not acknowledged
        if (res->status != 200 || res->body.find("\"stored\":500") == std::string::npos) continue;
        std::lock_guard lock(mu);
        for (int64_t n = first; n < first + kBatch; ++n) acked.insert(n);
        acked_count += kBatch;
      }
    });
  }
  // Kill once a good number of batches were acknowledged, with more in flight.
  for (int i = 0; i < 600 && acked_count < 60'000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  server.kill_hard();
  stop = true;
  for (auto& t : senders) t.join();
  ASSERT_GT(acked.size(), 0u);

  // Every acknowledged alert is in the store.
  std::set<int64_t> stored;
  {
    StoreOptions read_only;
    read_only.read_only = true;
    auto store = Store::open(dir.file("vigil.db"), read_only);
    ASSERT_TRUE(store.ok()) << store.status().message();
    JsonRecordParser parser;
    Event ev;
    ASSERT_TRUE(store->scan_alerts(0, [&](const StoredAlert& a) {
      if (parser.parse_copy(a.raw, ev).ok()) {
        int64_t n = -1;
        if (ev.root().get("n").as_int(&n)) stored.insert(n);
      }
      return true;
    }).ok());
  }
  size_t missing = 0;
  for (int64_t n : acked) missing += stored.count(n) == 0;
  std::printf("crash test: %zu alerts acknowledged before kill -9, %zu stored, %zu acknowledged missing\n",
              acked.size(), stored.size(), missing);
  EXPECT_EQ(missing, 0u);
  EXPECT_GE(stored.size(), acked.size());

  // Restart: the engine is rebuilt from the store; a second kill -9 changes nothing.
  ASSERT_TRUE(server.start(kVigil, dir.path()).ok());
  std::string first = incidents(server);
  EXPECT_NE(first.find("\"incidents\":[{"), std::string::npos) << first.substr(0, 200);
  server.kill_hard();
  ASSERT_TRUE(server.start(kVigil, dir.path()).ok());
  std::string second = incidents(server);
  EXPECT_EQ(first, second);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace vigil::serve
