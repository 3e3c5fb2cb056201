// RuleSet: every Sigma rule loaded from files or folders (recursive, sorted), compiled and gated
// by log source, with a LoadReport of what was refused and why. Loading never fails as a whole:
// a broken rule is one {path, reason, category} entry and the rest load.
// A RuleSet is immutable after load() and shared read-only by every Matcher thread; do not move
// it while Matchers refer to it.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "detect/correlation_rule.h"
#include "detect/logsource.h"
#include "detect/modifiers.h"
#include "detect/rule.h"

namespace vigil::sigma {

class RuleIndex;

struct LoadOptions {
  // Log-source map; empty = the bundled config/logsources.yml.
  std::string logsources_file;
  // Placeholders for |expand; empty = the bundled config/placeholders.yml.
  std::string placeholders_file;
  // Placeholders added to (and overriding) those of the file.
  Placeholders placeholders;
  // Extra Sigma filter files or folders (the user's own exclusions), applied after loading.
  std::vector<std::string> filter_paths;
  // false = ignore logsource: every rule sees every event.
  bool gate_logsources = true;

  // Limits against hostile rule files (refusals in category "limit"; docs/robustness.md).
  // A rules file (or in-memory text) larger than this is refused unread.
  size_t max_file_bytes = 16u << 20;
  // Detection and correlation rules kept; documents past this are refused.
  size_t max_rules = 100000;
  // YAML nodes of one document counted with aliases expanded, and its nesting depth: aliases
  // can make a small file a huge (or cyclic) tree. SigmaHQ's largest rule has about 4500 nodes.
  size_t max_document_nodes = 200000;
  size_t max_document_depth = 64;
};

struct RuleProblem {
  std::string path;
  std::string reason;
  std::string category;  // yaml, schema, structure, modifier, value, regex, condition,
                         // placeholder, duplicate, filter, correlation, config, limit
  std::string id;        // when the rule got that far
  std::string title;
};

struct LoadReport {
  size_t files = 0;         // YAML files read
  size_t loaded = 0;        // detection rules loaded
  size_t correlations = 0;  // correlation rules loaded
  size_t filters = 0;       // filter documents applied
  std::vector<RuleProblem> refused;
  // Rules that loaded but can see no event (their Windows service/category is not mapped).
  std::vector<RuleProblem> unmapped;
};

class RuleSet {
 public:
  RuleSet() = default;
  RuleSet(RuleSet&&) = default;
  RuleSet& operator=(RuleSet&&) = default;
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Loads `paths` (files or folders; folders recursively, *.yml / *.yaml, sorted).
  static RuleSet load(const std::vector<std::string>& paths, const LoadOptions& options,
                      LoadReport* report);
  // Loads rules from YAML text (one or more documents); `origin` names it in problems.
  static RuleSet from_yaml(std::string_view yaml_text, const LoadOptions& options, LoadReport* report,
                           const std::string& origin = "<memory>");

  const std::vector<Rule>& rules() const { return rules_; }
  const std::vector<CorrelationRule>& correlations() const { return correlations_; }
  const LogSourceMap& logsources() const { return logsources_; }
  // Number of distinct field names the rules read (ids 0..field_count()-1, see FieldTest::field_id).
  size_t field_count() const { return field_names_.size(); }
  // The distinct literals of ValueTest::literal, lower-cased, by id.
  const std::vector<std::string>& literals() const { return literals_; }
  // Index of the rule with this id or name, or -1.
  int find(std::string_view id_or_name) const;
  // The matching index of these rules (detect/rule_index.h), built on first use (thread-safe)
  // and shared by every later caller.
  std::shared_ptr<const RuleIndex> index() const;

  // The directory holding the bundled config files (logsources.yml, placeholders.yml).
  static std::string default_config_dir();

 private:
  class Loader;
  void intern(Detection& d);
  std::vector<Rule> rules_;
  std::vector<std::string> field_names_;
  std::unordered_map<std::string, uint32_t> field_ids_;
  std::vector<std::string> literals_;
  std::unordered_map<std::string, uint32_t> literal_ids_;
  std::vector<CorrelationRule> correlations_;
  LogSourceMap logsources_;
  struct IndexSlot {
    std::once_flag once;
    std::shared_ptr<const RuleIndex> index;
  };
  std::shared_ptr<IndexSlot> index_slot_ = std::make_shared<IndexSlot>();
};

}  // namespace vigil::sigma
