// Baseline: routine as a rate, surprise as its improbability.
//
// The immune-system idea is to learn "self" from the stream and react to what is foreign. Here
// self is a rate: for every key (a signature on an entity: "ClamAV database update" on host
// mail) we keep an exponentially decayed count of *episodes* — runs of alerts no further apart
// than an hour — and treat that count over the decayed observation time as a Poisson rate of
// episode starts. When a new episode starts, its surprise is -ln P(at least one start in one
// episode gap) under that rate. A key that fires every few minutes has a high rate and a
// surprise near zero; a key seen twice three days ago scores about ln(observed hours); a key
// never seen gets a pseudo-count of half an episode, so novelty is mild in the first hours
// (everything is new then) and grows as the baseline matures. No fixed warm-up is needed.
//
// Counting episodes rather than alerts is what keeps chatty keys from drowning rare ones: ten
// thousand alerts in one burst are one episode. Decay (two days by default) lets a habit fade,
// so a detector that was noisy while it learned and then fell silent becomes surprising again.
//
// Two corrections keep the rate honest. A signature already common on other entities is less
// alarming on a new one, so the pair's surprise is blended with the signature's own surprise
// (which is zero while the signature is mid-episode elsewhere — the second host of a fleet-wide
// update is not news). And an episode starting at a time of day at which the key started on an
// earlier day is a scheduled job: its surprise is halved and the episode is marked periodic.
//
// Bursts are the other departure from self: a key firing, within one ten-minute window, both a
// floor of alerts and a multiple of its usual peak for such a window (a decayed maximum, with a
// prior peak of ten so a new key needs a hundred), reported again at every doubling so a growing
// burst grows more surprising. Comparing against the key's own peaks rather
// than its average keeps keys that always come in batches, and steady streams, from bursting.
// While the baseline is young every peak is unknown, so a burst's surprise is weighted by how
// long the stream has been watched.
#include "triage/baseline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vigil::triage {

namespace {

constexpr uint64_t kEmptySlot = UINT64_MAX;
constexpr double kUsPerHour = 3600.0 * 1e6;
constexpr int64_t kUsPerDay = 86400LL * 1000000;
constexpr double kMinProbability = 1e-9;
constexpr double kMaxBurstSurprise = 8;
// The peak assumed for a key with no history when judging bursts.
constexpr double kPriorPeak = 10;

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

double decayed(double mass, int64_t since_us, int64_t now_us, double memory_us) {
  if (now_us <= since_us) return mass;
  return mass * std::exp(-static_cast<double>(now_us - since_us) / memory_us);
}

}  // namespace

const char* novelty_name(Novelty n) {
  switch (n) {
    case Novelty::kNone: return "none";
    case Novelty::kNewSignature: return "new signature";
    case Novelty::kNewOnEntity: return "new on entity";
    case Novelty::kReturn: return "rare return";
    case Novelty::kBurst: return "burst";
  }
  return "none";
}

Baseline::Baseline(BaselineOptions opts)
    : opts_(opts), memory_us_(opts.memory_hours * kUsPerHour) {
  slot_keys_.assign(1024, kEmptySlot);
  slot_values_.assign(1024, 0);
}

double Baseline::observed_seconds() const {
  if (!started_ || keys_.empty()) return 0;
  int64_t last = 0;
  for (const KeyStats& k : keys_) last = std::max(last, k.last_us);
  return static_cast<double>(last - start_us_) / 1e6;
}

double Baseline::effective_hours(int64_t t) const {
  double elapsed = static_cast<double>(t - start_us_);
  // The decayed length of the observation window plus one minute, so the first alert's
  // surprise is finite.
  return (memory_us_ * (1 - std::exp(-elapsed / memory_us_)) + 60e6) / kUsPerHour;
}

double Baseline::episode_surprise(double mass, int64_t mass_us, int64_t t) const {
  double m = decayed(mass, mass_us, t, memory_us_);
  double rate = (m + opts_.prior_episodes) / effective_hours(t);  // episodes per hour
  double gap_hours = static_cast<double>(opts_.episode_gap_us) / kUsPerHour;
  double p = 1 - std::exp(-rate * gap_hours);
  return -std::log(std::max(p, kMinProbability));
}

