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
// this route. Routes share databases where their literal sets agree or nearly agree
// (share_databases: a compile costs a few milliseconds however small the set, and about 10 ms
// per thousand literals beyond); databases are compiled lazily, because a scan meets only a
// fraction of the routes.
#include "detect/rule_index.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace vigil::sigma {
namespace {

bool by_rule(const RuleIndex::Entry& a, const RuleIndex::Entry& b) { return a.rule < b.rule; }

}  // namespace

RuleIndex::RuleIndex(const RuleSet& set, LanePolicy lanes) : cache_dir_(set.literal_cache_dir()), policy_(lanes) {
  policy_.max_lanes = std::clamp<size_t>(policy_.max_lanes, 1, LiteralScan::kMaxLanes);
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
  share_databases();
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
    std::vector<uint32_t> leaves;
    if (req_->or_of_literals(e.rule, &leaves)) {
      std::vector<uint32_t> sorted = lits;
      for (auto* v : {&leaves, &sorted}) {
        std::sort(v->begin(), v->end());
        v->erase(std::unique(v->begin(), v->end()), v->end());
      }
      r->groups.back().woken_holds = leaves == sorted;
    }
    r->triggered.push_back(e);
    trigger_literals.push_back(std::move(lits));
    for (uint32_t c : classes) r->class_wakes.emplace_back(c, group);
  }
  std::sort(r->class_wakes.begin(), r->class_wakes.end());
  r->class_wakes.erase(std::unique(r->class_wakes.begin(), r->class_wakes.end()), r->class_wakes.end());

  // The database: every literal the route's rules name — triggers, the literals that confirm
  // them, and those that let value tests be skipped (EvalContext::absent) — split into lanes
  // (make_lanes). Chosen, and the wake lists laid out by position, once every route exists (see
  // share_databases).
  Pending p;
  std::vector<uint32_t> literals;
  for (const Group& g : r->groups) req_->literals_of(g.rule, &literals);
  for (const Entry& e : r->always) req_->literals_of(e.rule, &p.always_literals);
  literals.insert(literals.end(), p.always_literals.begin(), p.always_literals.end());
  std::sort(literals.begin(), literals.end());
  literals.erase(std::unique(literals.begin(), literals.end()), literals.end());
  make_lanes(r.get(), literals, &p.lanes);
  p.triggers = std::move(trigger_literals);
  pending_.push_back(std::move(p));
  routes_.push_back(std::move(r));
  return static_cast<uint32_t>(routes_.size() - 1);
}

