// Rule: one loaded Sigma detection rule — every metadata field of the v2.1 rule spec as written,
// the compiled detection, the log-source gate and any filters applied to it.
// Owned by a RuleSet; immutable after loading and safe to read from any number of threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "detect/detection.h"
#include "detect/logsource.h"

namespace vigil::sigma {

struct RelatedRule {
  std::string id;
  std::string type;  // derived, obsolete, merged, renamed, similar
};

struct Rule {
  // Where it came from.
  std::string path;
  size_t document = 0;  // 0-based YAML document index within the file

  // Metadata, as written (empty when absent).
  std::string id, name, title, status, level, description, author, date, modified, license,
      taxonomy;
  std::vector<std::string> references, tags, fields, falsepositives, scope;
  std::vector<RelatedRule> related;
  LogSource logsource;

  // Compiled.
  Detection detection;
  Gate gate;
  // Sigma filters applied to this rule (each must also hold for a match).
  std::vector<std::shared_ptr<const Detection>> filters;

  // Detection and filters over an event already admitted by the gate.
  bool matches(EvalContext& ctx) const {
    if (!detection.matches(ctx)) return false;
    for (const auto& f : filters) {
      if (!f->matches(ctx)) return false;
    }
    return true;
  }
  // ATT&CK tags (attack.*), for listings.
  std::vector<std::string> attack_tags() const;
};

}  // namespace vigil::sigma
