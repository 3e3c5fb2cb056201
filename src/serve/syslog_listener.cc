#include "serve/syslog_listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "read/json_record.h"
#include "serve/syslog_message.h"

namespace vigil::serve {
namespace {

Result<int> bind_socket(const std::string& address, int type, int* bound_port) {
  auto hp = parse_host_port(address);
  if (!hp.ok()) return hp.status();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(hp->host.c_str(), std::to_string(hp->port).c_str(), &hints, &found);
  if (rc != 0) return Invalid("cannot resolve " + address + ": " + gai_strerror(rc));
  int fd = -1;
  std::string error = "no usable address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && (type != SOCK_STREAM || ::listen(fd, 64) == 0)) {
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) return IoError("cannot listen on " + address + ": " + error);
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  *bound_port = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                                            : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return fd;
}

}  // namespace

// Collects the JSON payloads of one connection (or of the UDP socket) and hands them to the
// committer when enough are waiting or the oldest has waited long enough.
class SyslogListener::Batcher {
 public:
  Batcher(SyslogListener& owner, std::string origin)
      : owner_(owner), origin_(origin), batch_(std::move(origin)) {}

  void take(std::string_view message) {
    std::string_view json = syslog_json_payload(parse_syslog(message));
    if (json.empty() || !parser_.parse_copy(json, event_).ok()) {
      owner_.rejected_.add();
      return;
    }
    if (pending_ == 0) oldest_ = std::chrono::steady_clock::now();
    if (!owner_.intake_(event_, batch_).ok()) {
      owner_.rejected_.add();
      return;
    }
    if (++pending_ >= owner_.options_.batch_records) flush();
  }
  // How long until the oldest waiting record must be handed over (-1: nothing waits).
  int wait_ms() const {
    if (pending_ == 0) return -1;
    auto due = oldest_ + owner_.options_.batch_delay;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
  }
  void flush() {
    if (batch_.empty()) return;
    RecordBatch full(origin_);
    std::swap(full, batch_);
    // Blocks while the committer has no room: this is the back-pressure on the sender.
    (void)owner_.committer_.submit(std::move(full));
    pending_ = 0;
  }

 private:
  SyslogListener& owner_;
  std::string origin_;
  JsonRecordParser parser_;
  Event event_;
  RecordBatch batch_;
  size_t pending_ = 0;
  std::chrono::steady_clock::time_point oldest_;
};

SyslogListener::SyslogListener(SyslogOptions options, RecordIntake intake,
                               Committer& committer, MetricsRegistry& metrics)
    : options_(std::move(options)),
      intake_(std::move(intake)),
      committer_(committer),
      tcp_messages_(metrics.counter("vigil_syslog_messages_total", "Syslog messages received",
                                    {{"transport", "tcp"}})),
      udp_messages_(metrics.counter("vigil_syslog_messages_total", "Syslog messages received",
                                    {{"transport", "udp"}})),
      rejected_(metrics.counter("vigil_syslog_rejected_total",
                                "Syslog messages without a usable JSON alert")),
      connections_refused_(metrics.counter("vigil_syslog_connections_refused_total",
                                           "TCP connections refused over the connection limit")) {}

SyslogListener::~SyslogListener() { stop(); }

Status SyslogListener::start() {
  if (!options_.tcp.empty()) {
    auto fd = bind_socket(options_.tcp, SOCK_STREAM, &tcp_port_);
    if (!fd.ok()) return fd.status();
    tcp_fd_ = *fd;
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  if (!options_.udp.empty()) {
    auto fd = bind_socket(options_.udp, SOCK_DGRAM, &udp_port_);
    if (!fd.ok()) return fd.status();
    udp_fd_ = *fd;
    int buffer = 8 << 20;
    ::setsockopt(udp_fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    udp_thread_ = std::thread([this] { udp_loop(); });
  }
  return Status::Ok();
}

void SyslogListener::stop() {
  if (stopping_.exchange(true)) return;
  if (accept_thread_.joinable()) accept_thread_.join();
  if (udp_thread_.joinable()) udp_thread_.join();
  std::list<Connection> connections;
  {
    std::lock_guard lock(mu_);
    for (auto& c : connections_) ::shutdown(c.fd, SHUT_RDWR);
    connections.splice(connections.end(), connections_);
  }
  for (auto& c : connections) {
    if (c.thread.joinable()) c.thread.join();
  }
  if (tcp_fd_ >= 0) ::close(tcp_fd_);
  if (udp_fd_ >= 0) ::close(udp_fd_);
  tcp_fd_ = udp_fd_ = -1;
}

void SyslogListener::accept_loop() {
  while (!stopping_) {
    pollfd p{tcp_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    int fd = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    // Reap finished connections before counting.
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->done) {
        it->thread.join();
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
    if (connections_.size() >= options_.max_connections) {
      connections_refused_.add();
      ::close(fd);
      continue;
    }
    Connection& c = connections_.emplace_back();
    c.fd = fd;
    c.thread = std::thread([this, &c] {
      serve_connection(c.fd);
      c.done = true;
    });
  }
}

void SyslogListener::serve_connection(int fd) {
  Batcher batcher(*this, "syslog-tcp");
  SyslogFramer framer(options_.max_message_bytes);
  std::vector<char> buffer(64 * 1024);
  size_t filled = 0;
  while (!stopping_) {
    pollfd p{fd, POLLIN, 0};
    int waited = ::poll(&p, 1, batcher.wait_ms() < 0 ? 200 : batcher.wait_ms());
    if (waited == 0) {
      if (batcher.wait_ms() == 0) batcher.flush();
      continue;
    }
    if (waited < 0 && errno != EINTR) break;
    if (waited < 0) continue;
    if (filled == buffer.size()) buffer.resize(std::min(buffer.size() * 2, options_.max_message_bytes * 2 + 64));
    ssize_t n = ::recv(fd, buffer.data() + filled, buffer.size() - filled, 0);
    if (n <= 0) break;
    filled += static_cast<size_t>(n);
    std::string_view data(buffer.data(), filled);
    size_t pos = 0;
    std::string_view frame;
    SyslogFramer::Next next;
    while ((next = framer.next(data, &pos, &frame)) == SyslogFramer::Next::kFrame) {
      tcp_messages_.add();
      batcher.take(frame);
    }
    if (next == SyslogFramer::Next::kOversized) {
      rejected_.add();
      break;
    }
    std::memmove(buffer.data(), buffer.data() + pos, filled - pos);
    filled -= pos;
    if (batcher.wait_ms() == 0) batcher.flush();
  }
  batcher.flush();
  ::close(fd);
}

void SyslogListener::udp_loop() {
  Batcher batcher(*this, "syslog-udp");
  std::vector<char> datagram(65536);
  while (!stopping_) {
    pollfd p{udp_fd_, POLLIN, 0};
    int waited = ::poll(&p, 1, batcher.wait_ms() < 0 ? 200 : batcher.wait_ms());
    if (waited > 0) {
      ssize_t n = ::recv(udp_fd_, datagram.data(), datagram.size(), MSG_DONTWAIT);
      if (n > 0) {
        udp_messages_.add();
        batcher.take(std::string_view(datagram.data(), static_cast<size_t>(n)));
      }
    }
    if (batcher.wait_ms() == 0) batcher.flush();
  }
  batcher.flush();
}

}  // namespace vigil::serve
