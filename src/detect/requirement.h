// Requirements: for every rule, a necessary condition for it to fire — a small AND/OR formula over
// "literal L occurs in some value of the event" atoms and "the event ID is one of ..." tests — and
// its trigger set, the literals of which at least one must occur. Built once per RuleSet;
// immutable after construction and shared read-only by every Matcher thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/ruleset.h"

namespace vigil::sigma {

class Requirements {
 public:
  explicit Requirements(const RuleSet& rules);
  Requirements(const Requirements&) = delete;
  Requirements& operator=(const Requirements&) = delete;

  static constexpr uint32_t kNoClass = UINT32_MAX;

  struct Node {
    enum Op : uint8_t { kTrue, kFalse, kLiteral, kEventId, kAnd, kOr };
    Op op = kTrue;
    uint32_t a = 0;  // kLiteral: literal id; kEventId, kAnd, kOr: first index into args
    uint32_t b = 0;  // kLiteral: field class (kNoClass = keyword); kEventId, kAnd, kOr: count
  };

  // Distinct literals of every atom, lower-cased (the prefilter scans for them caselessly).
  const std::vector<std::string>& literals() const { return literals_; }
  size_t rule_count() const { return roots_.size(); }
  size_t class_count() const { return class_names_.size(); }

  // The rule's trigger set on events with this ID (null = unknown): literal leaves of which one
  // must hold wherever the requirement holds, picked to be rare. Appends their literals and the
  // field classes that can stand in for them (see unsafe_classes) and returns true; returns
  // false when there is none (the requirement can hold with no literal present), in which case
  // the rule is a candidate on every event.
  bool trigger(uint32_t rule, const int64_t* event_id, std::vector<uint32_t>* literals,
               std::vector<uint32_t>* classes) const;

  // Field classes a container node with this key (ASCII lower-cased) makes unsafe: a field that
  // resolves to a container is matched against the container's JSON text, which the prefilter
  // does not scan, so its atoms must count as present. Null when the key concerns no class.
  const std::vector<uint32_t>* unsafe_classes(std::string_view lower_key) const;
  // Every key unsafe_classes() knows (lower-cased).
  std::vector<std::string_view> unsafe_keys() const;
  // True when some field may read a node keyed `xmlns` (otherwise the scan skips them, as
  // keyword search does).
  bool scan_xmlns() const { return scan_xmlns_; }

  // Evaluates a rule's requirement. `literal(id)` and `unsafe(class)` report atoms; `event_id`
  // is the event's ID when known (null = unknown: EventID tests count as true).
  template <typename LitFn, typename ClassFn>
  bool holds(uint32_t rule, LitFn&& literal, ClassFn&& unsafe, const int64_t* event_id) const {
    return eval(roots_[rule], literal, unsafe, event_id);
  }
  // Could the rule fire on an event with this ID at all (every atom assumed present)?
  bool possible(uint32_t rule, const int64_t* event_id) const {
    return holds(rule, [](uint32_t) { return true; }, [](uint32_t) { return true; }, event_id);
  }
  // Appends every event ID the rule's EventID leaves name.
  void event_ids(uint32_t rule, std::vector<int64_t>* out) const { collect_ids(roots_[rule], out); }
  // Appends the id of every literal the rule's requirement names.
  void literals_of(uint32_t rule, std::vector<uint32_t>* out) const { collect_literals(roots_[rule], out); }
  // Human-readable requirement of a rule (tests and debugging).
  std::string describe(uint32_t rule) const;

  // How rare a literal is guessed to be: one point per byte, more for bytes seldom seen in
  // logs. Literals under kMinScore are not atoms (they would match nearly every event).
  static int score(std::string_view literal);
  static constexpr int kMinScore = 3;

 private:
  friend class RequirementBuilder;
  struct Trigger;

  template <typename LitFn, typename ClassFn>
  bool eval(uint32_t n, LitFn& literal, ClassFn& unsafe, const int64_t* event_id) const {
    const Node& node = nodes_[n];
    switch (node.op) {
      case Node::kTrue: return true;
      case Node::kFalse: return false;
      case Node::kLiteral: return literal(node.a) || (node.b != kNoClass && unsafe(node.b));
      case Node::kEventId: return !event_id || has_id(node, *event_id);
      case Node::kAnd:
        for (uint32_t k = 0; k < node.b; ++k) {
          if (!eval(args_[node.a + k], literal, unsafe, event_id)) return false;
        }
        return true;
      case Node::kOr:
        for (uint32_t k = 0; k < node.b; ++k) {
          if (eval(args_[node.a + k], literal, unsafe, event_id)) return true;
        }
        return false;
    }
    return true;
  }
  bool has_id(const Node& node, int64_t id) const {
    for (uint32_t k = 0; k < node.b; ++k) {
      if (event_ids_[node.a + k] == id) return true;
    }
    return false;
  }
  Trigger trigger_of(uint32_t n, const int64_t* event_id) const;
  void describe(uint32_t n, std::string* out) const;
  void collect_ids(uint32_t n, std::vector<int64_t>* out) const;
  void collect_literals(uint32_t n, std::vector<uint32_t>* out) const;

  std::vector<Node> nodes_;
  std::vector<uint32_t> args_;      // children of kAnd / kOr
  std::vector<int64_t> event_ids_;  // values of kEventId
  std::vector<uint32_t> roots_;     // per rule
  std::vector<std::string> literals_;
  std::vector<int> literal_scores_;
  std::vector<std::string> class_names_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::vector<uint32_t>, Hash, std::equal_to<>> unsafe_keys_;
  bool scan_xmlns_ = false;
};

}  // namespace vigil::sigma
