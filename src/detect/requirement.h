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

#include "core/fields.h"
#include "detect/key_set.h"
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

  // Field classes a container node with this key makes unsafe in an event of this layout: a
  // field that resolves to a container is matched against the container's JSON text, which the
  // prefilter does not scan, so its atoms must count as present. `key_hash` is
  // KeySet::hash(key); keys are screened with unsafe_keys() first. Null when the key concerns no
  // class (hash collisions may add classes).
  const KeySet& unsafe_keys(Layout layout) const { return unsafe_set_[static_cast<int>(layout)]; }
  const std::vector<uint32_t>* unsafe_classes(Layout layout, uint64_t key_hash) const;
  // The RuleSet field ids (FieldTest::field_id) of a class: the spellings of one field name.
  const std::vector<uint32_t>& class_fields(uint32_t field_class) const { return class_fields_[field_class]; }
  const std::string& class_name(uint32_t field_class) const { return class_names_[field_class]; }
  // True when some field may read a node keyed `xmlns` (otherwise a scan of every value skips
  // them, as keyword search does).
  bool scan_xmlns() const { return scan_xmlns_; }

  // Evaluates a rule's requirement. `literal(id)` and `unsafe(class)` report atoms; `event_id`
  // is the event's ID when known (null = unknown: EventID tests count as true).
  template <typename LitFn, typename ClassFn>
  bool holds(uint32_t rule, LitFn&& literal, ClassFn&& unsafe, const int64_t* event_id) const {
    return eval(roots_[rule], literal, unsafe, event_id);
  }
  // True when the rule's requirement is one literal leaf or an OR of literal leaves (appended to
  // `literals`): it then holds whenever one of them is seen, or its field class is unsafe.
  bool or_of_literals(uint32_t rule, std::vector<uint32_t>* literals) const;
  // Could the rule fire on an event with this ID at all (every atom assumed present)?
  bool possible(uint32_t rule, const int64_t* event_id) const {
    return holds(rule, [](uint32_t) { return true; }, [](uint32_t) { return true; }, event_id);
  }
  // Appends every event ID the rule's EventID leaves name.
  void event_ids(uint32_t rule, std::vector<int64_t>* out) const { collect_ids(roots_[rule], out); }
  // Appends the id of every literal the rule's requirement names or its value tests skip by
  // (ValueTest::literal): a scan for the rule must look for all of them.
  void literals_of(uint32_t rule, std::vector<uint32_t>* out) const;
  // Appends (field class, literal) for every literal literals_of() gives, for each class that
  // may look for it (repeats included, in no order): the class of each requirement leaf and of
  // each value test naming it (kNoClass: a keyword search). A scan split by field (RuleIndex lanes) must find the literal
  // in every value those classes can read.
  void literal_uses(uint32_t rule, std::vector<std::pair<uint32_t, uint32_t>>* out) const {
    out->insert(out->end(), rule_uses_.begin() + rule_use_first_[rule], rule_uses_.begin() + rule_use_first_[rule + 1]);
  }
  // The field classes the rule reads (sorted), and whether it has keyword searches.
  std::span<const uint32_t> rule_classes(uint32_t rule) const {
    return {rule_classes_.data() + rule_class_first_[rule], rule_class_first_[rule + 1] - rule_class_first_[rule]};
  }
  bool keywords(uint32_t rule) const { return rule_keywords_[rule] != 0; }
  // The node keys (lower-cased) a field of the class can end on in this layout, renames included.
  const std::vector<std::string>& class_keys(Layout layout, uint32_t field_class) const {
    return class_keys_[static_cast<int>(layout)][field_class];
  }
  // True for a literal that spares a regex run wherever it is absent (a regex value test's
  // ValueTest::literal): worth scanning for even where it triggers nothing.
  bool worth_scanning(uint32_t literal) const {
    return literal < worth_scanning_.size() && worth_scanning_[literal] != 0;
  }
  // Human-readable requirement of a rule (tests and debugging).
  std::string describe(uint32_t rule) const;

 private:
  friend class RequirementBuilder;

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
  bool trigger_score(uint32_t n, const int64_t* event_id, int* score) const;
  uint32_t best_child(const Node& node, const int64_t* event_id, int* score) const;
  void trigger_leaves(uint32_t n, const int64_t* event_id, std::vector<uint32_t>* leaves) const;
  void describe(uint32_t n, std::string* out) const;
  void collect_ids(uint32_t n, std::vector<int64_t>* out) const;
  void collect_literals(uint32_t n, std::vector<uint32_t>* out) const;
  void collect_uses(uint32_t n, std::vector<std::pair<uint32_t, uint32_t>>* out) const;

  std::vector<Node> nodes_;
  std::vector<uint32_t> args_;      // children of kAnd / kOr
  std::vector<int64_t> event_ids_;  // values of kEventId
  std::vector<uint32_t> roots_;     // per rule
  std::vector<uint32_t> rule_literals_, rule_literal_first_;  // per rule, see literals_of
  std::vector<std::pair<uint32_t, uint32_t>> rule_uses_;  // per rule, see literal_uses
  std::vector<uint32_t> rule_use_first_;
  std::vector<std::string> literals_;
  std::vector<int> literal_scores_;
  std::vector<uint8_t> worth_scanning_;  // per literal, see worth_scanning()
  std::vector<std::string> class_names_;
  std::vector<std::vector<uint32_t>> class_fields_;
  static constexpr int kLayouts = 3;
  std::vector<std::vector<std::string>> class_keys_[kLayouts];  // per layout, class: end keys
  std::vector<uint32_t> rule_classes_, rule_class_first_;  // per rule: classes read
  std::vector<uint8_t> rule_keywords_;                     // per rule: has keyword searches
  KeySet unsafe_set_[kLayouts];
  std::unordered_map<uint64_t, std::vector<uint32_t>> unsafe_by_hash_[kLayouts];
  bool scan_xmlns_ = false;
};

}  // namespace vigil::sigma
