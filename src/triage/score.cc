// Score: evidence added up, each kind capped so no single kind can carry a weak incident.
//
// The baseline turns every alert type's arrival into a surprise in nats; an incident's main
// evidence is the sum of those surprises above a floor, so a dozen alert types never seen
// before weigh far more than one rare return, and the many mildly unusual types that ride along
// with any activity add nothing. The other factors are the corroboration an analyst looks for:
// the same activity on several hosts (spread), seen by independent sensors, following the
// kill chain (each later ATT&CK tactic is a step of a story), firing far above its habit
// (burst), rated severe by the sensor, or of a kind an analyst already confirmed malicious.
// Spread, burst and severity are capped so volume alone cannot surface anything.
//
// Corroboration. Rarity is measured per signature, and among hundreds of signatures one is
// always having a rare day: a DNS query for an unusual domain coming back after three days, a
// certificate error never seen before. One such signature, with at most mildly unusual types
// riding along, is an oddity rather than an incident; it surfaces only when something
// independent of its rarity backs it: a second strongly unusual signature, another host or
// sensor, a kill-chain step made by two signatures together, a burst, the sensor's own
// severity (at least medium), or an analyst's confirmation. The score itself is unchanged.
#include "triage/score.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vigil::triage {

namespace {

std::string format(const char* fmt, double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

bool corroborated(const ScoreInput& in, const ScoreOptions& opts, double strong_surprise) {
  if (!opts.single_needs_corroboration) return true;
  int strong = 0;
  for (double s : in.surprises) strong += s >= strong_surprise;
  // A kill-chain step counts only when the signatures make it together: a rule tagged with
  // several tactics names them all alone.
  return strong >= 2 || in.hosts > 1 || in.sensors > 1 || chain_length(in.tactics) > in.own_chain ||
         in.max_burst_ratio > 1 || in.max_severity >= opts.corroborating_severity || in.confirmed;
}

double score_incident(const ScoreInput& in, const ScoreOptions& opts, std::vector<Factor>* factors) {
  std::vector<Factor> out;
  double novelty = 0;
  int novel_types = 0;
  for (double s : in.surprises) {
    if (s > opts.novelty_floor) {
      novelty += s - opts.novelty_floor;
      ++novel_types;
    }
  }
  if (novelty > 0) {
    out.push_back({"novelty", novelty,
                   format("%.0f signature(s) far outside the learned baseline", novel_types)});
  }
  if (in.hosts > 1) {
    int extra = std::min(in.hosts, opts.spread_host_cap) - 1;
    out.push_back({"spread", extra * opts.spread_per_host,
                   format("activity on %.0f hosts", in.hosts)});
  }
  if (in.sensors > 1) {
    out.push_back({"sensors", (in.sensors - 1) * opts.per_extra_sensor,
                   format("corroborated by %.0f independent sensors", in.sensors)});
  }
  int chain = chain_length(in.tactics);
  if (chain > 0) {
    out.push_back({"chain", chain * opts.per_chain_step,
                   "attack stages " + describe_tactics(in.tactics)});
  }
  if (in.max_burst_ratio > 1) {
    double v = std::min(opts.burst_cap, opts.burst_weight * std::log(in.max_burst_ratio));
    if (v > 0) {
      out.push_back({"burst", v, format("an alert type fired %.0fx above its habit", in.max_burst_ratio)});
    }
  }
  if (in.max_severity > 50) {
    out.push_back({"severity", opts.severity_weight * (in.max_severity - 50) / 50.0,
                   format("highest sensor severity %.0f/100", in.max_severity)});
  }
  if (in.confirmed) {
    out.push_back({"confirmed", opts.confirmed_bonus,
                   "includes an alert type an analyst confirmed malicious"});
  }
  std::sort(out.begin(), out.end(), [](const Factor& a, const Factor& b) { return a.value > b.value; });
  double total = 0;
  for (const Factor& f : out) total += f.value;
  if (factors) *factors = std::move(out);
  return total;
}

}  // namespace vigil::triage
