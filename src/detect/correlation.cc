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
// fields. Memory is the open windows only: expired groups are swept every few thousand hits, and
// both a window's entries and a correlation's groups are capped. Each window keeps running
// aggregates (value -> count, sum) updated as entries enter and leave, so a hit costs O(1) and a
// hostile flood into one group stays linear; value_percentile groups a closing window by value in
// one pass.
#include "detect/correlation.h"

#include <algorithm>

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

CorrelationEngine::CorrelationEngine(const RuleSet& rules, size_t max_events_per_window,
                                     size_t max_groups)
    : rules_(rules),
      max_events_(std::max<size_t>(1, max_events_per_window)),
      max_groups_(std::max<size_t>(1, max_groups)) {
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

std::vector<std::vector<std::string>> CorrelationEngine::input_fields(const RuleSet& rules) {
  const auto& rs = rules.rules();
  std::vector<std::vector<std::string>> out(rs.size());
  for (const auto& c : rules.correlations()) {
    for (const auto& ref : c.rules) {
      if (ref.is_correlation) continue;
      const auto& r = rs[ref.index];
      auto& f = out[ref.index];
      for (const auto& g : c.group_by) {
        auto alias = c.aliases.find(g);
        if (alias == c.aliases.end()) {
          f.push_back(g);
          continue;
        }
        for (const auto& [who, field] : alias->second) {
          if (who == r.id || (!r.name.empty() && who == r.name)) f.push_back(field);
        }
      }
      if (!c.field.empty()) f.push_back(c.field);
    }
  }
  for (auto& f : out) {
    std::sort(f.begin(), f.end());
    f.erase(std::unique(f.begin(), f.end()), f.end());
  }
  return out;
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
  // Full: the hit is dropped (the periodic sweep in add() frees expired groups; sweeping here
  // could erase groups that a caller up the chain of correlations still holds).
  if (st.groups.size() >= max_groups_ && !st.groups.count(key)) {
    ++groups_refused_;
    return;
  }
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
  push_entry(g, std::move(e));
  if (g.entries.size() > max_events_) {
    pop_entry(g);
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
    case CorrelationType::kValueCount:
      return static_cast<double>(g.distinct.size());
    case CorrelationType::kValueSum:
      return g.sum;
    case CorrelationType::kValueAvg:
      return g.entries.empty() ? 0 : g.sum / static_cast<double>(g.entries.size());
    default:
      return 0;
  }
}

void CorrelationEngine::push_entry(Group& g, Entry e) {
  ++g.distinct[e.value];
  g.sum += e.number;
  g.entries.push_back(std::move(e));
}

void CorrelationEngine::pop_entry(Group& g) {
  const Entry& e = g.entries.front();
  auto it = g.distinct.find(e.value);
  if (it != g.distinct.end() && --it->second == 0) g.distinct.erase(it);
  g.sum -= e.number;
  g.entries.pop_front();
  if (g.entries.empty()) g.sum = 0;  // no rounding drift carried into the next window
}

void CorrelationEngine::clear_entries(Group& g) {
  g.entries.clear();
  g.distinct.clear();
  g.sum = 0;
}

void CorrelationEngine::evict(uint32_t corr, Group& g, int64_t now) {
  const int64_t span = rules_.correlations()[corr].timespan_us;
  bool dropped = false;
  while (!g.entries.empty() && g.entries.front().t < now - span) {
    pop_entry(g);
    dropped = true;
  }
  if (dropped) g.dropped = 0;
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
    clear_entries(g);
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
    // Entries grouped by value in one pass, values in order of first appearance.
    std::unordered_map<std::string_view, size_t> slot;
    std::vector<std::vector<size_t>> members;
    for (size_t i = 0; i < g.entries.size(); ++i) {
      auto [it, added] = slot.try_emplace(g.entries[i].value, members.size());
      if (added) members.emplace_back();
      members[it->second].push_back(i);
    }
    const double total = static_cast<double>(g.entries.size());
    std::deque<Entry> all = std::move(g.entries);
    for (const auto& indices : members) {
      double share = 100.0 * static_cast<double>(indices.size()) / total;
      if (!c.condition_holds(share)) continue;
      g.entries.clear();
      for (size_t i : indices) g.entries.push_back(all[i]);
      emit(corr, g, share, out, depth);
    }
    clear_entries(g);
    g.open_us = -1;
    return;
  }
  double v = measure(corr, g);
  if (c.condition_holds(v)) {
    emit(corr, g, v, out, depth);
  } else {
    clear_entries(g);
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
