// set_option: names for every tunable of the engine, so experiments and the CLI's --set flag
// can change them without recompiling. Windows are given in minutes or hours as the name says.
#include <cstdint>
#include <string>

#include "core/text.h"
#include "triage/engine.h"

namespace vigil::triage {

namespace {

constexpr double kUsPerMinute = 60e6;

struct Setter {
  const char* name;
  void (*apply)(EngineOptions&, double);
};

int64_t minutes_us(double v) { return static_cast<int64_t>(v * kUsPerMinute); }

const Setter kSetters[] = {
    {"strong_surprise", [](EngineOptions& o, double v) { o.strong_surprise = v; }},
    {"weak_surprise", [](EngineOptions& o, double v) { o.weak_surprise = v; }},
    {"entity_window_min", [](EngineOptions& o, double v) { o.entity_window_us = minutes_us(v); }},
    {"time_window_min", [](EngineOptions& o, double v) { o.time_window_us = minutes_us(v); }},
    {"weak_window_min", [](EngineOptions& o, double v) { o.weak_window_us = minutes_us(v); }},
    {"continuation_min", [](EngineOptions& o, double v) { o.continuation_us = minutes_us(v); }},
    {"chain_window_h", [](EngineOptions& o, double v) { o.chain_window_us = minutes_us(v * 60); }},
    {"recurrence_window_h", [](EngineOptions& o, double v) { o.recurrence_window_us = minutes_us(v * 60); }},
    {"heat_gain", [](EngineOptions& o, double v) { o.heat_gain = v; }},
    {"heat_memory_h", [](EngineOptions& o, double v) { o.heat_memory_hours = v; }},
    {"lone_evidence", [](EngineOptions& o, double v) { o.lone_evidence = v != 0; }},
    {"lone_margin", [](EngineOptions& o, double v) { o.lone_margin = v; }},
    {"max_records", [](EngineOptions& o, double v) { o.max_records = static_cast<size_t>(v); }},
    {"hub_signatures", [](EngineOptions& o, double v) { o.hub_signatures = static_cast<uint32_t>(v); }},
    {"episode_gap_min", [](EngineOptions& o, double v) { o.baseline.episode_gap_us = minutes_us(v); }},
    {"memory_h", [](EngineOptions& o, double v) { o.baseline.memory_hours = v; }},
    {"prior_episodes", [](EngineOptions& o, double v) { o.baseline.prior_episodes = v; }},
    {"prior_quiet_h", [](EngineOptions& o, double v) { o.baseline.prior_quiet_hours = v; }},
    {"severity_prior_nats", [](EngineOptions& o, double v) { o.severity_prior_nats = v; }},
    {"pair_weight", [](EngineOptions& o, double v) { o.baseline.pair_weight = v; }},
    {"burst_min_alerts", [](EngineOptions& o, double v) { o.baseline.burst_min_alerts = static_cast<uint32_t>(v); }},
    {"burst_factor", [](EngineOptions& o, double v) { o.baseline.burst_factor = v; }},
    {"burst_window_min", [](EngineOptions& o, double v) { o.baseline.burst_window_us = minutes_us(v); }},
    {"burst_maturity_h", [](EngineOptions& o, double v) { o.baseline.burst_maturity_hours = v; }},
    {"periodic_tolerance_min", [](EngineOptions& o, double v) { o.baseline.periodic_tolerance_us = minutes_us(v); }},
    {"novelty_floor", [](EngineOptions& o, double v) { o.score.novelty_floor = v; }},
    {"novelty_per_signature", [](EngineOptions& o, double v) { o.score.novelty_per_signature = v != 0; }},
    {"spread_min_surprise", [](EngineOptions& o, double v) { o.score.spread_min_surprise = v; }},
    {"spread_per_host", [](EngineOptions& o, double v) { o.score.spread_per_host = v; }},
    {"spread_host_cap", [](EngineOptions& o, double v) { o.score.spread_host_cap = static_cast<int>(v); }},
    {"per_extra_sensor", [](EngineOptions& o, double v) { o.score.per_extra_sensor = v; }},
    {"per_chain_step", [](EngineOptions& o, double v) { o.score.per_chain_step = v; }},
    {"burst_weight", [](EngineOptions& o, double v) { o.score.burst_weight = v; }},
    {"burst_cap", [](EngineOptions& o, double v) { o.score.burst_cap = v; }},
    {"severity_weight", [](EngineOptions& o, double v) { o.score.severity_weight = v; }},
    {"confirmed_bonus", [](EngineOptions& o, double v) { o.score.confirmed_bonus = v; }},
    {"single_needs_corroboration", [](EngineOptions& o, double v) { o.score.single_needs_corroboration = v != 0; }},
    {"corroborating_severity", [](EngineOptions& o, double v) { o.score.corroborating_severity = static_cast<int>(v); }},
    {"surface_threshold", [](EngineOptions& o, double v) { o.score.surface_threshold = v; }},
};

}  // namespace

Status set_option(EngineOptions& opts, std::string_view assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    return Invalid("option '" + std::string(assignment) + "' is not NAME=VALUE");
  }
  std::string_view name = trim(assignment.substr(0, eq));
  double value = 0;
  if (!parse_double(trim(assignment.substr(eq + 1)), &value) || value < 0) {
    return Invalid("option " + std::string(name) + ": not a non-negative number");
  }
  for (const Setter& s : kSetters) {
    if (name == s.name) {
      s.apply(opts, value);
      return Status::Ok();
    }
  }
  std::string known;
  for (const Setter& s : kSetters) known += std::string(known.empty() ? "" : ", ") + s.name;
  return Invalid("unknown option '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace vigil::triage
