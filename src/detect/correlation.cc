// Correlation windows.
//
// Every correlation keeps one state per group (the group-by values, read through the
// correlation's aliases for the rule that hit). Two window disciplines cover the spec:
//  - monotone conditions (only gt/gte: "at least N"): a sliding window — entries older than
//    the timespan are evicted on each hit, and the correlation fires the moment the condition
//    holds, then the group starts over (one detection per burst, not one per extra event);
//  - conditions with an upper bound (lt, lte, eq, neq) and value_percentile can only be judged
//    on a complete window: the window opens at a group's first hit, closes when a later hit (or
//    flush) falls past open + timespan, and is judged then.
// temporal keeps, per group, the latest hit of each referenced rule within the timespan;
// temporal_ordered keeps, for each position, the latest chain start that reaches it in order, so
// a hit at position i extends the chain ending at i-1 if that chain started within the timespan.
// A correlation's detection is fed on to correlations that refer to it, with its group values as
// fields. Memory is the open windows only: expired groups are swept every few thousand hits.
#include "detect/correlation.h"

#include <algorithm>
#include <unordered_set>

#include "core/text.h"

namespace vigil::sigma {
namespace {

constexpr size_t kMaxRefs = 1000;   // event references kept per detection
constexpr int kMaxDepth = 8;        // correlation-of-correlation chain limit
constexpr size_t kSweepEvery = 4096;

bool is_temporal(CorrelationType t) {
  return t == CorrelationType::kTemporal || t == CorrelationType::kTemporalOrdered;
}

}  // namespace

CorrelationEngine::CorrelationEngine(const RuleSet& rules, size_t max_events_per_window)
    : rules_(rules), max_events_(std::max<size_t>(1, max_events_per_window)) {
  const auto& corrs = rules.correlations();
  states_.resize(corrs.size());
  correlation_only_.assign(rules.rules().size(), false);
  std::vector<bool> generated(rules.rules().size(), false);
  for (uint32_t c = 0; c < corrs.size(); ++c) {
    for (const auto& [op, v] : corrs[c].condition) {
      if (op != CountOp::kGt && op != CountOp::kGte) states_[c].monotone = false;
    }
    if (corrs[c].type == CorrelationType::kValuePercentile) states_[c].monotone = false;
    for (uint32_t pos = 0; pos < corrs[c].rules.size(); ++pos) {
      const CorrelationRef& ref = corrs[c].rules[pos];
      if (ref.is_correlation) {
        by_corr_[ref.index].push_back({c, pos});
      } else {
        by_rule_[ref.index].push_back({c, pos});
        correlation_only_[ref.index] = true;
        if (corrs[c].generate) generated[ref.index] = true;
      }
    }
  }
  for (size_t r = 0; r < generated.size(); ++r) {
    if (generated[r]) correlation_only_[r] = false;
  }
  // Higher positions first, so one hit cannot fill two consecutive ordered positions.
  for (auto* m : {&by_rule_, &by_corr_}) {
    for (auto& [k, uses] : *m) {
      std::sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) {
        return a.corr != b.corr ? a.corr < b.corr : a.pos > b.pos;
      });
    }
  }
}

bool CorrelationEngine::correlation_only(uint32_t rule) const {
  return rule < correlation_only_.size() && correlation_only_[rule];
}

size_t CorrelationEngine::open_windows() const {
  size_t n = 0;
  for (const State& s : states_) n += s.groups.size();
  return n;
}

void CorrelationEngine::add(uint32_t rule, int64_t time_us, uint64_t event_ref, const Event& event,
                            std::vector<CorrelationDetection>* out) {
  FieldFn fields = [&event](std::string_view name, std::string* value) {
    Value v = event.field(name);
    if (!v || v.is_null()) return false;
    std::string scratch;
    *value = std::string(v.text(scratch));
    return true;
  };
  add(rule, time_us, event_ref, fields, out);
}

void CorrelationEngine::add(uint32_t rule, int64_t time_us, uint64_t event_ref, const FieldFn& fields,
                            std::vector<CorrelationDetection>* out) {
  auto it = by_rule_.find(rule);
  if (it == by_rule_.end()) return;
  now_ = std::max(now_, time_us);
  const Rule& r = rules_.rules()[rule];
  const std::vector<uint64_t> refs = {event_ref};
  for (const Use& u : it->second) feed(u.corr, u.pos, time_us, refs, fields, r.name, r.id, out, 0);
  if (++since_sweep_ >= kSweepEvery) {
    since_sweep_ = 0;
    sweep(now_, out);
  }
}