bool Baseline::recurs_daily(const KeyStats& k, int64_t t) const {
  for (int i = 0; i < KeyStats::kRecentStarts; ++i) {
    int64_t s = k.recent_starts[i];
    if (s == 0) continue;
    int64_t d = t - s;
    if (d < kUsPerDay - opts_.periodic_tolerance_us) continue;
    int64_t r = d % kUsPerDay;
    if (std::min(r, kUsPerDay - r) <= opts_.periodic_tolerance_us) return true;
  }
  return false;
}

uint32_t Baseline::find_key(uint32_t signature, uint32_t entity) const {
  uint64_t packed = (uint64_t{signature} << 32) | entity;
  size_t mask = slot_keys_.size() - 1;
  for (size_t i = mix(packed) & mask;; i = (i + 1) & mask) {
    if (slot_keys_[i] == kEmptySlot) return UINT32_MAX;
    if (slot_keys_[i] == packed) return slot_values_[i];
  }
}

uint32_t Baseline::key_index(uint32_t signature, uint32_t entity) {
  uint64_t packed = (uint64_t{signature} << 32) | entity;
  size_t mask = slot_keys_.size() - 1;
  size_t i = mix(packed) & mask;
  for (;; i = (i + 1) & mask) {
    if (slot_keys_[i] == kEmptySlot) break;
    if (slot_keys_[i] == packed) return slot_values_[i];
  }
  auto index = static_cast<uint32_t>(keys_.size());
  KeyStats k;
  k.signature = signature;
  k.entity = entity;
  keys_.push_back(k);
  slot_keys_[i] = packed;
  slot_values_[i] = index;
  if (keys_.size() * 2 > slot_keys_.size()) {
    std::vector<uint64_t> keys(slot_keys_.size() * 2, kEmptySlot);
    std::vector<uint32_t> values(keys.size(), 0);
    size_t m = keys.size() - 1;
    for (size_t j = 0; j < slot_keys_.size(); ++j) {
      if (slot_keys_[j] == kEmptySlot) continue;
      size_t p = mix(slot_keys_[j]) & m;
      while (keys[p] != kEmptySlot) p = (p + 1) & m;
      keys[p] = slot_keys_[j];
      values[p] = slot_values_[j];
    }
    slot_keys_.swap(keys);
    slot_values_.swap(values);
  }
  if (signature >= signatures_.size()) signatures_.resize(signature + 1);
  signatures_[signature].entities++;
  return index;
}

uint32_t Baseline::signature_spread(uint32_t signature) const {
  return signature < signatures_.size() ? signatures_[signature].entities : 0;
}

