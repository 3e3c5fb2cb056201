// Condition: a rule's `condition` (one expression or a list of them, OR-ed) compiled into a small
// boolean tree over the rule's search identifiers: and/or/not, parentheses, `1|any|all|N of X*`,
// `... of them`. Immutable after parse; eval() is const and safe from any number of threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::sigma {

class Condition {
 public:
  // Parses `texts` (OR-ed) against `identifiers` (the detection's search identifiers, in rule
  // order). On error returns false with a message naming the problem.
  static bool parse(const std::vector<std::string>& texts, const std::vector<std::string>& identifiers,
                    Condition* out, std::string* error);

  // `sel(i)` evaluates search identifier i; it is called lazily (short-circuit).
  template <typename SelFn>
  bool eval(SelFn&& sel) const {
    return eval_node(root_, sel);
  }
  // Identifiers the condition refers to (for "unused identifier" notes and the prefilter).
  const std::vector<uint32_t>& referenced() const { return referenced_; }
  std::string to_string(const std::vector<std::string>& identifiers) const;

  // Read-only view of the tree (for the prefilter, which derives a necessary condition from it).
  enum Op : uint8_t { kRef, kAnd, kOr, kNot, kAtLeast };
  bool empty() const { return nodes_.empty(); }
  uint32_t root() const { return root_; }
  Op op(uint32_t n) const { return nodes_[n].op; }
  // kRef: the identifier index; kAtLeast: the count.
  uint32_t arg(uint32_t n) const { return nodes_[n].arg; }
  std::span<const uint32_t> kids(uint32_t n) const {
    return {kids_.data() + nodes_[n].first, nodes_[n].count};
  }

 private:
  struct Node {
    Op op;
    uint32_t arg = 0;    // kRef: identifier index; kAtLeast: the count
    uint32_t first = 0;  // children in kids_[first, first + count)
    uint32_t count = 0;
  };
  friend class ConditionParser;

  template <typename SelFn>
  bool eval_node(uint32_t n, SelFn& sel) const {
    const Node& node = nodes_[n];
    switch (node.op) {
      case kRef: return sel(node.arg);
      case kNot: return !eval_node(kids_[node.first], sel);
      case kAnd:
        for (uint32_t k = 0; k < node.count; ++k) {
          if (!eval_node(kids_[node.first + k], sel)) return false;
        }
        return true;
      case kOr:
        for (uint32_t k = 0; k < node.count; ++k) {
          if (eval_node(kids_[node.first + k], sel)) return true;
        }
        return false;
      case kAtLeast: {
        uint32_t hits = 0;
        for (uint32_t k = 0; k < node.count; ++k) {
          if (eval_node(kids_[node.first + k], sel) && ++hits >= node.arg) return true;
        }
        return false;
      }
    }
    return false;
  }
  void describe(uint32_t n, const std::vector<std::string>& ids, std::string* out) const;

  std::vector<Node> nodes_;
  std::vector<uint32_t> kids_;
  std::vector<uint32_t> referenced_;
  uint32_t root_ = 0;
};

}  // namespace vigil::sigma
