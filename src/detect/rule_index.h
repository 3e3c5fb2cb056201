// RuleIndex: a RuleSet filed for matching — every kind of event (Windows channel and event ID,
// or non-Windows) gets a route listing the rules it can meet, the rules to wake per literal seen,
// and a literal database. Immutable after construction except that each literal database is
// compiled on first use (thread-safe); shared read-only by every Matcher thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "detect/prefilter.h"
#include "detect/requirement.h"
#include "detect/ruleset.h"

namespace vigil::sigma {

// When a route's scan is split into lanes (see RuleIndex::Route::lanes).
struct LanePolicy {
  size_t min_route = 3000;  // a route with fewer literals keeps one lane
  size_t min_class = 300;   // a field class with fewer literals than this gets no lane
  size_t min_share = 10;    // nor one with fewer than 1/min_share of the route's (0: no such bound)
  size_t max_lanes = 4;     // lanes per route, the rest lane included (at most LiteralScan::kMaxLanes)
  bool near_share = true;   // a literal set may use a database of a near superset (share_databases)
  // Literals that trigger no rule (they only confirm a woken rule, or let a value test be
  // skipped) are scanned for too; false leaves them out of every database, so they count as
  // present (RuleIndex::unscanned).
  bool scan_confirming = true;
  // A route with keyword searches scans the strings no field reads, when at least this long,
  // in a lane of its own whose database holds only the keyword literals (0: no such lane).
  size_t unread_min = 64;
  // The classes with most literals get lanes however small, each its own database, and only
  // trigger literals are scanned for (tests: lanes on small rule sets, and the unscanned path).
  static LanePolicy always() { return {0, 1, 0, LiteralScan::kMaxLanes, false, false}; }
};

class RuleIndex {
 public:
  explicit RuleIndex(const RuleSet& rules, LanePolicy lanes = {});
  RuleIndex(const RuleIndex&) = delete;
  RuleIndex& operator=(const RuleIndex&) = delete;

  struct Entry {
    uint32_t rule;
    const Renames* renames;    // the variant's renames, null = none
    bool check_hints = false;  // a non-Windows rule: the event's hint fields must not contradict it
  };
  // One rule with a trigger set in a route, and its entries (one per log-source variant).
  struct Group {
    uint32_t rule;
    uint32_t first, count;  // into Route::triggered
    // The requirement is an OR of exactly the trigger literals: woken means it holds, and it
    // need not be checked (Requirements::or_of_literals).
    bool woken_holds = false;
  };
  // The rules one kind of event (channel, event ID) can meet, rules that cannot fire on that
  // event ID already left out.
  struct Route {
    std::vector<Entry> always;     // rules without a trigger set: tried on every event
    std::vector<Entry> triggered;  // rules with one, sorted by rule
    std::vector<Group> groups;     // triggered, one per rule
    // The scan is split into lanes: each a set of keys (scan_keys) whose values it scans with
    // a database of only the literals tests on those keys, and keyword searches, look for.
    // Lane k's database (see RuleIndex::database) numbers its literals from lanes[k].base on:
    // the literal at position p of the route (base + position in its lane's database)
    // wakes groups wake[wake_first[p] .. wake_first[p + 1]).
    struct Lane {
      uint32_t database = 0;
      uint32_t base = 0;
    };
    std::vector<Lane> lanes;
    std::vector<uint32_t> wake_first;
    std::vector<uint32_t> wake;
    std::vector<std::pair<uint32_t, uint32_t>> class_wakes;  // (field class, group), sorted
    KeyLanes scan_keys[3];  // per Layout: keys of the values the route's rules can read -> lane
    bool scan_all = false;  // a keyword search reads every string: the unlisted ones go to lane 0
    UnreadLane unread;      // ... or, the long ones, to a lane of the keyword literals only
  };
  // `lower_channel`: the event's Channel lower-cased, empty for a non-Windows event.
  // `event_id`: null when the event has no integer EventID.
  const Route& route(std::string_view lower_channel, const int64_t* event_id) const;

  const Requirements& requirements() const { return *req_; }
  // Literals no database holds (1 = never scanned for, so they count as present): with
  // LanePolicy::scan_confirming off, those that trigger no rule, belong to no rule tried on every
  // event and spare no regex run; otherwise none.
  const std::vector<uint8_t>& unscanned() const { return unscanned_; }
  // The literal database of a route's triggered rules, compiled on first use (thread-safe);
  // null if vectorscan refused it (the matcher then tries every rule of the route).
  const LiteralDatabase* database(const Route& route, size_t lane = 0) const;
  size_t database_count() const { return databases_.size(); }
  size_t route_count() const { return routes_.size(); }
  // Compiles every database now (otherwise each is compiled when first needed); returns the
  // first failure, if any.
  Status compile_all() const;
  // Literal count of each database, and whether it is compiled yet (for statistics).
  std::vector<std::pair<size_t, bool>> database_sizes() const;
  // Databases made so far (compiled or loaded from the cache), how many came from the cache
  // (LoadOptions::literal_cache_dir), and the time spent making them.
  size_t compiled_count() const { return compiled_.load(); }
  size_t cached_count() const { return cached_.load(); }
  double compile_seconds() const { return compile_ns_.load() / 1e9; }

 private:
  struct Family {
    std::unordered_map<int64_t, uint32_t> by_event_id;
    uint32_t other_id = 0;  // an event ID none of the family's rules names
    uint32_t no_id = 0;     // no event ID
  };
  // One literal set; routes with the same set share it.
  struct Database {
    std::vector<uint32_t> literals;  // global literal ids, sorted
    mutable std::once_flag once;
    mutable std::shared_ptr<const LiteralDatabase> db;
    mutable Status status;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  Family make_family(const std::vector<Entry>& base,
                     const std::unordered_map<int64_t, std::vector<Entry>>& extra);
  uint32_t make_route(std::vector<Entry> entries, const int64_t* event_id);
  void make_lanes(Route* r, const std::vector<uint32_t>& route_literals, std::vector<std::vector<uint32_t>>* sets);
  void share_databases();

  std::unique_ptr<Requirements> req_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::unique_ptr<Database>> databases_;
  // While building: per route, its literal set and each group's trigger literals.
  struct Pending {
    std::vector<std::vector<uint32_t>> lanes;  // per lane: its literal set, sorted
    std::vector<std::vector<uint32_t>> triggers;
    std::vector<uint32_t> always_literals;  // of the rules tried on every event
  };
  std::vector<Pending> pending_;
  std::vector<uint8_t> unscanned_;
  std::unordered_map<std::string, Family, Hash, std::equal_to<>> channels_;
  Family windows_other_;  // Windows channels no rule names
  Family non_windows_;
  std::string cache_dir_;
  LanePolicy policy_;
  mutable std::atomic<size_t> compiled_{0}, cached_{0};
  mutable std::atomic<uint64_t> compile_ns_{0};
};

}  // namespace vigil::sigma
