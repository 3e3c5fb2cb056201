// Filing rules into routes.
//
// Most of a rule set is tied to one Windows channel and a few event IDs (1,400 SigmaHQ rules are
// process_creation = Sysmon 1 or Security 4688), and most events fall in one such bucket. So each
// (lower-cased channel, event ID) the rules name gets a route built once: the ungated rules, the
// product-wide Windows rules, the channel's rules and those of that event ID — minus every rule
// whose requirement (requirement.h) cannot hold for that ID, e.g. the Security rules that test
// `EventID: 4624` when the event is a 4625. Each channel also gets a route for IDs no rule names
// and one for events without an ID; non-Windows events and Windows channels no rule names get
// theirs.
//
// Within a route, rules are split by whether they have a trigger set for that route's ID. The
// triggered ones are reached through wake lists indexed by the position of a literal in the
// route's literal database, so a literal seen costs one array lookup and wakes only rules of
// this route. Routes with the same literal set share one database; databases are compiled
// lazily, because a scan meets only a fraction of the routes and vectorscan compiles take
// milliseconds per thousand literals.
#include "detect/rule_index.h"

#include <algorithm>

namespace vigil::sigma {
namespace {

bool by_rule(const RuleIndex::Entry& a, const RuleIndex::Entry& b) { return a.rule < b.rule; }

}  // namespace

RuleIndex::RuleIndex(const RuleSet& set) {
  req_ = std::make_unique<Requirements>(set);
  // The lists a log source files a rule in: ungated, Windows-wide, per channel, per event ID.
  const auto& rules = set.rules();
  std::vector<Entry> any, windows_any, other;
  struct ChannelLists {
    std::vector<Entry> any_event_id;
    std::unordered_map<int64_t, std::vector<Entry>> by_event_id;
  };
  std::map<std::string, ChannelLists> lists;
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const Gate& g = rules[i].gate;
    switch (g.kind) {
      case Gate::Kind::kAny: any.push_back({i, nullptr}); break;
      case Gate::Kind::kOther: other.push_back({i, nullptr, true}); break;
      case Gate::Kind::kNever: break;
      case Gate::Kind::kWindows:
        if (g.variants.empty()) {
          windows_any.push_back({i, nullptr});
          break;
        }
        for (const SourceVariant& v : g.variants) {
          for (const std::string& ch : v.channels) {
            ChannelLists& cl = lists[ch];
            if (v.event_ids.empty()) {
              cl.any_event_id.push_back({i, v.renames.get()});
              continue;
            }
            for (int64_t eid : v.event_ids) cl.by_event_id[eid].push_back({i, v.renames.get()});
          }
        }
        break;
    }
  }
  std::vector<Entry> windows_base = any;
  windows_base.insert(windows_base.end(), windows_any.begin(), windows_any.end());
  for (auto& [channel, cl] : lists) {
    std::vector<Entry> base = windows_base;
    base.insert(base.end(), cl.any_event_id.begin(), cl.any_event_id.end());
    channels_.emplace(channel, make_family(base, cl.by_event_id));
  }
  windows_other_ = make_family(windows_base, {});
  std::vector<Entry> non_windows = any;
  non_windows.insert(non_windows.end(), other.begin(), other.end());
  non_windows_ = make_family(non_windows, {});
}

RuleIndex::Family RuleIndex::make_family(const std::vector<Entry>& base,
                                         const std::unordered_map<int64_t, std::vector<Entry>>& extra) {
  Family f;
  std::vector<int64_t> ids;
  for (const auto& [eid, list] : extra) ids.push_back(eid);
  for (const Entry& e : base) req_->event_ids(e.rule, &ids);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (int64_t eid : ids) {
    std::vector<Entry> entries = base;
    auto it = extra.find(eid);
    if (it != extra.end()) entries.insert(entries.end(), it->second.begin(), it->second.end());
    f.by_event_id[eid] = make_route(std::move(entries), &eid);
  }
  // Every ID the family's rules name is listed above, so an unlisted one fails all their
  // EventID tests; any value outside the list stands for it.
  int64_t unlisted = INT64_MIN;
  f.other_id = make_route(base, &unlisted);
  f.no_id = make_route(base, nullptr);
  return f;
}