// Lanes. One database over one buffer of every value the route's rules can read costs, per byte,
// what its largest literal set costs (vectorscan slows as literals are added: ~9 cycles a byte
// for the 9,500 process-creation literals, 1-2.5 for small sets). Most of a big route's literals
// belong to a few fields — command lines, image paths, hashes — so such a field class gets a
// lane: the values of the keys it can end on are scanned with a database of only the literals
// tests on those keys look for, and the other values with the rest. A literal goes into the
// database of every lane holding a key one of its classes can end on (in any layout, renames
// included), a keyword literal into every lane (a keyword search reads every string), so a value
// a test reads is always scanned for that test's literals. A key is in one lane (the first of
// the classes that end on it to get one), so a value costs one key lookup as before; only an
// evtx_dump #text whose own key and parent's key are in different lanes is copied twice.
// Classes whose literal sets overlap by half share a lane (CommandLine and ParentCommandLine).
// A small route, or one without a class big enough, keeps one lane: each hs_scan call has a
// fixed cost, and a large database costs ~2,000 cycles a call even over a short command line.
// Measured on the EVTX samples (cycles per event, each event's best of three scans): the
// process-creation route (12,700 literals; CommandLine 7,400 of them) went from ~7,300 to
// ~4,900 cycles of scanning, while registry and web routes of ~1,600-1,950 literals split in
// three went from ~2,600 to ~3,500 — hence LanePolicy::min_route.
void RuleIndex::make_lanes(Route* r, const std::vector<uint32_t>& all, std::vector<std::vector<uint32_t>>* sets) {
  std::vector<uint32_t> classes;
  auto add_rule = [&](uint32_t rule) {
    const auto rc = req_->rule_classes(rule);
    classes.insert(classes.end(), rc.begin(), rc.end());
    if (req_->keywords(rule)) r->scan_all = true;
  };
  for (const Group& g : r->groups) add_rule(g.rule);
  for (const Entry& e : r->always) add_rule(e.rule);
  // With keyword searches, the long strings no field reads get a lane of the keyword literals
  // (LanePolicy::unread_min), after the others.
  auto add_unread_lane = [&] {
    if (!r->scan_all || policy_.unread_min == 0 || sets->size() >= LiteralScan::kMaxLanes) return;
    std::vector<std::pair<uint32_t, uint32_t>> raw;
    auto keyword_uses = [&](uint32_t rule) {
      if (req_->keywords(rule)) req_->literal_uses(rule, &raw);
    };
    for (const Group& g : r->groups) keyword_uses(g.rule);
    for (const Entry& e : r->always) keyword_uses(e.rule);
    std::vector<uint32_t> keyword_literals;
    for (const auto& [cls, lit] : raw) {
      if (cls == Requirements::kNoClass) keyword_literals.push_back(lit);
    }
    std::sort(keyword_literals.begin(), keyword_literals.end());
    keyword_literals.erase(std::unique(keyword_literals.begin(), keyword_literals.end()), keyword_literals.end());
    if (keyword_literals.empty()) return;
    r->unread = {static_cast<uint32_t>(sets->size()), static_cast<uint32_t>(policy_.unread_min)};
    sets->push_back(std::move(keyword_literals));
  };
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());

  // Which classes get a lane of their own (lane 0 is the rest).
  std::unordered_map<uint32_t, uint32_t> lane_of;  // class -> lane, absent = 0
  size_t lanes = 1;
  std::vector<std::pair<uint32_t, uint32_t>> uses;  // (class, literal), when the route may split
  if (all.size() >= policy_.min_route && policy_.max_lanes > 1) {
    {
      // Sorted as 64-bit keys: a third of the cost of sorting the pairs (tens of thousands).
      std::vector<std::pair<uint32_t, uint32_t>> raw;
      for (const Group& g : r->groups) req_->literal_uses(g.rule, &raw);
      for (const Entry& e : r->always) req_->literal_uses(e.rule, &raw);
      std::vector<uint64_t> keys(raw.size());
      for (size_t k = 0; k < raw.size(); ++k) keys[k] = uint64_t{raw[k].first} << 32 | raw[k].second;
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
      uses.reserve(keys.size());
      for (uint64_t k : keys) uses.emplace_back(static_cast<uint32_t>(k >> 32), static_cast<uint32_t>(k));
    }
    struct Big {
      uint32_t cls;
      size_t first, count;
    };
    std::vector<Big> big;
    const size_t min_class = std::max(policy_.min_class, policy_.min_share ? all.size() / policy_.min_share : 0);
    for (size_t i = 0; i < uses.size();) {
      size_t end = i;
      while (end < uses.size() && uses[end].first == uses[i].first) ++end;
      if (uses[i].first != Requirements::kNoClass && end - i >= min_class) big.push_back({uses[i].first, i, end - i});
      i = end;
    }
    std::stable_sort(big.begin(), big.end(), [](const Big& a, const Big& b) { return a.count > b.count; });
    std::vector<std::vector<uint32_t>> lane_lits(1);
    for (const Big& b : big) {
      std::vector<uint32_t> mine;
      for (size_t k = b.first; k < b.first + b.count; ++k) mine.push_back(uses[k].second);
      uint32_t to = 0;
      for (uint32_t j = 1; j < lane_lits.size() && to == 0; ++j) {
        std::vector<uint32_t> both;
        std::set_intersection(mine.begin(), mine.end(), lane_lits[j].begin(), lane_lits[j].end(),
                              std::back_inserter(both));
        if (both.size() * 2 >= mine.size()) to = j;
      }
      if (to == 0 && lane_lits.size() < policy_.max_lanes) {
        to = static_cast<uint32_t>(lane_lits.size());
        lane_lits.emplace_back();
      }
      if (to == 0) continue;
      std::vector<uint32_t> merged;
      std::set_union(mine.begin(), mine.end(), lane_lits[to].begin(), lane_lits[to].end(), std::back_inserter(merged));
      lane_lits[to] = std::move(merged);
      lane_of[b.cls] = to;
    }
    lanes = lane_lits.size();
  }
  if (lanes == 1) {
    for (int layout = 0; layout < 3; ++layout) {
      for (uint32_t cls : classes) {
        for (const std::string& key : req_->class_keys(static_cast<Layout>(layout), cls)) r->scan_keys[layout].add(key, 0);
      }
      r->scan_keys[layout].seal();
    }
    sets->assign(1, all);
    add_unread_lane();
    return;
  }
  auto lane_of_class = [&](uint32_t cls) -> uint32_t {
    auto it = lane_of.find(cls);
    return it == lane_of.end() ? 0 : it->second;
  };

  // Keys to lanes, per layout: the classes with a lane first, so their keys take it.
  std::vector<uint32_t> order = classes;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return (lane_of_class(a) != 0) > (lane_of_class(b) != 0);
  });
  std::unordered_map<uint64_t, uint32_t> lane_by_hash[3];
  for (int layout = 0; layout < 3; ++layout) {
    for (uint32_t cls : order) {
      for (const std::string& key : req_->class_keys(static_cast<Layout>(layout), cls)) {
        lane_by_hash[layout].emplace(KeySet::hash(key), lane_of_class(cls));
      }
    }
    for (uint32_t cls : order) {
      for (const std::string& key : req_->class_keys(static_cast<Layout>(layout), cls)) {
        r->scan_keys[layout].add(key, lane_by_hash[layout].at(KeySet::hash(key)));
      }
    }
    r->scan_keys[layout].seal();
  }

  sets->assign(lanes, {});
  // Each use's literal into every lane holding a key its class can end on.
  uint32_t mask = 0, mask_class = UINT32_MAX;
  for (const auto& [cls, lit] : uses) {
    if (cls != mask_class) {
      mask_class = cls;
      mask = 0;
      if (cls == Requirements::kNoClass) {
        mask = (1u << lanes) - 1;
      } else {
        for (int layout = 0; layout < 3; ++layout) {
          for (const std::string& key : req_->class_keys(static_cast<Layout>(layout), cls)) {
            mask |= 1u << lane_by_hash[layout].at(KeySet::hash(key));
          }
        }
      }
      if (mask == 0) mask = 1;  // a field no key can hold: scanned with the rest, as ever
    }
    for (uint32_t k = 0; k < lanes; ++k) {
      if (mask & (1u << k)) (*sets)[k].push_back(lit);
    }
  }
  for (auto& set : *sets) {
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
  }
  add_unread_lane();
}

