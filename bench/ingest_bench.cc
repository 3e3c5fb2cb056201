// ingest_bench: sustained HTTP ingest into `vigil serve` on loopback.
//
// Starts the server (a child process, fresh data folder), then C client threads post batches of
// B alerts (JSON lines, profile aitads) until N alerts are acknowledged. Every acknowledgement
// means committed to SQLite (WAL), so the rate is the durable rate. Prints alerts/s, request
// latency p50/p99/max, the server's peak RSS (VmHWM) at quarters of the run (flat = bounded
// memory), and how long the triage engine took to catch up after the last acknowledgement.
//
// Alerts: the AIT alert data set (../shared/data/ait-ads, its five alert columns only; the label
// columns are never read), repeated with shifted times when N asks for more; a synthetic stream
// of the same layout when ../shared is absent.
// Usage: ingest_bench [--alerts N] [--clients C] [--batch B] [--durability normal|full]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "read/read_path.h"
#include "serve/server_process.h"

namespace {

using Clock = std::chrono::steady_clock;

struct LineCollector : vigil::EventSink {
  std::vector<std::string>* lines;
  std::string json;
  bool on_event(const vigil::Event& e, const vigil::RecordRef&) override {
    json.clear();
    vigil::write_json(e, json);
    lines->push_back(json);
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override {}
};

std::vector<std::string> load_alerts(const std::string& shared, std::string* source) {
  std::vector<std::string> lines;
  std::string dir = shared + "/data/ait-ads";
  if (std::filesystem::is_directory(dir)) {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().string().ends_with(".csv.gz")) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    vigil::ReadOptions options;
    options.csv_columns = {"time", "name", "ip", "host", "short"};
    LineCollector sink;
    sink.lines = &lines;
    for (const auto& f : files) (void)vigil::read_path(f, sink, options);
    *source = dir + " (" + std::to_string(files.size()) + " scenarios, 5 alert columns)";
  }
  if (lines.empty()) {
    *source = "synthetic (../shared absent)";
    static const char* kNames[] = {"Wazuh: ClamAV database update", "Wazuh: PAM: Login session opened.",
                                   "Suricata: Alert - ET INFO Observed DNS Query to .biz TLD",
                                   "Wazuh: sshd: authentication success.", "AMiner: New value detected"};
    for (int n = 0; n < 500'000; ++n) {
      lines.push_back("{\"time\":\"" + std::to_string(1642000000 + n / 4) + "\",\"name\":\"" + kNames[n % 5] +
                      "\",\"ip\":\"10.0.0." + std::to_string(n % 50) + "\",\"host\":\"host" + std::to_string(n % 20) +
                      "\",\"short\":\"X\"}");
    }
  }
  return lines;
}

long rss_kib(pid_t pid) {
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/status").c_str(), "r");
  if (!f) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

}  // namespace

int main(int argc, char** argv) {
  size_t total = 0, clients = 4, batch = 2000;
  std::string durability = "normal";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--alerts") total = std::stoul(argv[i + 1]);
    else if (flag == "--clients") clients = std::stoul(argv[i + 1]);
    else if (flag == "--batch") batch = std::stoul(argv[i + 1]);
    else if (flag == "--durability") durability = argv[i + 1];
  }
  std::string source;
  std::vector<std::string> alerts = load_alerts(VIGIL_SHARED_DIR, &source);
  if (total == 0) total = alerts.size();

  // Request bodies, prepared before the clock starts (the server's speed is measured, not ours).
  // Repeats of the data set are shifted in time so the stream keeps moving forward.
  std::vector<std::string> bodies;
  for (size_t at = 0; at < total; at += batch) {
    std::string body;
    for (size_t i = at; i < std::min(total, at + batch); ++i) {
      const std::string& line = alerts[i % alerts.size()];
      size_t round = i / alerts.size();
      if (round == 0) {
        body += line;
      } else {  // "time":"<epoch>" -> epoch + round * 30 days
        size_t p = line.find("\"time\":\"") + 8;
        size_t q = line.find('"', p);
        long long t = std::stoll(line.substr(p, q - p)) + static_cast<long long>(round) * 30 * 86400;
        body += line.substr(0, p) + std::to_string(t) + line.substr(q);
      }
      body += '\n';
    }
    bodies.push_back(std::move(body));
  }

