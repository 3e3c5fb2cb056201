// Compiling a detection section.
//
// The YAML shapes map onto one structure: a map is one AND-branch, a list of maps is several
// branches OR-ed, and bare scalars (a list or a single one) are keyword searches, which become a
// field test with no field. Each map item goes through build_field_test (modifiers.cc), so every
// value rule lives in one place. The condition is parsed last, against the identifiers in rule
// order. `timeframe` (a Sigma v1 aggregation companion) is accepted and ignored.
#include "detect/detection.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/text.h"

namespace vigil::sigma {
namespace {

// 'key', for refusal reasons. (Built by append: `"'" + std::string` trips GCC 12's -Wrestrict,
// a false positive, GCC bug 105329.)
std::string quoted(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 2);
  out.append(1, '\'').append(key).append(1, '\'');
  return out;
}

bool refuse(Refusal* why, std::string category, std::string reason) {
  why->category = std::move(category);
  why->reason = std::move(reason);
  return false;
}

bool scalars_of(const YAML::Node& node, std::vector<RawValue>* out, std::string_view key, Refusal* why) {
  if (node.IsNull()) {
    out->push_back({RawValue::kNull, {}});
    return true;
  }
  if (node.IsScalar()) {
    out->push_back(raw_value(node));
    return true;
  }
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (item.IsNull()) {
        out->push_back({RawValue::kNull, {}});
      } else if (item.IsScalar()) {
        out->push_back(raw_value(item));
      } else {
        return refuse(why, "structure", quoted(key) + " holds a nested list or map");
      }
    }
    if (out->empty()) return refuse(why, "value", quoted(key) + " has an empty list");
    return true;
  }
  return refuse(why, "structure", quoted(key) + " holds a map, not values");
}

bool compile_map(const YAML::Node& map, const Placeholders* ph, std::vector<FieldTest>* branch,
                 Refusal* why) {
  if (map.size() == 0) return refuse(why, "structure", "empty map in a search identifier");
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    std::vector<RawValue> values;
    if (!scalars_of(kv.second, &values, key, why)) return false;
    FieldTest t;
    if (!build_field_test(key, values, ph, &t, why)) {
      why->reason = "'" + key + "': " + why->reason;
      return false;
    }
    branch->push_back(std::move(t));
  }
  return true;
}

bool compile_selection(const std::string& name, const YAML::Node& node, const Placeholders* ph,
                       Selection* out, Refusal* why) {
  if (node.IsMap()) {
    out->branches.emplace_back();
    return compile_map(node, ph, &out->branches.back(), why);
  }
  std::vector<RawValue> keywords;
  if (node.IsScalar()) {
    keywords.push_back(raw_value(node));
  } else if (node.IsSequence()) {
    if (node.size() == 0) return refuse(why, "structure", "search identifier '" + name + "' is empty");
    for (const auto& item : node) {
      if (item.IsMap()) {
        out->branches.emplace_back();
        if (!compile_map(item, ph, &out->branches.back(), why)) return false;
      } else if (item.IsScalar()) {
        keywords.push_back(raw_value(item));
      } else {
        return refuse(why, "structure", "search identifier '" + name + "' has a null or nested list item");
      }
    }
  } else {
    return refuse(why, "structure", "search identifier '" + name + "' is empty");
  }
  if (!keywords.empty()) {
    // Keywords are free-text searches: a plain word matches anywhere in a value.
    FieldTest t;
    if (!build_field_test("", keywords, ph, &t, why)) return false;
    out->branches.push_back({std::move(t)});
  }
  return true;
}

}  // namespace

RawValue raw_value(const YAML::Node& scalar) {
  const std::string& s = scalar.Scalar();
  if (scalar.Tag() == "!") return {RawValue::kString, s};  // quoted
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return {RawValue::kNull, {}};
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return {RawValue::kBool, to_lower(s)};
  }
  double d;
  if (parse_double(s, &d) && s.find_first_of("xX") == std::string::npos) return {RawValue::kNumber, s};
  return {RawValue::kString, s};
}

bool Selection::matches(EvalContext& ctx) const {
  for (const auto& branch : branches) {
    bool all = true;
    for (const FieldTest& t : branch) {
      if (!t.matches(ctx)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool Detection::compile(const YAML::Node& detection, const Placeholders* ph, Detection* out, Refusal* why) {
  *out = Detection();
  try {
    if (!detection.IsMap()) return refuse(why, "structure", "'detection' is not a map");
    std::vector<std::string> conditions;
    for (const auto& kv : detection) {
      std::string key = kv.first.as<std::string>();
      if (key == "condition") {
        if (kv.second.IsScalar()) {
          conditions.push_back(kv.second.Scalar());
        } else if (kv.second.IsSequence()) {
          for (const auto& c : kv.second) {
            if (!c.IsScalar()) return refuse(why, "condition", "a condition list item is not text");
            conditions.push_back(c.Scalar());
          }
        } else {
          return refuse(why, "condition", "'condition' is empty");
        }
        continue;
      }
      if (key == "timeframe") continue;
      out->identifiers_.push_back(key);
      out->selections_.emplace_back();
      if (!compile_selection(key, kv.second, ph, &out->selections_.back(), why)) {
        if (why->reason.find(key) == std::string::npos) why->reason = key + ": " + why->reason;
        return false;
      }
    }
    if (conditions.empty()) return refuse(why, "condition", "detection has no condition");
    if (out->identifiers_.empty()) return refuse(why, "structure", "detection has no search identifier");
    std::string error;
    if (!Condition::parse(conditions, out->identifiers_, &out->condition_, &error)) {
      return refuse(why, "condition", error);
    }
  } catch (const std::exception& e) {
    return refuse(why, "yaml", std::string("detection: ") + e.what());
  }
  return true;
}

std::vector<std::string> Detection::fields() const {
  std::vector<std::string> out;
  for (const Selection& s : selections_) {
    for (const auto& b : s.branches) {
      for (const FieldTest& t : b) {
        if (!t.field.empty() && std::find(out.begin(), out.end(), t.field) == out.end()) {
          out.push_back(t.field);
        }
      }
    }
  }
  return out;
}

}  // namespace vigil::sigma
