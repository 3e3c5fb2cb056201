// Fuzz target: raw bytes as an HTTP request stream to the real `vigil serve`, over a loopback
// socket. Everything a remote peer reaches is on the path: cpp-httplib's request parsing
// (request line, headers, Content-Length and chunked bodies, gzip Content-Encoding, keep-alive
// and pipelining), the bearer-token check, and every Vigil route with its query parameters and
// bodies: ingest, the incident queue and pages, verdicts, suppressions, stats, health, metrics
// and the console's files, on a real SQLite store and a live triage engine.
//
// How: one Service is started on 127.0.0.1:0 over a data folder in /dev/shm (tmpfs, so SQLite's
// commits cost no disk), its token fixed so seeds can carry it. Before fuzzing, a few Suricata and
// Wazuh alerts are ingested and the harness waits for their incidents to be published, so the
// incident routes have real ids: the four bytes "@INC" in an input are replaced by one of them.
// Per input: connect, send the bytes, read the replies until the server closes the connection
// (see round_trip() for when the request side is shut). Invariants: the server closes the
// connection within 20 s; a reply that comes starts with a status line whose
// code is 100-599 and is not 500 (a Vigil handler's "internal"/"storage" error or an escaped
// exception: neither may hostile input cause); the server still answers /api/v1/health with
// 200 afterwards. A sanitizer report or a crash on any server thread kills the process while
// this input runs, so libFuzzer keeps it.
//
// Trade-offs: the server keeps state across inputs (stored alerts, incidents, verdicts), so an
// input's path depends on what came before and a crash may need its predecessors to show again.
// To keep that state (and the store) small, the service is rebuilt on a fresh folder every
// kRestartEvery inputs. Debian's cpp-httplib is a compiled library: its parsing runs under the
// harness, and ASan sees its heap use through the allocator, but it gives no coverage feedback,
// so the mutations that reach Vigil's handlers are guided by the seeds and Vigil's own code.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fuzz_sinks.h"
#include "serve/service.h"

namespace {

using namespace vigil;

constexpr std::string_view kToken = "vigil-fuzz-token-0123456789abcdef";
constexpr uint64_t kRestartEvery = 4000;
constexpr int kReplyTimeoutMs = 20'000;
constexpr int kQuietMs = 10;       // see round_trip()
constexpr int kPatientMs = 5'000;  // for the harness's own requests (all Connection: close)

// Alerts ingested at every (re)start so that incidents exist for the detail and verdict routes.
constexpr std::string_view kBootSuricata =
    R"({"timestamp":"2022-01-18T10:21:05.123456+0000","event_type":"alert","src_ip":"192.168.131.10","src_port":44321,"dest_ip":"10.35.35.206","dest_port":80,"proto":"TCP","host":"fw","alert":{"signature_id":2024364,"signature":"ET SCAN Possible Nmap User-Agent Observed","category":"Web Application Attack","severity":1,"metadata":{"mitre_tactic_name":["Reconnaissance"]}}}
{"timestamp":"2022-01-18T10:23:00.000000+0000","event_type":"alert","src_ip":"10.35.33.111","dest_ip":"10.35.32.1","alert":{"signature_id":2027758,"signature":"ET INFO Observed DNS Query to .biz TLD","category":"Potentially Bad Traffic","severity":3}}
)";
constexpr std::string_view kBootWazuh =
    R"({"timestamp":"2022-01-15T01:32:32.155+0000","rule":{"level":10,"description":"sshd: brute force trying to get access to the system. Non existent user.","id":"5712","mitre":{"tactic":["Credential Access"]},"groups":["sshd"]},"agent":{"id":"003","name":"mail","ip":"172.17.131.81"},"data":{"srcip":"10.0.0.5","srcuser":"admin"}}
{"timestamp":"2022-01-15T01:40:00.000+0000","rule":{"level":12,"description":"Successful sudo to ROOT executed.","id":"5402","mitre":{"tactic":["Privilege Escalation"]},"groups":["sudo"]},"agent":{"id":"003","name":"mail","ip":"172.17.131.81"},"data":{"srcuser":"www-data","dstuser":"root"}}
)";

struct Reply {
  bool closed = false;  // EOF seen before the timeout
  std::string bytes;
};