void CorrelationEngine::feed(uint32_t corr, uint32_t pos, int64_t t, const std::vector<uint64_t>& refs,
                             const FieldFn& fields, std::string_view rule_key, std::string_view rule_id,
                             std::vector<CorrelationDetection>* out, int depth) {
  const CorrelationRule& c = rules_.correlations()[corr];
  auto field_for = [&](const std::string& name) -> std::string {
    auto a = c.aliases.find(name);
    if (a == c.aliases.end()) return name;
    for (std::string_view k : {rule_key, rule_id}) {
      if (k.empty()) continue;
      auto f = a->second.find(std::string(k));
      if (f != a->second.end()) return f->second;
    }
    return name;
  };
  std::vector<std::string> key_values;
  std::string key;
  for (const std::string& gb : c.group_by) {
    std::string v;
    fields(field_for(gb), &v);
    key += v;
    key += '\x1f';
    key_values.push_back(std::move(v));
  }
  State& st = states_[corr];
  auto [git, inserted] = st.groups.try_emplace(key);
  Group& g = git->second;
  if (inserted) {
    g.key = std::move(key_values);
    g.seen.resize(c.rules.size());
  }
  const int64_t span = c.timespan_us;

  if (is_temporal(c.type)) {
    const bool ordered = c.type == CorrelationType::kTemporalOrdered;
    for (Seen& s : g.seen) {
      if (s.valid && (ordered ? s.start : s.t) < t - span) s = Seen();
    }
    Seen& s = g.seen[pos];
    if (!ordered) {
      s.valid = true;
      s.start = s.t = t;
      s.refs = refs;
      size_t count = 0;
      for (const Seen& x : g.seen) count += x.valid;
      bool fire = c.condition.empty() ? count == g.seen.size() : c.condition_holds(static_cast<double>(count));
      if (fire) emit(corr, g, static_cast<double>(count), out, depth);
      return;
    }
    if (pos == 0) {
      s.valid = true;
      s.start = s.t = t;
      s.refs = refs;
    } else if (g.seen[pos - 1].valid) {
      const Seen prev = g.seen[pos - 1];
      s.valid = true;
      s.start = prev.start;
      s.t = t;
      s.refs = prev.refs;
      s.refs.insert(s.refs.end(), refs.begin(), refs.end());
    }
    if (pos + 1 == g.seen.size() && s.valid) emit(corr, g, static_cast<double>(g.seen.size()), out, depth);
    return;
  }

  // Count and value correlations.
  Entry e{t, refs.empty() ? 0 : refs.front(), 0, {}};
  if (!c.field.empty()) {
    if (!fields(field_for(c.field), &e.value)) return;  // no value to count
    if (c.type == CorrelationType::kValueSum || c.type == CorrelationType::kValueAvg) {
      if (!parse_double(trim(e.value), &e.number)) return;
    }
  }
  if (st.monotone) {
    evict(corr, g, t);
  } else if (g.open_us >= 0 && t > g.open_us + span) {
    close(corr, g, out, depth);
  }
  if (g.open_us < 0) g.open_us = t;
  g.entries.push_back(std::move(e));
  if (g.entries.size() > max_events_) {
    g.entries.erase(g.entries.begin());
    ++g.dropped;
  }
  if (st.monotone) {
    double v = measure(corr, g);
    if (c.condition_holds(v)) emit(corr, g, v, out, depth);
  }
}

double CorrelationEngine::measure(uint32_t corr, const Group& g) const {
  const CorrelationRule& c = rules_.correlations()[corr];
  switch (c.type) {
    case CorrelationType::kEventCount:
      return static_cast<double>(g.entries.size() + g.dropped);
    case CorrelationType::kValueCount: {
      std::unordered_set<std::string_view> distinct;
      for (const Entry& e : g.entries) distinct.insert(e.value);
      return static_cast<double>(distinct.size());
    }
    case CorrelationType::kValueSum:
    case CorrelationType::kValueAvg: {
      double sum = 0;
      for (const Entry& e : g.entries) sum += e.number;
      if (c.type == CorrelationType::kValueSum) return sum;
      return g.entries.empty() ? 0 : sum / static_cast<double>(g.entries.size());
    }
    default:
      return 0;
  }
}

void CorrelationEngine::evict(uint32_t corr, Group& g, int64_t now) {
  const int64_t span = rules_.correlations()[corr].timespan_us;
  size_t drop = 0;
  while (drop < g.entries.size() && g.entries[drop].t < now - span) ++drop;
  if (drop > 0) {
    g.entries.erase(g.entries.begin(), g.entries.begin() + static_cast<std::ptrdiff_t>(drop));
    g.dropped = 0;
  }
  if (g.entries.empty()) g.open_us = -1;
  else g.open_us = g.entries.front().t;
}

