// CorrelationRule: one Sigma correlation document (event_count, value_count, temporal,
// temporal_ordered, value_sum, value_avg, value_percentile) as loaded and resolved by a RuleSet.
// Plain data, immutable after loading; safe to read from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "detect/modifiers.h"

namespace YAML {
class Node;
}

namespace vigil::sigma {

enum class CorrelationType : uint8_t {
  kEventCount, kValueCount, kTemporal, kTemporalOrdered, kValueSum, kValueAvg, kValuePercentile,
};
std::string_view correlation_type_name(CorrelationType t);

enum class CountOp : uint8_t { kGt, kGte, kLt, kLte, kEq, kNeq };

// A referenced rule: a detection rule (index into RuleSet::rules) or another correlation.
struct CorrelationRef {
  bool is_correlation = false;
  uint32_t index = 0;
};

struct CorrelationRule {
  std::string path;
  std::string id, name, title, status, level, description, author, date, modified;
  std::vector<std::string> references, tags, falsepositives;
  CorrelationType type = CorrelationType::kEventCount;
  std::vector<std::string> rule_refs;     // as written (ids or names)
  std::vector<CorrelationRef> rules;      // resolved, same order
  std::vector<std::string> group_by;
  // alias -> (rule id or name -> field in that rule's events)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  int64_t timespan_us = 0;
  std::vector<std::pair<CountOp, double>> condition;  // AND-ed; empty for temporal = all rules
  std::string field;                                  // value_* correlations
  bool generate = false;

  bool condition_holds(double v) const;
};

// Parses the document (`correlation:` present). Rule references stay unresolved.
bool parse_correlation(const YAML::Node& doc, CorrelationRule* out, Refusal* why);
// "90m" -> microseconds; false on a malformed timespan.
bool parse_timespan(std::string_view text, int64_t* us);

}  // namespace vigil::sigma