// Routes with the same literal set share a database; so do routes whose large sets nearly agree
// (Sysmon 1 and Security 4688 both carry the ~1,400 process_creation rules): a superset is as
// good for scanning, costs little more to scan, and saves a compile of ~0.1 s per 10,000
// literals.
void RuleIndex::share_databases() {
  // A literal that triggers no rule anywhere only confirms a requirement or lets a value test of
  // a woken rule be skipped. Such literals are a third of all; scanning for them makes the large
  // databases larger (compiling the 55 a hunt over the EVTX samples needs: 0.30 -> 0.44 s, done
  // once thanks to the cache), but a woken rule is then evaluated only when all its ANDed
  // literals are present: a process-creation event woke ~28 rules by `\cmd.exe` or
  // `\powershell.exe` and evaluated nearly all of them, for want of `assoc`, `rmdir`, ` -enc`...
  // (confirmed rules per event on the samples 3.2 -> 1.0, Matcher::match 340.4 M -> 333.6 M
  // instructions, a warm scan_bench 5-7 % less CPU). With scan_confirming off (tests) they are
  // left out, except those of rules tried on every event and those that spare a regex run.
  unscanned_.assign(req_->literals().size(), 0);
  if (!policy_.scan_confirming) {
    std::vector<uint8_t> trigger(req_->literals().size(), 0);
    for (const Pending& p : pending_) {
      for (const auto& lits : p.triggers) {
        for (uint32_t lit : lits) trigger[lit] = 1;
      }
      for (uint32_t lit : p.always_literals) trigger[lit] = 1;
    }
    for (uint32_t lit = 0; lit < unscanned_.size(); ++lit) {
      unscanned_[lit] = !trigger[lit] && !req_->worth_scanning(lit);
    }
    for (Pending& p : pending_) {
      for (auto& lane : p.lanes) std::erase_if(lane, [&](uint32_t lit) { return unscanned_[lit] != 0; });
    }
  }
  // Every lane of every route is a literal set to place.
  std::vector<std::pair<uint32_t, uint32_t>> slots;  // (route, lane)
  for (uint32_t ri = 0; ri < routes_.size(); ++ri) {
    routes_[ri]->lanes.resize(pending_[ri].lanes.size());
    for (uint32_t k = 0; k < pending_[ri].lanes.size(); ++k) slots.emplace_back(ri, k);
  }
  constexpr size_t kLarge = 1000;  // sets this big are worth comparing with the others
  auto set_of = [&](uint32_t slot) -> std::vector<uint32_t>& {
    return pending_[slots[slot].first].lanes[slots[slot].second];
  };
  std::vector<uint32_t> order(slots.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return set_of(a).size() > set_of(b).size(); });
  std::vector<uint32_t> large;  // databases with large sets
  std::vector<uint32_t> small;  // databases with small, non-empty sets
  std::map<std::vector<uint32_t>, uint32_t> exact;
  for (uint32_t si : order) {
    std::vector<uint32_t>& lits = set_of(si);
    uint32_t db = UINT32_MAX;
    if (auto it = exact.find(lits); it != exact.end()) db = it->second;
    if (db == UINT32_MAX && lits.size() >= kLarge && policy_.near_share) {
      for (uint32_t cand : large) {
        const auto& have = databases_[cand]->literals;
        std::vector<uint32_t> both;
        std::set_union(have.begin(), have.end(), lits.begin(), lits.end(), std::back_inserter(both));
        if (both.size() * 20 <= std::max(have.size(), lits.size()) * 21) {  // within 5%
          databases_[cand]->literals = std::move(both);
          db = cand;
          break;
        }
      }
    }
    if (db == UINT32_MAX && !lits.empty() && lits.size() < kLarge && policy_.near_share) {
      // A small set costs a compile of a few milliseconds whatever its size (74 of the 76
      // databases a hunt of the EVTX samples compiled were under 1,000 literals, and took 0.15 s
      // of its 0.36 s of compiling): one that a kept database covers with at most max(8, 1/8)
      // more literals shares it. Sets come largest first, so no member of a shared database
      // scans more than that many literals beyond its own.
      const size_t bound = lits.size() + std::max<size_t>(8, lits.size() / 8);
      for (uint32_t cand : small) {
        const auto& have = databases_[cand]->literals;
        if (have.size() > bound) continue;
        std::vector<uint32_t> both;
        std::set_union(have.begin(), have.end(), lits.begin(), lits.end(), std::back_inserter(both));
        if (both.size() <= bound) {
          databases_[cand]->literals = std::move(both);
          db = cand;
          break;
        }
      }
    }
    if (db == UINT32_MAX) {
      db = static_cast<uint32_t>(databases_.size());
      databases_.push_back(std::make_unique<Database>());
      databases_.back()->literals = lits;
      if (lits.size() >= kLarge) large.push_back(db);
      if (!lits.empty() && lits.size() < kLarge) small.push_back(db);
    }
    exact.emplace(lits, db);
    routes_[slots[si].first]->lanes[slots[si].second].database = db;
  }
  // Wake lists by position: a trigger literal wakes its rules from every lane whose database
  // holds it (the scan reports a literal once, from whichever lane sees it first).
  for (uint32_t ri = 0; ri < routes_.size(); ++ri) {
    Route& r = *routes_[ri];
    uint32_t total = 0;
    for (Route::Lane& lane : r.lanes) {
      lane.base = total;
      total += static_cast<uint32_t>(databases_[lane.database]->literals.size());
    }
    // (position, group) pairs, sorted: the wake lists in order, each rule once per literal.
    std::vector<std::pair<uint32_t, uint32_t>> wakes;
    const auto& triggers = pending_[ri].triggers;
    for (const Route::Lane& lane : r.lanes) {
      const auto& lits = databases_[lane.database]->literals;
      for (uint32_t g = 0; g < triggers.size(); ++g) {
        for (uint32_t lit : triggers[g]) {
          auto it = std::lower_bound(lits.begin(), lits.end(), lit);
          if (it != lits.end() && *it == lit) wakes.emplace_back(lane.base + static_cast<uint32_t>(it - lits.begin()), g);
        }
      }
    }
    std::sort(wakes.begin(), wakes.end());
    wakes.erase(std::unique(wakes.begin(), wakes.end()), wakes.end());
    r.wake_first.assign(total + 1, 0);
    for (const auto& [pos, g] : wakes) ++r.wake_first[pos + 1];
    for (size_t k = 1; k < r.wake_first.size(); ++k) r.wake_first[k] += r.wake_first[k - 1];
    r.wake.reserve(wakes.size());
    for (const auto& [pos, g] : wakes) r.wake.push_back(g);
  }
  pending_.clear();
  pending_.shrink_to_fit();
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

const LiteralDatabase* RuleIndex::database(const Route& route, size_t lane) const {
  if (lane >= route.lanes.size()) return nullptr;
  const Database& d = *databases_[route.lanes[lane].database];
  std::call_once(d.once, [&] {
    auto started = std::chrono::steady_clock::now();
    auto db = LiteralDatabase::build(req_->literals(), d.literals, cache_dir_);
    compile_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count();
    ++compiled_;
    if (db.ok() && db.value()->from_cache()) ++cached_;
    if (db.ok()) {
      d.db = std::move(db.value());
    } else {
      d.status = db.status();
    }
  });
  return d.db.get();
}

std::vector<std::pair<size_t, bool>> RuleIndex::database_sizes() const {
  std::vector<std::pair<size_t, bool>> out;
  for (const auto& d : databases_) out.emplace_back(d->literals.size(), d->db != nullptr);
  return out;
}

Status RuleIndex::compile_all() const {
  Status first;
  for (const auto& r : routes_) {
    for (size_t k = 0; k < r->lanes.size(); ++k) {
      if (!database(*r, k) && first.ok()) first = databases_[r->lanes[k].database]->status;
    }
  }
  return first;
}

}  // namespace vigil::sigma
