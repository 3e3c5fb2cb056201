// Parsing a correlation document: the `correlation` map's type, rules, group-by, timespan,
// condition (one or more comparison terms, AND-ed, plus `field` for the value_* types),
// aliases and generate. Temporal types may omit the condition (all rules must appear).
#include "detect/correlation_rule.h"

#include <yaml-cpp/yaml.h>

#include "core/text.h"

namespace vigil::sigma {
namespace {

bool refuse(Refusal* why, std::string reason) {
  why->category = "correlation";
  why->reason = std::move(reason);
  return false;
}

std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : std::string(); }

std::vector<std::string> scalars(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n && n.IsScalar()) out.push_back(n.Scalar());
  if (n && n.IsSequence()) {
    for (const auto& i : n) {
      if (i.IsScalar()) out.push_back(i.Scalar());
    }
  }
  return out;
}

}  // namespace

std::string_view correlation_type_name(CorrelationType t) {
  switch (t) {
    case CorrelationType::kEventCount: return "event_count";
    case CorrelationType::kValueCount: return "value_count";
    case CorrelationType::kTemporal: return "temporal";
    case CorrelationType::kTemporalOrdered: return "temporal_ordered";
    case CorrelationType::kValueSum: return "value_sum";
    case CorrelationType::kValueAvg: return "value_avg";
    case CorrelationType::kValuePercentile: return "value_percentile";
  }
  return "?";
}

bool parse_timespan(std::string_view text, int64_t* us) {
  text = trim(text);
  if (text.size() < 2) return false;
  char unit = text.back();
  int64_t n;
  if (!parse_int(text.substr(0, text.size() - 1), &n) || n <= 0) return false;
  int64_t mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400
               : unit == 'w' ? 7 * 86400 : 0;
  if (mult == 0) return false;
  *us = n * mult * 1000000;
  return true;
}

bool CorrelationRule::condition_holds(double v) const {
  for (const auto& [op, x] : condition) {
    bool ok = op == CountOp::kGt ? v > x : op == CountOp::kGte ? v >= x : op == CountOp::kLt ? v < x
            : op == CountOp::kLte ? v <= x : op == CountOp::kEq ? v == x : v != x;
    if (!ok) return false;
  }
  return true;
}

bool parse_correlation(const YAML::Node& doc, CorrelationRule* out, Refusal* why) {
  try {
    out->id = scalar(doc["id"]);
    out->name = scalar(doc["name"]);
    out->title = scalar(doc["title"]);
    out->status = scalar(doc["status"]);
    out->level = scalar(doc["level"]);
    out->description = scalar(doc["description"]);
    out->author = scalar(doc["author"]);
    out->date = scalar(doc["date"]);
    out->modified = scalar(doc["modified"]);
    out->references = scalars(doc["references"]);
    out->tags = scalars(doc["tags"]);
    out->falsepositives = scalars(doc["falsepositives"]);
    if (out->title.empty()) return refuse(why, "missing 'title'");
    YAML::Node c = doc["correlation"];
    if (!c.IsMap()) return refuse(why, "'correlation' is not a map");
    std::string type = scalar(c["type"]);
    static constexpr std::pair<std::string_view, CorrelationType> kTypes[] = {
        {"event_count", CorrelationType::kEventCount}, {"value_count", CorrelationType::kValueCount},
        {"temporal", CorrelationType::kTemporal}, {"temporal_ordered", CorrelationType::kTemporalOrdered},
        {"value_sum", CorrelationType::kValueSum}, {"value_avg", CorrelationType::kValueAvg},
        {"value_percentile", CorrelationType::kValuePercentile},
    };
    bool known = false;
    for (const auto& [n, t] : kTypes) {
      if (type == n) {
        out->type = t;
        known = true;
      }
    }
    if (!known) return refuse(why, "unknown correlation type '" + type + "'");
    out->rule_refs = scalars(c["rules"]);
    if (out->rule_refs.empty()) return refuse(why, "correlation has no 'rules'");
    out->group_by = scalars(c["group-by"]);
    std::string ts = scalar(c["timespan"]);
    if (ts.empty()) ts = scalar(c["timeframe"]);
    if (!parse_timespan(ts, &out->timespan_us)) return refuse(why, "bad or missing 'timespan' '" + ts + "'");
    if (c["generate"]) out->generate = scalar(c["generate"]) == "true";
    if (YAML::Node a = c["aliases"]; a && a.IsMap()) {
      for (const auto& kv : a) {
        auto& m = out->aliases[kv.first.as<std::string>()];
        if (!kv.second.IsMap()) return refuse(why, "alias '" + kv.first.as<std::string>() + "' is not a map");
        for (const auto& rf : kv.second) m[rf.first.as<std::string>()] = rf.second.as<std::string>();
      }
    }
    YAML::Node cond = c["condition"];
    const bool temporal = out->type == CorrelationType::kTemporal || out->type == CorrelationType::kTemporalOrdered;
    if (cond && cond.IsMap()) {
      for (const auto& kv : cond) {
        std::string key = kv.first.as<std::string>();
        if (key == "field") {
          out->field = scalar(kv.second);
          if (out->field.empty() && kv.second.IsSequence() && kv.second.size() > 0) {
            out->field = scalar(kv.second[0]);
          }
          continue;
        }
        static constexpr std::pair<std::string_view, CountOp> kOps[] = {
            {"gt", CountOp::kGt}, {"gte", CountOp::kGte}, {"lt", CountOp::kLt},
            {"lte", CountOp::kLte}, {"eq", CountOp::kEq}, {"neq", CountOp::kNeq}};
        bool found = false;
        for (const auto& [n, op] : kOps) {
          if (key != n) continue;
          double v;
          if (!parse_double(trim(scalar(kv.second)), &v)) return refuse(why, "condition '" + key + "' is not a number");
          out->condition.emplace_back(op, v);
          found = true;
        }
        if (!found) return refuse(why, "unknown condition operator '" + key + "'");
      }
    } else if (cond) {
      return refuse(why, "'condition' is not a map");
    }
    if (!temporal && out->condition.empty()) return refuse(why, "correlation needs a condition");
    const bool valued = out->type == CorrelationType::kValueCount || out->type == CorrelationType::kValueSum ||
                        out->type == CorrelationType::kValueAvg || out->type == CorrelationType::kValuePercentile;
    if (valued && out->field.empty()) return refuse(why, "condition needs 'field' for " + type);
    if (out->type == CorrelationType::kTemporalOrdered && out->rule_refs.size() < 2) {
      return refuse(why, "temporal_ordered needs at least two rules");
    }
  } catch (const std::exception& e) {
    why->category = "yaml";
    why->reason = std::string("correlation: ") + e.what();
    return false;
  }
  return true;
}

}  // namespace vigil::sigma