  std::string data = (std::filesystem::temp_directory_path() / ("vigil-ingest-bench-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(data);
  vigil::serve::ServerProcess server;
  vigil::Status st = server.start(std::string(VIGIL_BINARY_DIR) + "/vigil", data, {"--durability", durability});
  if (!st.ok()) {
    std::fprintf(stderr, "ingest_bench: %s\n", st.message().c_str());
    return 1;
  }

  std::atomic<size_t> next{0};
  std::atomic<size_t> acked{0};
  std::atomic<size_t> failures{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  long rss_at_quarter[4] = {0, 0, 0, 0};
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", server.port());
      client.set_bearer_token_auth(server.token().c_str());
      client.set_read_timeout(60, 0);
      std::vector<double> mine;
      for (size_t i; (i = next.fetch_add(1)) < bodies.size();) {
        auto t0 = Clock::now();
        auto res = client.Post("/api/v1/ingest?profile=aitads", bodies[i], "application/x-ndjson");
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!res || res->status != 200) {
          failures++;
          continue;
        }
        size_t lines = static_cast<size_t>(std::count(bodies[i].begin(), bodies[i].end(), '\n'));
        size_t done = acked.fetch_add(lines) + lines;
        int quarter = static_cast<int>(done * 4 / total) - 1;
        if (quarter >= 0 && quarter < 4) {
          std::lock_guard lock(mu);
          if (rss_at_quarter[quarter] == 0) rss_at_quarter[quarter] = rss_kib(server.pid());
        }
      }
      std::lock_guard lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  // How long the live engine needs to catch up with everything acknowledged.
  httplib::Client client("127.0.0.1", server.port());
  client.set_bearer_token_auth(server.token().c_str());
  auto caught_up = Clock::now();
  for (int i = 0; i < 6000; ++i) {
    auto res = client.Get("/api/v1/stats");
    if (res && res->status == 200) {
      auto last = res->body.find("\"last_seq\":");
      auto processed = res->body.find("\"processed_seq\":");
      if (last != std::string::npos && processed != std::string::npos &&
          std::stoll(res->body.substr(last + 11)) == std::stoll(res->body.substr(processed + 16))) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double lag = std::chrono::duration<double>(Clock::now() - caught_up).count();
  long peak = server.peak_rss_kib();
  auto stats = client.Get("/api/v1/stats");
  server.stop();
  std::filesystem::remove_all(data);

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double q) {
    return latencies_ms.empty() ? 0.0 : latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(q * latencies_ms.size()))];
  };
  std::printf("ingest_bench: HTTP POST /api/v1/ingest on loopback, acknowledged = committed (durability %s)\n",
              durability.c_str());
  std::printf("  alerts         %zu from %s\n", acked.load(), source.c_str());
  std::printf("  requests       %zu x %zu alerts, %zu clients, %zu failed\n", latencies_ms.size(), batch, clients, failures.load());
  std::printf("  wall time      %.2f s\n", seconds);
  std::printf("  ingest rate    %.0f alerts/s   (target >= 100,000)\n", acked.load() / seconds);
  std::printf("  latency        p50 %.1f ms, p99 %.1f ms, max %.1f ms per request\n", pct(0.50), pct(0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  std::printf("  server RSS     at 25/50/75/100%%: %ld / %ld / %ld / %ld MiB, peak %ld MiB\n", rss_at_quarter[0] / 1024,
              rss_at_quarter[1] / 1024, rss_at_quarter[2] / 1024, rss_at_quarter[3] / 1024, peak / 1024);
  std::printf("  triage lag     %.2f s after the last acknowledgement\n", lag);
  if (stats && stats->status == 200) std::printf("  stats          %s\n", stats->body.c_str());
  return failures.load() == 0 ? 0 : 1;
}