Observation Baseline::observe(uint32_t signature, uint32_t entity, int64_t t) {
  if (!started_) {
    started_ = true;
    start_us_ = t - static_cast<int64_t>(opts_.prior_quiet_hours * kUsPerHour);
  }
  Observation obs;
  if (signature >= signatures_.size()) signatures_.resize(signature + 1);
  bool signature_known = signatures_[signature].seen;
  uint32_t index = key_index(signature, entity);
  obs.key = index;
  KeyStats& k = keys_[index];
  SignatureStats& sig = signatures_[signature];

  bool key_new = k.alerts == 0;
  obs.new_episode = key_new || t - k.last_us > opts_.episode_gap_us;
  bool signature_new_episode = !signature_known || t - sig.last_us > opts_.episode_gap_us;

  if (obs.new_episode) {
    double pair = episode_surprise(k.episode_mass, k.mass_us, t);
    if (!signature_known) {
      obs.surprise = pair;
      obs.novelty = Novelty::kNewSignature;
    } else {
      double whole = signature_new_episode ? episode_surprise(sig.episode_mass, sig.mass_us, t) : 0;
      obs.surprise = opts_.pair_weight * pair + (1 - opts_.pair_weight) * whole;
      obs.novelty = key_new ? Novelty::kNewOnEntity : Novelty::kReturn;
    }
    if (!key_new && recurs_daily(k, t)) {
      obs.periodic = true;
      obs.surprise *= 0.5;
      k.periodic_starts++;
    }
    k.episode_mass = decayed(k.episode_mass, k.mass_us, t, memory_us_) + 1;
    k.mass_us = t;
    k.episodes++;
    k.episode_alerts = 0;
    k.episode_start_us = t;
    k.recent_starts[k.recent_next] = t;
    k.recent_next = static_cast<uint8_t>((k.recent_next + 1) % KeyStats::kRecentStarts);
    if (key_new) k.first_us = t;
  }
  if (signature_new_episode) {
    sig.episode_mass = decayed(sig.episode_mass, sig.mass_us, t, memory_us_) + 1;
    sig.mass_us = t;
  }
  sig.seen = true;
  sig.last_us = t;

  k.alerts++;
  k.episode_alerts++;
  k.last_us = t;

  int64_t window = t / opts_.burst_window_us;
  if (window != k.window) {
    if (k.window >= 0) {
      double peak = decayed(k.peak, k.peak_us, t, memory_us_);
      k.peak = std::max(peak, static_cast<double>(k.window_alerts));
      k.peak_us = t;
    }
    k.previous_window_alerts = window == k.window + 1 ? k.window_alerts : 0;
    k.window = window;
    k.window_alerts = 0;
    k.next_burst = opts_.burst_min_alerts;
    obs.window_start = true;
  }
  k.window_alerts++;
  obs.heavy = std::max(k.window_alerts, k.previous_window_alerts) >= opts_.burst_min_alerts;
  if (k.window_alerts >= k.next_burst) {
    double usual = std::max(decayed(k.peak, k.peak_us, t, memory_us_), kPriorPeak);
    double ratio = k.window_alerts / usual;
    k.next_burst = k.window_alerts * 2;
    if (ratio >= opts_.burst_factor) {
      double hours = static_cast<double>(t - start_us_) / kUsPerHour;
      double maturity = 1 - std::exp(-hours / opts_.burst_maturity_hours);
      obs.novelty = Novelty::kBurst;
      obs.burst_ratio = ratio;
      obs.surprise = std::min(kMaxBurstSurprise, std::log(ratio)) * maturity;
    }
  }
  return obs;
}

void Baseline::set_start(int64_t start_us) {
  started_ = true;
  start_us_ = start_us;
}

const SignatureStats& Baseline::signature(uint32_t s) const {
  static const SignatureStats kNever;
  return s < signatures_.size() ? signatures_[s] : kNever;
}

void Baseline::restore_signature(uint32_t s, const SignatureStats& stats) {
  if (s >= signatures_.size()) signatures_.resize(s + 1);
  uint32_t entities = signatures_[s].entities;  // counted by restore_key
  signatures_[s] = stats;
  signatures_[s].entities = entities;
}

void Baseline::restore_key(const KeyStats& stats) {
  uint32_t index = key_index(stats.signature, stats.entity);
  keys_[index] = stats;
}

std::string Baseline::describe_habit(uint32_t index) const {
  const KeyStats& k = keys_[index];
  double days = static_cast<double>(k.last_us - k.first_us) / (86400.0 * 1e6);
  char buf[200];
  if (k.alerts == 1) {
    return "a single alert, unremarkable against what the stream had shown so far";
  }
  if (k.episodes <= 1) {
    std::snprintf(buf, sizeof buf, "%llu alerts in one continuous episode over %.1f h",
                  static_cast<unsigned long long>(k.alerts), days * 24);
  } else {
    std::snprintf(buf, sizeof buf, "%llu alerts in %u episodes over %.1f days",
                  static_cast<unsigned long long>(k.alerts), k.episodes, days);
  }
  std::string out = buf;
  if (k.periodic_starts > 0) out += ", recurring at the same time of day";
  return out;
}

}  // namespace vigil::triage
