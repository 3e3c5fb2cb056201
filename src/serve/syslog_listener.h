// SyslogListener: receives syslog over TCP (RFC 6587 framing) and UDP, takes the JSON alert each
// message carries (as Suricata's EVE and Wazuh's syslog output send them) and hands batches to
// the Committer. Back-pressure: a connection is not read while the committer has no room, so
// TCP senders slow down; UDP datagrams beyond the socket buffer are dropped by the kernel.
// start()/stop() from the owning thread; the listener runs its own threads in between.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>

#include "core/event.h"
#include "core/status.h"
#include "serve/intake.h"
#include "serve/committer.h"
#include "serve/host_port.h"
#include "serve/metrics.h"

namespace vigil::serve {

struct SyslogOptions {
  std::string tcp;  // HOST:PORT, empty = no TCP listener
  std::string udp;  // HOST:PORT, empty = no UDP listener
  size_t max_message_bytes = 256 * 1024;
  size_t max_connections = 64;
  size_t batch_records = 2048;                     // hand over when this many are waiting...
  std::chrono::milliseconds batch_delay{50};       // ...or when the oldest waited this long
};

class SyslogListener {
 public:
  SyslogListener(SyslogOptions options, RecordIntake intake, Committer& committer,
                 MetricsRegistry& metrics);
  ~SyslogListener();
  SyslogListener(const SyslogListener&) = delete;
  SyslogListener& operator=(const SyslogListener&) = delete;

  // Binds the configured sockets and starts the threads.
  Status start();
  // Stops accepting, closes connections, hands over what was received, joins the threads.
  void stop();
  int tcp_port() const { return tcp_port_; }
  int udp_port() const { return udp_port_; }

 private:
  class Batcher;
  void accept_loop();
  void serve_connection(int fd);
  void udp_loop();

  const SyslogOptions options_;
  RecordIntake intake_;
  Committer& committer_;
  Counter& tcp_messages_;
  Counter& udp_messages_;
  Counter& rejected_;
  Counter& connections_refused_;

  std::atomic<bool> stopping_{false};
  int tcp_fd_ = -1;
  int udp_fd_ = -1;
  int tcp_port_ = 0;
  int udp_port_ = 0;
  std::thread accept_thread_;
  std::thread udp_thread_;
  std::mutex mu_;
  struct Connection {
    int fd;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<Connection> connections_;  // guarded by mu_
};

}  // namespace vigil::serve