void CorrelationEngine::emit(uint32_t corr, Group& g, double value, std::vector<CorrelationDetection>* out,
                             int depth) {
  const CorrelationRule& c = rules_.correlations()[corr];
  CorrelationDetection d;
  d.correlation = corr;
  d.group = g.key;
  d.value = value;
  if (is_temporal(c.type)) {
    bool first = true;
    for (const Seen& s : g.seen) {
      if (!s.valid) continue;
      const int64_t start = c.type == CorrelationType::kTemporalOrdered ? s.start : s.t;
      d.first_us = first ? start : std::min(d.first_us, start);
      d.last_us = first ? s.t : std::max(d.last_us, s.t);
      first = false;
      if (c.type == CorrelationType::kTemporalOrdered) {
        d.events = s.refs;  // the last position holds the whole chain
      } else {
        d.events.insert(d.events.end(), s.refs.begin(), s.refs.end());
      }
    }
    d.event_count = d.events.size();
    for (Seen& s : g.seen) s = Seen();
  } else {
    if (!g.entries.empty()) {
      d.first_us = g.entries.front().t;
      d.last_us = g.entries.back().t;
    }
    d.event_count = g.entries.size() + g.dropped;
    for (const Entry& e : g.entries) {
      if (d.events.size() < kMaxRefs) d.events.push_back(e.ref);
    }
    g.entries.clear();
    g.dropped = 0;
    g.open_us = -1;
  }
  out->push_back(d);
  // Chained correlations see this detection as a hit of rule `c`, grouped by its own values.
  auto it = by_corr_.find(corr);
  if (it == by_corr_.end() || depth + 1 >= kMaxDepth) return;
  FieldFn fields = [&c, &d](std::string_view name, std::string* v) {
    for (size_t i = 0; i < c.group_by.size(); ++i) {
      if (c.group_by[i] == name) {
        *v = d.group[i];
        return true;
      }
    }
    return false;
  };
  for (const Use& u : it->second) feed(u.corr, u.pos, d.last_us, d.events, fields, c.name, c.id, out, depth + 1);
}

void CorrelationEngine::close(uint32_t corr, Group& g, std::vector<CorrelationDetection>* out, int depth) {
  const CorrelationRule& c = rules_.correlations()[corr];
  if (g.entries.empty()) {
    g.open_us = -1;
    return;
  }
  if (c.type == CorrelationType::kValuePercentile) {
    // Each distinct value's share (percent) of the window's events; one detection per value whose
    // share meets the condition (e.g. lte 1: rare values).
    std::vector<std::pair<std::string, size_t>> counts;
    for (const Entry& e : g.entries) {
      auto f = std::find_if(counts.begin(), counts.end(), [&](const auto& p) { return p.first == e.value; });
      if (f == counts.end()) counts.emplace_back(e.value, 1);
      else f->second++;
    }
    const double total = static_cast<double>(g.entries.size());
    std::vector<Entry> all = std::move(g.entries);
    for (const auto& [value, n] : counts) {
      double share = 100.0 * static_cast<double>(n) / total;
      if (!c.condition_holds(share)) continue;
      g.entries.clear();
      for (const Entry& e : all) {
        if (e.value == value) g.entries.push_back(e);
      }
      emit(corr, g, share, out, depth);
    }
    g.entries.clear();
    g.open_us = -1;
    return;
  }
  double v = measure(corr, g);
  if (c.condition_holds(v)) {
    emit(corr, g, v, out, depth);
  } else {
    g.entries.clear();
    g.dropped = 0;
    g.open_us = -1;
  }
}

void CorrelationEngine::sweep(int64_t now, std::vector<CorrelationDetection>* out) {
  for (uint32_t corr = 0; corr < states_.size(); ++corr) {
    State& st = states_[corr];
    const CorrelationRule& c = rules_.correlations()[corr];
    for (auto it = st.groups.begin(); it != st.groups.end();) {
      Group& g = it->second;
      if (is_temporal(c.type)) {
        bool any = false;
        for (Seen& s : g.seen) {
          if (s.valid && (c.type == CorrelationType::kTemporalOrdered ? s.start : s.t) < now - c.timespan_us) s = Seen();
          any = any || s.valid;
        }
        it = any ? std::next(it) : st.groups.erase(it);
        continue;
      }
      if (st.monotone) {
        evict(corr, g, now);
      } else if (g.open_us >= 0 && now > g.open_us + c.timespan_us) {
        close(corr, g, out, 0);
      }
      it = g.entries.empty() ? st.groups.erase(it) : std::next(it);
    }
  }
}

void CorrelationEngine::flush(std::vector<CorrelationDetection>* out) {
  for (uint32_t corr = 0; corr < states_.size(); ++corr) {
    State& st = states_[corr];
    if (!st.monotone) {
      for (auto& [k, g] : st.groups) close(corr, g, out, 0);
    }
  }
  for (State& st : states_) st.groups.clear();
}

}  // namespace vigil::sigma