uint32_t RuleIndex::make_route(std::vector<Entry> entries, const int64_t* event_id) {
  auto r = std::make_unique<Route>();
  std::stable_sort(entries.begin(), entries.end(), by_rule);
  // Per group: its trigger literals and classes for this route's event ID.
  std::vector<std::vector<uint32_t>> trigger_literals;
  std::vector<uint32_t> classes;
  for (size_t k = 0; k < entries.size(); ++k) {
    const Entry& e = entries[k];
    bool dup = false;
    for (size_t j = k; j-- > 0 && entries[j].rule == e.rule;) {
      if (entries[j].renames == e.renames && entries[j].check_hints == e.check_hints) dup = true;
    }
    if (dup || !req_->possible(e.rule, event_id)) continue;
    if (!r->groups.empty() && r->groups.back().rule == e.rule) {
      r->triggered.push_back(e);
      ++r->groups.back().count;
      continue;
    }
    std::vector<uint32_t> lits;
    classes.clear();
    if (!req_->trigger(e.rule, event_id, &lits, &classes)) {
      r->always.push_back(e);
      continue;
    }
    const auto group = static_cast<uint32_t>(r->groups.size());
    r->groups.push_back({e.rule, static_cast<uint32_t>(r->triggered.size()), 1});
    r->triggered.push_back(e);
    trigger_literals.push_back(std::move(lits));
    for (uint32_t c : classes) r->class_wakes.emplace_back(c, group);
  }
  std::sort(r->class_wakes.begin(), r->class_wakes.end());
  r->class_wakes.erase(std::unique(r->class_wakes.begin(), r->class_wakes.end()), r->class_wakes.end());

  // The database: every literal the triggered rules' requirements name (triggers and the
  // literals that confirm them).
  std::vector<uint32_t> literals;
  for (const Group& g : r->groups) req_->literals_of(g.rule, &literals);
  std::sort(literals.begin(), literals.end());
  literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
  // Wake lists by position in that set.
  std::vector<std::vector<uint32_t>> wakes(literals.size());
  for (uint32_t g = 0; g < trigger_literals.size(); ++g) {
    for (uint32_t lit : trigger_literals[g]) {
      auto pos = std::lower_bound(literals.begin(), literals.end(), lit) - literals.begin();
      auto& list = wakes[pos];
      if (list.empty() || list.back() != g) list.push_back(g);
    }
  }
  r->wake_first.reserve(literals.size() + 1);
  for (const auto& list : wakes) {
    r->wake_first.push_back(static_cast<uint32_t>(r->wake.size()));
    r->wake.insert(r->wake.end(), list.begin(), list.end());
  }
  r->wake_first.push_back(static_cast<uint32_t>(r->wake.size()));

  auto [it, added] = database_of_.try_emplace(literals, static_cast<uint32_t>(databases_.size()));
  if (added) {
    databases_.push_back(std::make_unique<Database>());
    databases_.back()->literals = std::move(literals);
  }
  r->database = it->second;
  routes_.push_back(std::move(r));
  return static_cast<uint32_t>(routes_.size() - 1);
}

const RuleIndex::Route& RuleIndex::route(std::string_view lower_channel, const int64_t* event_id) const {
  const Family* f = &non_windows_;
  if (!lower_channel.empty()) {
    auto it = channels_.find(lower_channel);
    f = it == channels_.end() ? &windows_other_ : &it->second;
  }
  if (!event_id) return *routes_[f->no_id];
  auto it = f->by_event_id.find(*event_id);
  return *routes_[it == f->by_event_id.end() ? f->other_id : it->second];
}

const LiteralDatabase* RuleIndex::database(const Route& route) const {
  const Database& d = *databases_[route.database];
  std::call_once(d.once, [&] {
    auto db = LiteralDatabase::build(req_->literals(), d.literals);
    if (db.ok()) {
      d.db = std::move(db.value());
    } else {
      d.status = db.status();
    }
  });
  return d.db.get();
}

Status RuleIndex::compile_all() const {
  Status first;
  for (const auto& r : routes_) {
    if (!database(*r) && first.ok()) first = databases_[r->database]->status;
  }
  return first;
}

}  // namespace vigil::sigma
