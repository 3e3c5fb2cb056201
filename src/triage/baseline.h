// Baseline: what each sensor signature normally emits on each entity, learned from the stream
// itself, and how surprising a new observation is against it. Owns per-key and per-signature
// statistics; keys are (signature id, entity id) pairs of interned ids. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::triage {

struct BaselineOptions {
  // Alerts of one key closer than this belong to the same episode.
  int64_t episode_gap_us = 3600LL * 1000000;
  // How long the baseline remembers: episode counts decay with this time constant.
  double memory_hours = 48;
  // Pseudo-count of episodes for a key never seen (keeps novelty finite and early novelty mild).
  double prior_episodes = 0.5;
  // Hours the stream is assumed to have been watched, with nothing seen, before its first alert
  // (0 = none). For sensors whose signatures are known to stay quiet on benign activity (Sigma
  // rules, tested against benign logs), so a short capture triaged on its own is not "young".
  double prior_quiet_hours = 0;
  // Share of a pair's surprise kept when the signature as a whole is equally surprising; the rest
  // comes from the signature across all entities (a signature common elsewhere is less alarming).
  double pair_weight = 0.5;
  // A burst: at least `burst_min_alerts` alerts of a key within one `burst_window_us` and
  // `burst_factor` times the key's usual peak for such a window; reported again each time the
  // window's count doubles, so a growing burst grows more surprising. Bursts count fully only once
  // the baseline has watched for a while (weight 1 - exp(-hours / burst_maturity_hours)).
  uint32_t burst_min_alerts = 100;
  double burst_factor = 8;
  int64_t burst_window_us = 10 * 60LL * 1000000;
  double burst_maturity_hours = 12;
  // An episode that starts within this of a time of day at which the key started an episode on
  // an earlier day is periodic (a daily job).
  int64_t periodic_tolerance_us = 10LL * 60 * 1000000;
};

enum class Novelty : uint8_t {
  kNone,           // inside an episode, or an unremarkable new episode
  kNewSignature,   // the signature was never seen on any entity
  kNewOnEntity,    // the signature is known, but never on this entity
  kReturn,         // a known key starting a new episode (its surprise says how rare that is)
  kBurst,          // a key firing far above its usual rate
};
const char* novelty_name(Novelty n);

struct Observation {
  uint32_t key = 0;           // dense index of the (signature, entity) pair
  bool new_episode = false;
  bool periodic = false;      // the new episode recurs at a time of day seen on an earlier day
  Novelty novelty = Novelty::kNone;
  double surprise = 0;        // nats; how unlikely this episode start (or burst) was
  double burst_ratio = 0;     // alerts in the window / the key's usual peak, when kBurst
  bool window_start = false;  // this alert opened a new burst window for its key
  bool heavy = false;         // the key is firing at burst volume (this or the last window)
};

// Per-key statistics, readable by the engine and the reports.
struct KeyStats {
  uint32_t signature = 0;
  uint32_t entity = 0;
  uint64_t alerts = 0;
  uint32_t episodes = 0;
  uint32_t episode_alerts = 0;    // alerts in the current episode
  uint32_t periodic_starts = 0;   // episodes that started at a recurring time of day
  int64_t first_us = 0;
  int64_t last_us = 0;
  int64_t episode_start_us = 0;
  double episode_mass = 0;        // decayed episode count, as of mass_us
  int64_t mass_us = 0;
  int64_t window = -1;            // index of the current burst window (time / burst_window_us)
  uint32_t window_alerts = 0;     // alerts in it
  uint32_t next_burst = 0;        // window count at which a burst is (again) reported
  uint32_t previous_window_alerts = 0;  // count of the window before, when it was the one before
  double peak = 0;                // decayed largest count of a past window, as of peak_us
  int64_t peak_us = 0;
  static constexpr int kRecentStarts = 6;
  int64_t recent_starts[kRecentStarts] = {};  // ring of the latest episode start times
  uint8_t recent_next = 0;
};

// Per-signature statistics (the signature across all entities).
struct SignatureStats {
  double episode_mass = 0;
  int64_t mass_us = 0;
  int64_t last_us = 0;
  uint32_t entities = 0;
  bool seen = false;
};

class Baseline {
 public:
  explicit Baseline(BaselineOptions opts = {});

  // Records one alert of `signature` on `entity` at `time_us` (non-decreasing) and says how
  // surprising it is.
  Observation observe(uint32_t signature, uint32_t entity, int64_t time_us);

  const KeyStats& key(uint32_t k) const { return keys_[k]; }
  size_t key_count() const { return keys_.size(); }
  // Index of the key, or UINT32_MAX when never observed.
  uint32_t find_key(uint32_t signature, uint32_t entity) const;
  // Distinct entities the signature has been seen on.
  uint32_t signature_spread(uint32_t signature) const;
  const BaselineOptions& options() const { return opts_; }
  // Seconds of stream seen so far.
  double observed_seconds() const;

  // Persistence (see Engine::save_baseline): when the stream began, and restoring learned
  // statistics into an empty or partly filled baseline.
  bool started() const { return started_; }
  int64_t start_us() const { return start_us_; }
  void set_start(int64_t start_us);
  const SignatureStats& signature(uint32_t s) const;
  void restore_signature(uint32_t s, const SignatureStats& stats);
  void restore_key(const KeyStats& stats);  // keyed by stats.signature / stats.entity

  // A one-line description of the key's habit ("2,311 alerts in 96 episodes over 4.0 days,
  // recurring daily") for routine reasons.
  std::string describe_habit(uint32_t k) const;

 private:
  double effective_hours(int64_t t) const;
  double episode_surprise(double mass, int64_t mass_us, int64_t t) const;
  bool recurs_daily(const KeyStats& k, int64_t t) const;
  uint32_t key_index(uint32_t signature, uint32_t entity);

  BaselineOptions opts_;
  double memory_us_;
  int64_t start_us_ = 0;
  bool started_ = false;
  std::vector<KeyStats> keys_;
  std::vector<SignatureStats> signatures_;
  // (signature << 32 | entity) -> key index, open addressing.
  std::vector<uint64_t> slot_keys_;
  std::vector<uint32_t> slot_values_;
};

}  // namespace vigil::triage
