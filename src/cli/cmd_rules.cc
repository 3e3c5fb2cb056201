// `vigil rules check|list`: load Sigma rules and show what loaded, what was refused and why
// (check), or the loaded rules' metadata with filters (list). Thin wrapper over detect/ruleset.h.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "detect/ruleset.h"

namespace vigil::cli {
namespace {

using sigma::LoadOptions;
using sigma::LoadReport;
using sigma::RuleSet;

void write_list(JsonWriter& w, const std::vector<std::string>& items) {
  w.begin_array();
  for (const std::string& item : items) w.value(item);
  w.end_array();
}

struct Common {
  std::vector<std::string> paths;
  std::string format;
  std::string logsources, placeholders;
  std::vector<std::string> filters;
  LoadOptions options() const {
    LoadOptions o;
    o.logsources_file = logsources;
    o.placeholders_file = placeholders;
    o.filter_paths = filters;
    return o;
  }
};

void add_common(CLI::App& app, Common& c) {
  app.add_option("paths", c.paths, "Rule files or folders (recursive)")->required();
  app.add_option("--logsources", c.logsources, "Log-source map (default: bundled config/logsources.yml)");
  app.add_option("--placeholders", c.placeholders, "Placeholder values for |expand (default: bundled)");
  app.add_option("--filters", c.filters, "Sigma filter files or folders to apply");
}

int check(const Common& c) {
  LoadReport report;
  RuleSet set = RuleSet::load(c.paths, c.options(), &report);
  std::map<std::string, size_t> by_reason;  // category -> count
  for (const auto& p : report.refused) by_reason[p.category]++;
  if (c.format == "json") {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("files", uint64_t{report.files}).field("loaded", uint64_t{report.loaded});
    w.field("correlations", uint64_t{report.correlations}).field("filters", uint64_t{report.filters});
    w.field("refused", uint64_t{report.refused.size()});
    w.key("by_reason").begin_object();
    for (const auto& [k, n] : by_reason) w.field(k, uint64_t{n});
    w.end_object();
    w.key("refused_rules").begin_array();
    for (const auto& p : report.refused) {
      w.begin_object().field("path", p.path).field("reason", p.reason).field("category", p.category);
      w.field("id", p.id).field("title", p.title).end_object();
    }
    w.end_array();
    w.key("unmapped").begin_array();
    for (const auto& p : report.unmapped) w.begin_object().field("path", p.path).field("reason", p.reason).end_object();
    w.end_array().end_object();
    out += '\n';
    std::fputs(out.c_str(), stdout);
  } else {
    std::printf("files: %zu  loaded: %zu  correlations: %zu  filters: %zu  refused: %zu\n", report.files,
                report.loaded, report.correlations, report.filters, report.refused.size());
    if (!by_reason.empty()) {
      std::printf("\nrefused by reason:\n");
      for (const auto& [k, n] : by_reason) std::printf("  %-12s %zu\n", k.c_str(), n);
      std::printf("\nrefused rules:\n");
      for (const auto& p : report.refused) {
        std::printf("  %s\n    [%s] %s\n", p.path.c_str(), p.category.c_str(), p.reason.c_str());
      }
    }
    if (!report.unmapped.empty()) {
      std::printf("\nloaded but see no events (log source not in the map):\n");
      for (const auto& p : report.unmapped) std::printf("  %s: %s\n", p.path.c_str(), p.reason.c_str());
    }
  }
  // Exit 1 when nothing loaded at all and something was refused (the user must look).
  return report.loaded == 0 && !report.refused.empty() ? 1 : 0;
}

int list(const Common& c, const std::string& level, const std::string& status, const std::string& tag,
         const std::string& logsource) {
  LoadReport report;
  RuleSet set = RuleSet::load(c.paths, c.options(), &report);
  std::vector<const sigma::Rule*> shown;
  for (const auto& r : set.rules()) {
    if (!level.empty() && !iequals(r.level, level)) continue;
    if (!status.empty() && !iequals(r.status, status)) continue;
    if (!tag.empty() && std::none_of(r.tags.begin(), r.tags.end(), [&](const std::string& t) {
          return iequals(t, tag) || istarts_with(t, tag + ".");
        })) {
      continue;
    }
    if (!logsource.empty() && ifind(r.logsource.describe(), logsource) == std::string_view::npos) continue;
    shown.push_back(&r);
  }
  if (c.format == "json") {
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const sigma::Rule* r : shown) {
      w.line_break().begin_object();
      w.field("id", r->id).field("title", r->title).field("level", r->level).field("status", r->status);
      w.key("logsource").begin_object().field("product", r->logsource.product);
      w.field("category", r->logsource.category).field("service", r->logsource.service).end_object();
      write_list(w.key("attack"), r->attack_tags());
      w.field("path", r->path).end_object();
    }
    // Correlation rules follow, with their type in place of a log source.
    for (const auto& c : set.correlations()) {
      if (!level.empty() && !iequals(c.level, level)) continue;
      if (!status.empty() && !iequals(c.status, status)) continue;
      if (!tag.empty() || !logsource.empty()) continue;
      w.line_break().begin_object();
      w.field("id", c.id).field("title", c.title).field("level", c.level).field("status", c.status);
      w.field("correlation", sigma::correlation_type_name(c.type));
      write_list(w.key("rules"), c.rule_refs);
      w.field("path", c.path).end_object();
    }
    out += '\n';
    w.end_array();
    out += '\n';
    std::fputs(out.c_str(), stdout);
  } else {
    std::printf("%-36s  %-13s  %-12s  %-34s  %s\n", "ID", "LEVEL", "STATUS", "LOGSOURCE", "TITLE / ATT&CK");
    for (const auto* r : shown) {
      std::string attack;
      for (const auto& t : r->attack_tags()) attack += (attack.empty() ? "" : " ") + t.substr(7);
      std::printf("%-36s  %-13s  %-12s  %-34s  %s%s%s\n", r->id.c_str(), r->level.c_str(), r->status.c_str(),
                  r->logsource.describe().c_str(), r->title.c_str(), attack.empty() ? "" : "  [",
                  attack.empty() ? "" : (attack + "]").c_str());
    }
    size_t corr_shown = 0;
    for (const auto& c : set.correlations()) {
      if ((!level.empty() && !iequals(c.level, level)) || (!status.empty() && !iequals(c.status, status)) ||
          !tag.empty() || !logsource.empty()) {
        continue;
      }
      std::string kind = "correlation/" + std::string(sigma::correlation_type_name(c.type));
      std::printf("%-36s  %-13s  %-12s  %-34s  %s\n", c.id.c_str(), c.level.c_str(), c.status.c_str(), kind.c_str(),
                  c.title.c_str());
      ++corr_shown;
    }
    std::printf("%zu of %zu rules", shown.size(), set.rules().size());
    if (!set.correlations().empty()) std::printf(", %zu of %zu correlations", corr_shown, set.correlations().size());
    std::printf("\n");
  }
  if (!report.refused.empty()) {
    std::fprintf(stderr, "%zu rule(s) refused; run `vigil rules check` for reasons\n", report.refused.size());
  }
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"Sigma rules: check what loads, list what loaded"};
  app.require_subcommand(1);
  Common ck, ls;
  std::string level, status, tag, logsource;
  auto* check_cmd = app.add_subcommand("check", "Load rules; report loaded/refused counts and each refusal's reason");
  add_common(*check_cmd, ck);
  check_cmd->add_option("--format", ck.format, "text or json")->default_val("text")->check(CLI::IsMember({"text", "json"}));
  auto* list_cmd = app.add_subcommand("list", "List loaded rules: id, title, level, status, log source, ATT&CK tags");
  add_common(*list_cmd, ls);
  list_cmd->add_option("--format", ls.format, "table or json")->default_val("table")->check(CLI::IsMember({"table", "json"}));
  list_cmd->add_option("--level", level, "Only this level (informational, low, medium, high, critical)");
  list_cmd->add_option("--status", status, "Only this status (stable, test, experimental...)");
  list_cmd->add_option("--tag", tag, "Only rules with this tag or tag prefix (attack.t1059)");
  list_cmd->add_option("--logsource", logsource, "Only rules whose product/category/service contains this");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (check_cmd->parsed()) return check(ck);
  return list(ls, level, status, tag, logsource);
}

}  // namespace
}  // namespace vigil::cli

VIGIL_COMMAND(rules, "rules", "Check or list Sigma rules (load report, refusals with reasons)", vigil::cli::run);
