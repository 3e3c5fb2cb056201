#include "serve/metrics.h"

#include <gtest/gtest.h>

namespace vigil::serve {
namespace {

TEST(Metrics, RendersPrometheusTextWithOneHeaderPerFamily) {
  MetricsRegistry registry;
  Counter& http = registry.counter("vigil_alerts_total", "Alerts", {{"origin", "http"}});
  Counter& udp = registry.counter("vigil_alerts_total", "Alerts", {{"origin", "syslog-udp"}});
  registry.gauge_fn("vigil_store_alerts", "Stored", [] { return 42.0; });
  Histogram& latency = registry.histogram("vigil_commit_seconds", "Commit time");
  http.add(3);
  udp.add();
  latency.observe(0.0003);
  latency.observe(0.02);
  std::string text = registry.render();
  EXPECT_NE(text.find("# TYPE vigil_alerts_total counter\n"), std::string::npos);
  EXPECT_EQ(text.find("# TYPE vigil_alerts_total"), text.rfind("# TYPE vigil_alerts_total"));
  EXPECT_NE(text.find("vigil_alerts_total{origin=\"http\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_alerts_total{origin=\"syslog-udp\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_store_alerts 42\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_commit_seconds_bucket{le=\"0.00025\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_commit_seconds_bucket{le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_commit_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("vigil_commit_seconds_count 2\n"), std::string::npos);
}

TEST(Metrics, HistogramQuantileBound) {
  Histogram h;
  for (int i = 0; i < 98; ++i) h.observe(0.0002);
  h.observe(0.04);
  h.observe(0.04);
  EXPECT_DOUBLE_EQ(h.quantile_bound(0.5), 0.00025);
  EXPECT_DOUBLE_EQ(h.quantile_bound(0.99), 0.05);
}

}  // namespace
}  // namespace vigil::serve
