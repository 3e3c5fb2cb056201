#include "serve/metrics.h"

#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

namespace vigil::serve {
namespace {

std::string label_text(const Labels& labels, const std::string& extra_key = "",
                       const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  auto put = [&](const std::string& k, const std::string& v) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"";
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  };
  for (const auto& [k, v] : labels) put(k, v);
  if (!extra_key.empty()) put(extra_key, extra_value);
  return out + "}";
}

}  // namespace

void Histogram::observe(double seconds) {
  size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double ns = seconds > 0 ? seconds * 1e9 : 0;
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

double Histogram::quantile_bound(double q) const {
  uint64_t total = count();
  if (total == 0) return 0;
  uint64_t want = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= want) {
      return i < kBounds.size() ? kBounds[i] : std::numeric_limits<double>::infinity();
    }
  }
  return std::numeric_limits<double>::infinity();
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mu_);
  Counter& c = counters_.emplace_back();
  entries_.push_back({.name = name, .help = help, .labels = std::move(labels), .type = Type::kCounter,
                      .counter = &c, .fn = nullptr});
  return c;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lock(mu_);
  Gauge& g = gauges_.emplace_back();
  entries_.push_back({.name = name, .help = help, .labels = std::move(labels), .type = Type::kGauge,
                      .gauge = &g, .fn = nullptr});
  return g;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      Labels labels) {
  std::lock_guard lock(mu_);
  Histogram& h = histograms_.emplace_back();
  entries_.push_back({.name = name, .help = help, .labels = std::move(labels), .type = Type::kHistogram,
                      .histogram = &h, .fn = nullptr});
  return h;
}

void MetricsRegistry::gauge_fn(const std::string& name, const std::string& help,
                               std::function<double()> fn, Labels labels) {
  std::lock_guard lock(mu_);
  entries_.push_back(
      {.name = name, .help = help, .labels = std::move(labels), .type = Type::kGauge, .fn = std::move(fn)});
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  // Group samples by family so each HELP/TYPE header appears once, in registration order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Entry*>> families;
  for (const auto& e : entries_) {
    auto [it, inserted] = families.try_emplace(e.name);
    if (inserted) order.push_back(e.name);
    it->second.push_back(&e);
  }
  std::string out;
  auto back = std::back_inserter(out);
  for (const auto& name : order) {
    const auto& members = families[name];
    const Entry& head = *members.front();
    const char* type = head.type == Type::kCounter   ? "counter"
                       : head.type == Type::kGauge   ? "gauge"
                                                     : "histogram";
    fmt::format_to(back, "# HELP {} {}\n# TYPE {} {}\n", name, head.help, name, type);
    for (const Entry* e : members) {
      switch (e->type) {
        case Type::kCounter:
          fmt::format_to(back, "{}{} {}\n", name, label_text(e->labels), e->counter->get());
          break;
        case Type::kGauge:
          if (e->fn) {
            fmt::format_to(back, "{}{} {}\n", name, label_text(e->labels), e->fn());
          } else {
            fmt::format_to(back, "{}{} {}\n", name, label_text(e->labels), e->gauge->get());
          }
          break;
        case Type::kHistogram: {
          const Histogram& h = *e->histogram;
          uint64_t cumulative = 0;
          for (size_t i = 0; i < h.buckets_.size(); ++i) {
            cumulative += h.buckets_[i].load(std::memory_order_relaxed);
            std::string le = i < Histogram::kBounds.size() ? fmt::format("{}", Histogram::kBounds[i])
                                                           : std::string("+Inf");
            fmt::format_to(back, "{}_bucket{} {}\n", name, label_text(e->labels, "le", le),
                           cumulative);
          }
          fmt::format_to(back, "{}_sum{} {}\n", name, label_text(e->labels),
                         static_cast<double>(h.sum_ns_.load(std::memory_order_relaxed)) / 1e9);
          fmt::format_to(back, "{}_count{} {}\n", name, label_text(e->labels), cumulative);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::serve
