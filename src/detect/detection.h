// Detection: a rule's compiled `detection` section — its search identifiers (each an OR of
// AND-ed field tests) and the condition over them. Also used for a filter's selection.
// Immutable after compile(); matches() is const and thread-safe given a per-thread EvalContext.
#pragma once

#include <string>
#include <vector>

#include "detect/condition.h"
#include "detect/field_test.h"
#include "detect/modifiers.h"

namespace YAML {
class Node;
}

namespace vigil::sigma {

// One search identifier: OR over branches, each branch an AND of field tests.
struct Selection {
  std::vector<std::vector<FieldTest>> branches;
  bool matches(EvalContext& ctx) const;
};

class Detection {
 public:
  // Compiles a YAML `detection` map. yaml-cpp exceptions never escape. On failure returns false
  // and fills `why`.
  static bool compile(const YAML::Node& detection, const Placeholders* placeholders,
                      Detection* out, Refusal* why);

  bool matches(EvalContext& ctx) const {
    return condition_.eval([&](uint32_t i) { return selections_[i].matches(ctx); });
  }

  const std::vector<std::string>& identifiers() const { return identifiers_; }
  const std::vector<Selection>& selections() const { return selections_; }
  const Condition& condition() const { return condition_; }
  // Visits every field test (the RuleSet interns field names through this).
  template <typename Fn>
  void for_each_test(Fn&& fn) {
    for (Selection& s : selections_) {
      for (auto& branch : s.branches) {
        for (FieldTest& t : branch) fn(t);
      }
    }
  }
  template <typename Fn>
  void for_each_test(Fn&& fn) const {
    for (const Selection& s : selections_) {
      for (const auto& branch : s.branches) {
        for (const FieldTest& t : branch) fn(t);
      }
    }
  }
  // Every field name the detection reads (for listings and the field-coverage report).
  std::vector<std::string> fields() const;

 private:
  std::vector<std::string> identifiers_;
  std::vector<Selection> selections_;
  Condition condition_;
};

// Reads a YAML scalar the way Sigma means it (quoted = string; plain = number/bool/null/string).
RawValue raw_value(const YAML::Node& scalar);

}  // namespace vigil::sigma
