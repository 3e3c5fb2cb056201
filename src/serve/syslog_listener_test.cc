#include "serve/syslog_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "serve/intake_for_test.h"
#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

int connect_to(int port, int type) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, 0);
    ASSERT_GT(n, 0);
    sent += static_cast<size_t>(n);
  }
}

TEST(SyslogListener, TcpAndUdpAlertsReachTheStoreUnderTheirProfile) {
  TempDir dir;
  auto store = Store::open(dir.file("vigil.db"), {});
  ASSERT_TRUE(store.ok());
  MetricsRegistry metrics;
  Committer committer(std::move(store).value(), {}, nullptr, metrics);
  committer.start();
  RecordIntake intake = intake_picking([](const Event& e) -> Result<std::string> {
    if (e.root().get("event_type")) return std::string("suricata");
    if (e.root().get("rule")) return std::string("wazuh");
    return Invalid("unknown layout");
  });
  SyslogOptions options;
  options.tcp = "127.0.0.1:0";
  options.udp = "127.0.0.1:0";
  SyslogListener listener(options, intake, committer, metrics);
  ASSERT_TRUE(listener.start().ok());
  ASSERT_GT(listener.tcp_port(), 0);

  int tcp = connect_to(listener.tcp_port(), SOCK_STREAM);
  std::string stream;
  for (int i = 0; i < 500; ++i) {
    stream += "<134>Jan 15 10:00:00 ids suricata[1]: {\"event_type\":\"alert\",\"n\":" + std::to_string(i) + "}\n";
  }
  std::string framed = "<86>1 2024-01-15T10:00:00Z mgr ossec - - - {\"rule\":{\"level\":5}}";
  stream += std::to_string(framed.size()) + " " + framed;
  stream += "<13>Jan 15 10:00:00 host app: no json here\n";
  send_all(tcp, stream.substr(0, 1000));  // split mid-message: framing must carry over
  send_all(tcp, stream.substr(1000));
  ::close(tcp);

  int udp = connect_to(listener.udp_port(), SOCK_DGRAM);
  std::string datagram = "<134>1 - sensor suricata - - - {\"event_type\":\"alert\",\"via\":\"udp\"}";
  ASSERT_EQ(::send(udp, datagram.data(), datagram.size(), 0), static_cast<ssize_t>(datagram.size()));
  ::close(udp);

  // Wait until everything is committed (bounded wait, not a timing assertion).
  for (int i = 0; i < 200 && committer.last_seq() < 502; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  listener.stop();
  committer.stop();

  auto reader = Store::open(dir.file("vigil.db"), {});
  ASSERT_TRUE(reader.ok());
  int suricata = 0, wazuh = 0, udp_seen = 0;
  ASSERT_TRUE(reader->scan_alerts(0, [&](const StoredAlert& a) {
    if (a.profile == "suricata") ++suricata;
    if (a.profile == "wazuh") ++wazuh;
    if (a.origin == "syslog-udp") ++udp_seen;
    return true;
  }).ok());
  EXPECT_EQ(suricata, 501);
  EXPECT_EQ(wazuh, 1);
  EXPECT_EQ(udp_seen, 1);
  std::string text = metrics.render();
  EXPECT_NE(text.find("vigil_syslog_rejected_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_syslog_messages_total{transport=\"tcp\"} 502\n"), std::string::npos);
}

}  // namespace
}  // namespace vigil::serve