// Sends `request` on a fresh loopback connection and reads what comes back until the server
// closes it. cpp-httplib 0.11 writes no response once it sees the client's half of the
// connection closed (its is_socket_alive() peeks for EOF before each write), so the request
// side is shut only after the server has been quiet for `quiet_ms`: by then every complete
// request in the bytes has been answered, and the shutdown ends a keep-alive wait or a read of
// a body that never comes. A handler slower than that loses its reply, not its checks.
Reply round_trip(int port, std::string_view request, int quiet_ms) {
  Reply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fuzz::invariant_failed("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's SIGALRM (no SA_RESTART) lands on this thread: every call here may see EINTR.
  // An interrupted connect() goes on in the background; its outcome is read from SO_ERROR.
  int err = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
  if (err == EINTR || err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    while (::poll(&p, 1, kReplyTimeoutMs) < 0 && errno == EINTR) {
    }
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  }
  if (err != 0) {
    std::fprintf(stderr, "connect to 127.0.0.1:%d: %s\n", port, std::strerror(err));
    ::close(fd);
    fuzz::invariant_failed("the server refused a connection");
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may close early (e.g. 413); what it said is still read
    sent += static_cast<size_t>(n);
  }
  bool half_closed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReplyTimeoutMs);
  char buffer[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    int wait = half_closed ? static_cast<int>(left.count()) : std::min<int>(quiet_ms, static_cast<int>(left.count()));
    int ready = ::poll(&p, 1, wait);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    if (ready == 0) {
      if (half_closed) break;
      ::shutdown(fd, SHUT_WR);
      half_closed = true;
      continue;
    }
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      reply.closed = true;  // EOF, or a reset after the server dropped unread bytes
      break;
    }
    if (reply.bytes.size() < (4u << 20)) reply.bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

// The status code of a reply's first status line, or -1 when it has none.
int status_code(std::string_view reply) {
  constexpr std::string_view kPrefix = "HTTP/1.1 ";
  if (reply.size() < kPrefix.size() + 3 || reply.substr(0, kPrefix.size()) != kPrefix) return -1;
  int code = 0;
  for (size_t i = kPrefix.size(); i < kPrefix.size() + 3; ++i) {
    char c = reply[i];
    if (c < '0' || c > '9') return -1;
    code = code * 10 + (c - '0');
  }
  return code;
}

// Shows the start of a reply before an invariant fails on it.
void show(const char* what, const Reply& reply) {
  std::fprintf(stderr, "%s (%zu bytes%s): %.*s\n", what, reply.bytes.size(), reply.closed ? "" : ", not closed",
               static_cast<int>(std::min<size_t>(reply.bytes.size(), 600)), reply.bytes.data());
}

std::string request(std::string_view method, std::string_view target, std::string_view body = {}) {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: fuzz\r\n";
  r += "Authorization: Bearer " + std::string(kToken) + "\r\n";
  if (!body.empty() || method == "POST") {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  r += "Connection: close\r\n\r\n";
  r += body;
  return r;
}

class Harness {
 public:
  Harness() {
    const char* shm = "/dev/shm";
    std::error_code ec;
    std::filesystem::path base =
        std::filesystem::is_directory(shm, ec) ? std::filesystem::path(shm) : std::filesystem::temp_directory_path();
    std::string tmpl = (base / "vigil-http-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) fuzz::invariant_failed("mkdtemp failed");
    root_ = tmpl;
    start();
  }

  // Stops the service and removes its folder (at exit; never after a crash).
  void shutdown() {
    service_.reset();  // stops it
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  int port() const { return port_; }
  const std::vector<std::string>& incident_ids() const { return ids_; }

  void count_input() {
    if (++inputs_ % kRestartEvery == 0) {
      service_.reset();  // stops it
      start();
    }
  }

 private:
  void start() {
    std::error_code ec;
    std::filesystem::path data = root_ / "data";
    std::filesystem::remove_all(data, ec);
    std::filesystem::create_directories(data, ec);
    ::chmod(data.c_str(), 0700);
    {
      std::ofstream token(data / "token");
      token << kToken << "\n";
    }
    ::chmod((data / "token").c_str(), 0600);
    serve::ServiceOptions options;
    options.data_dir = data.string();
    options.listen = "127.0.0.1:0";
    options.api.threads = 4;
    options.api.access_log = false;
    options.api.max_body_bytes = 1u << 20;
    options.api.ingest_room_timeout = std::chrono::milliseconds(2000);
    options.triage.publish_interval = std::chrono::milliseconds(20);
    service_ = std::make_unique<serve::Service>(options);
    // As `vigil serve` does, the service's threads take no asynchronous signals: they inherit
    // this mask. libFuzzer's SIGALRM (its -timeout clock, installed without SA_RESTART) would
    // otherwise reach them too, and httplib 0.11 treats an EINTR from accept() like any accept()
    // error but EMFILE: it closes its socket and the server stops listening for good.
    sigset_t block, old;
    sigemptyset(&block);
    for (int s : {SIGALRM, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGXFSZ}) sigaddset(&block, s);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    Status st = service_->start();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (!st.ok()) {
      std::fprintf(stderr, "http_fuzz: cannot start the service: %s\n", st.message().c_str());
      std::abort();
    }
    port_ = service_->http_port();
    boot();
  }

  // Ingests the boot alerts and waits (up to 10 s) until their incidents are published.
  void boot() {
    for (auto [profile, body] : {std::pair{"suricata", kBootSuricata}, std::pair{"wazuh", kBootWazuh}}) {
      Reply r = round_trip(port_, request("POST", std::string("/api/v1/ingest?profile=") + profile, body), kPatientMs);
      if (status_code(r.bytes) != 200) {
        show("boot ingest", r);
        fuzz::invariant_failed("the boot alerts were refused");
      }
    }
    ids_.clear();
    for (int attempt = 0; attempt < 500 && ids_.empty(); ++attempt) {
      Reply r = round_trip(port_, request("GET", "/api/v1/incidents?limit=50"), kPatientMs);
      std::string_view text = r.bytes;
      constexpr std::string_view kKey = "\"id\":\"";
      for (size_t at = text.find(kKey); at != std::string_view::npos; at = text.find(kKey, at + 1)) {
        size_t begin = at + kKey.size();
        size_t end = text.find('"', begin);
        if (end != std::string_view::npos) ids_.emplace_back(text.substr(begin, end - begin));
      }
      if (ids_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (ids_.empty()) fuzz::invariant_failed("no incident was published from the boot alerts");
  }

  std::filesystem::path root_;
  std::unique_ptr<serve::Service> service_;
  int port_ = 0;
  uint64_t inputs_ = 0;
  std::vector<std::string> ids_;
};

Harness* harness() {
  static Harness* h = [] {
    std::signal(SIGPIPE, SIG_IGN);
    auto* made = new Harness();
    std::atexit([] { harness()->shutdown(); });
    return made;
  }();
  return h;
}

// "@INC" -> a published incident's id; the byte after it (when a digit) picks which.
std::string with_ids(std::string_view input, const std::vector<std::string>& ids) {
  constexpr std::string_view kMark = "@INC";
  std::string out;
  out.reserve(input.size() + 64);
  size_t pos = 0;
  for (size_t at = input.find(kMark); at != std::string_view::npos; at = input.find(kMark, pos)) {
    out.append(input.substr(pos, at - pos));
    size_t pick = 0;
    pos = at + kMark.size();
    if (pos < input.size() && input[pos] >= '0' && input[pos] <= '9') pick = static_cast<size_t>(input[pos++] - '0');
    out += ids[pick % ids.size()];
  }
  out.append(input.substr(pos));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness* h = harness();
  std::string input = with_ids(std::string_view(reinterpret_cast<const char*>(data), size), h->incident_ids());

  // For writing seeds: HTTP_FUZZ_VERBOSE=N prints the first N bytes of each reply.
  static const int verbose = std::getenv("HTTP_FUZZ_VERBOSE") ? std::atoi(std::getenv("HTTP_FUZZ_VERBOSE")) : 0;
  static const int quiet_ms = std::getenv("HTTP_FUZZ_QUIET_MS") ? std::atoi(std::getenv("HTTP_FUZZ_QUIET_MS")) : kQuietMs;
  Reply reply = round_trip(h->port(), input, quiet_ms);
  if (verbose > 0) {
    std::fprintf(stderr, "http_fuzz: %zu bytes in, %zu out%s: %.*s\n", size, reply.bytes.size(),
                 reply.closed ? "" : " (not closed)", static_cast<int>(std::min<size_t>(verbose, reply.bytes.size())),
                 reply.bytes.data());
  }
  if (!reply.closed) fuzz::invariant_failed("the server kept the connection open 20 s after the request ended");
  if (!reply.bytes.empty()) {
    int code = status_code(reply.bytes);
    if (code < 100 || code > 599) fuzz::invariant_failed("the reply does not start with an HTTP/1.1 status line");
    if (code == 500) {
      show("reply", reply);
      fuzz::invariant_failed("500 Internal Server Error");
    }
  }

  Reply health = round_trip(h->port(), request("GET", "/api/v1/health"), kPatientMs);
  if (status_code(health.bytes) != 200) {
    show("health", health);
    fuzz::invariant_failed("/api/v1/health no longer answers 200");
  }
  h->count_input();
  return 0;
}
