// Rule loading.
//
// Files are read in sorted order so rule indices are stable from run to run. Each YAML document
// is one of: a detection rule, a correlation rule (`correlation:`), a filter (`filter:`), or a
// collection action (`action: global|reset|repeat`, Sigma v1 rule collections: a global
// document is deep-merged under every following one until reset; repeat merges onto the
// previous document). yaml-cpp reports errors by throwing; every call into it is wrapped here
// and a throw becomes a refusal of that file or document only. Filters and correlations refer
// to rules by id or name, so they are resolved after every file has been read.
#include "detect/ruleset.h"

#include <fcntl.h>
#include <re2/re2.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include "core/text.h"
#include "detect/regex.h"
#include "detect/rule_index.h"
#include "detect/yaml_load.h"

#ifndef VIGIL_DEFAULT_CONFIG_DIR
#define VIGIL_DEFAULT_CONFIG_DIR "config"
#endif

namespace vigil::sigma {
namespace {

std::string scalar(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : std::string();
}

std::vector<std::string> scalars(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& item : n) {
      if (item.IsScalar()) out.push_back(item.Scalar());
    }
  }
  return out;
}

YAML::Node merge(const YAML::Node& base, const YAML::Node& overlay) {
  if (!base || !base.IsMap() || !overlay.IsMap()) return YAML::Clone(overlay);
  YAML::Node out = YAML::Clone(base);
  for (const auto& kv : overlay) {
    std::string key = kv.first.as<std::string>();
    YAML::Node existing = out[key];
    if (existing && existing.IsMap() && kv.second.IsMap()) {
      out[key] = merge(existing, kv.second);
    } else {
      out[key] = YAML::Clone(kv.second);
    }
  }
  return out;
}

// Counts the nodes of `n` as a walk sees them (an alias is walked again wherever it is used)
// and checks the depth; stops as soon as either limit is crossed, so a cyclic or exponentially
// aliased document costs at most `max_nodes` steps. Returns an empty string when within limits.
std::string check_size(const YAML::Node& n, size_t depth, size_t max_nodes, size_t max_depth,
                       size_t* nodes) {
  if (++*nodes > max_nodes) {
    return "document expands to more than " + std::to_string(max_nodes) +
           " YAML nodes (aliases?)";
  }
  if (depth > max_depth) return "document nests deeper than " + std::to_string(max_depth) + " levels";
  if (n.IsMap()) {
    for (const auto& kv : n) {
      std::string why = check_size(kv.first, depth + 1, max_nodes, max_depth, nodes);
      if (why.empty()) why = check_size(kv.second, depth + 1, max_nodes, max_depth, nodes);
      if (!why.empty()) return why;
    }
  } else if (n.IsSequence()) {
    for (const auto& item : n) {
      std::string why = check_size(item, depth + 1, max_nodes, max_depth, nodes);
      if (!why.empty()) return why;
    }
  }
  return {};
}

bool read_file(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace

std::string RuleSet::default_config_dir() {
  if (const char* env = std::getenv("VIGIL_CONFIG_DIR"); env && *env) return env;
  return VIGIL_DEFAULT_CONFIG_DIR;
}

// Field names are interned case-sensitively: the memo only shares lookups of identical names.
void RuleSet::intern(Detection& d) {
  auto id_of = [this](const std::string& name) -> uint32_t {
    auto [it, added] = field_ids_.try_emplace(name, static_cast<uint32_t>(field_names_.size()));
    if (added) field_names_.push_back(name);
    return it->second;
  };
  // The literal a value test needs: its rarest literal piece, or for a regex its rarest needed
  // atom without the letters i, k, s (which RE2's case folding can match with a non-ASCII
  // letter the scan would not count).
  auto literal_of = [this](std::string_view lit) -> uint32_t {
    std::string low = to_lower(lit);
    auto [it, added] = literal_ids_.try_emplace(low, static_cast<uint32_t>(literals_.size()));
    if (added) literals_.push_back(std::move(low));
    return it->second;
  };
  d.for_each_test([&](FieldTest& t) {
    if (!t.field.empty()) t.field_id = id_of(t.field);
    for (ValueTest& v : t.values) {
      if (v.kind == ValueTest::kFieldRef) v.ref_id = id_of(v.ref_field);
      std::string best;
      int best_score = kMinLiteralScore - 1;
      auto consider = [&](std::string_view lit) {
        int score = literal_score(lit);
        if (score > best_score) {
          best.assign(lit);
          best_score = score;
        }
      };
      if (v.kind == ValueTest::kPattern) {
        for (std::string_view lit : v.pattern.literals()) consider(lit);
      } else if (v.kind == ValueTest::kRegex && v.regex) {
        auto atoms = std::make_shared<RegexAtoms>();
        std::string line_best;
        int line_score = kMinLiteralScore - 1;
        if (regex_atoms(*v.regex, atoms.get())) {
          // Under (?i), RE2 folds k, s and i with Unicode rules (the Kelvin sign, the long s...),
          // which an ASCII-caseless search does not follow: atoms holding them are not needles.
          const bool caseless = regex_caseless(v.regex->pattern());
          for (const std::string& a : atoms->needed) {
            const bool folds = a.find_first_of("iks") != std::string::npos;
            if (!folds) consider(a);
            if ((!folds || !caseless) && a.find('\n') == std::string::npos && literal_score(a) > line_score) {
              line_best = a;
              line_score = literal_score(a);
            }
          }
        }
        v.atoms = std::move(atoms);
        // Up to two lines around the needle's: a window of five lines is still a small part of a
        // script block, a wider one would gain little over RE2 on the whole.
        if (v.max_newlines <= 2 && !line_best.empty()) {
          v.line_needle = line_best;
          v.line_rare = Pattern::rarest(line_best);
        }
      }
      if (!best.empty()) v.literal = literal_of(best);
    }
    t.seal();
  });
}

std::shared_ptr<const RuleIndex> RuleSet::index() const {
  if (!index_slot_) return std::make_shared<const RuleIndex>(*this);  // a moved-from set
  std::call_once(index_slot_->once, [&] { index_slot_->index = std::make_shared<const RuleIndex>(*this); });
  return index_slot_->index;
}

int RuleSet::find(std::string_view key) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].id == key || (!rules_[i].name.empty() && rules_[i].name == key)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

class RuleSet::Loader {
 public:
  Loader(const LoadOptions& options, LoadReport* report, RuleSet* set)
      : opt_(options), report_(report), set_(set) {
    set_->literal_cache_dir_ = options.literal_cache_dir;
    std::string dir = default_config_dir();
    std::string ls_path = opt_.logsources_file.empty() ? dir + "/logsources.yml" : opt_.logsources_file;
    auto map = LogSourceMap::load_file(ls_path);
    if (map.ok()) {
      set_->logsources_ = std::move(map.value());
    } else {
      report_->refused.push_back({ls_path, map.status().message(), "config", "", ""});
    }
    std::string ph_path = opt_.placeholders_file.empty() ? dir + "/placeholders.yml" : opt_.placeholders_file;
    load_placeholders(ph_path, !opt_.placeholders_file.empty());
    for (const auto& [k, v] : opt_.placeholders) placeholders_[k] = v;
  }

  void add_path(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string ext = it->path().extension().string();
        if (ext == ".yml" || ext == ".yaml") files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) add_file(f);
      return;
    }
    add_file(path);
  }

  void add_file(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > opt_.max_file_bytes) {
      report_->refused.push_back({path, file_too_large(size), "limit", "", ""});
      return;
    }
    std::string text;
    if (!read_file(path, &text)) {
      report_->refused.push_back({path, "cannot read the file", "io", "", ""});
      return;
    }
    add_text(text, path);
  }

  void add_text(std::string_view text, const std::string& origin) {
    ++report_->files;
    if (text.size() > opt_.max_file_bytes) {
      report_->refused.push_back({origin, file_too_large(text.size()), "limit", "", ""});
      return;
    }
    // One parse; refuses a file yaml-cpp's LoadAll could not get through (detect/yaml_load.h).
    auto loaded = load_yaml_documents(text);
    if (!loaded.ok()) {
      report_->refused.push_back({origin, loaded.status().message(), "yaml", "", ""});
      return;
    }
    std::vector<YAML::Node> docs = std::move(loaded.value());
    // Held in optionals: assigning to a bound YAML::Node writes through to the node it refers to.
    std::optional<YAML::Node> global, previous;
    for (size_t i = 0; i < docs.size(); ++i) {
      try {
        const YAML::Node& doc = docs[i];
        if (!doc || doc.IsNull()) continue;
        if (!doc.IsMap()) {
          report_->refused.push_back({origin, "document is not a map", "schema", "", ""});
          continue;
        }
        size_t nodes = 0;
        std::string too_big =
            check_size(doc, 1, opt_.max_document_nodes, opt_.max_document_depth, &nodes);
        if (!too_big.empty()) {
          report_->refused.push_back({origin, too_big, "limit", "", ""});
          continue;
        }
        std::string action = scalar(doc["action"]);
        if (action == "global") {
          global.emplace(YAML::Clone(doc));
          global->remove("action");
          continue;
        }
        if (action == "reset") {
          global.reset();
          continue;
        }
        // A plain document is used as parsed: only a collection's documents are merged (copied).
        YAML::Node full = action == "repeat" ? merge(previous ? *previous : YAML::Node(), doc)
                          : global           ? merge(*global, doc)
                                             : doc;
        if (action == "repeat") full.remove("action");
        previous.emplace(full);
        add_document(full, origin, i);
      } catch (const std::exception& e) {
        report_->refused.push_back({origin, std::string("YAML: ") + e.what(), "yaml", "", ""});
      }
    }
  }

  void add_filter_path(const std::string& path) {
    size_t before = filters_.size();
    size_t rules_before = set_->rules_.size();
    add_path(path);
    // Filter files must hold filters only; anything else is reported and dropped.
    for (size_t i = rules_before; i < set_->rules_.size(); ++i) {
      report_->refused.push_back({set_->rules_[i].path, "not a filter document in a filter file", "filter",
                                  set_->rules_[i].id, set_->rules_[i].title});
      --report_->loaded;
    }
    set_->rules_.resize(rules_before);
    (void)before;
  }

  void finish() {
    apply_filters();
    resolve_correlations();
  }

 private:
  void load_placeholders(const std::string& path, bool explicit_path) {
    std::string text;
    if (!read_file(path, &text)) {
      if (explicit_path) report_->refused.push_back({path, "cannot read the placeholders file", "config", "", ""});
      return;
    }
    try {
      YAML::Node root = YAML::Load(text);
      if (!root.IsMap()) return;
      for (const auto& kv : root) placeholders_[kv.first.as<std::string>()] = scalars(kv.second);
    } catch (const std::exception& e) {
      report_->refused.push_back({path, std::string("YAML: ") + e.what(), "config", "", ""});
    }
  }

  std::string file_too_large(size_t size) const {
    return std::to_string(size) + " bytes, over the " + std::to_string(opt_.max_file_bytes) +
           "-byte limit for a rules file (LoadOptions::max_file_bytes)";
  }

  void refuse(const std::string& path, const YAML::Node& doc, std::string category, std::string reason) {
    report_->refused.push_back({path, std::move(reason), std::move(category), scalar(doc["id"]), scalar(doc["title"])});
  }

  void add_document(const YAML::Node& doc, const std::string& path, size_t index) {
    if (set_->rules_.size() + set_->correlations_.size() >= opt_.max_rules &&
        !doc["filter"]) {
      return refuse(path, doc, "limit",
                    "more than " + std::to_string(opt_.max_rules) + " rules (LoadOptions::max_rules)");
    }
    if (doc["correlation"]) {
      CorrelationRule c;
      Refusal why;
      if (!parse_correlation(doc, &c, &why)) return refuse(path, doc, why.category, why.reason);
      c.path = path;
      set_->correlations_.push_back(std::move(c));
      return;
    }
    if (doc["filter"]) {
      filters_.push_back({YAML::Clone(doc), path});
      return;
    }
    Rule r;
    r.path = path;
    r.document = index;
    r.id = scalar(doc["id"]);
    r.name = scalar(doc["name"]);
    r.title = scalar(doc["title"]);
    r.status = scalar(doc["status"]);
    r.level = scalar(doc["level"]);
    r.description = scalar(doc["description"]);
    r.author = scalar(doc["author"]);
    r.date = scalar(doc["date"]);
    r.modified = scalar(doc["modified"]);
    r.license = scalar(doc["license"]);
    r.taxonomy = scalar(doc["taxonomy"]);
    r.references = scalars(doc["references"]);
    r.tags = scalars(doc["tags"]);
    r.fields = scalars(doc["fields"]);
    r.falsepositives = scalars(doc["falsepositives"]);
    r.scope = scalars(doc["scope"]);
    if (doc["related"] && doc["related"].IsSequence()) {
      for (const auto& rel : doc["related"]) r.related.push_back({scalar(rel["id"]), scalar(rel["type"])});
    }
    if (r.title.empty()) return refuse(path, doc, "schema", "missing 'title'");
    YAML::Node ls = doc["logsource"];
    if (!ls || !ls.IsMap()) return refuse(path, doc, "schema", "missing 'logsource' map");
    r.logsource.product = to_lower(scalar(ls["product"]));
    r.logsource.category = to_lower(scalar(ls["category"]));
    r.logsource.service = to_lower(scalar(ls["service"]));
    r.logsource.definition = scalar(ls["definition"]);
    YAML::Node det = doc["detection"];
    if (!det) return refuse(path, doc, "schema", "missing 'detection'");
    Refusal why;
    if (!Detection::compile(det, &placeholders_, &r.detection, &why)) {
      return refuse(path, doc, why.category, why.reason);
    }
    set_->intern(r.detection);
    if (!r.id.empty()) {
      if (ids_.count(r.id)) {
        return refuse(path, doc, "duplicate", "id " + r.id + " already loaded from " + ids_[r.id]);
      }
      ids_[r.id] = path;
    }
    std::string note;
    if (opt_.gate_logsources) r.gate = set_->logsources_.gate_for(r.logsource, &note);
    if (!note.empty()) report_->unmapped.push_back({path, note, "logsource", r.id, r.title});
    set_->rules_.push_back(std::move(r));
    ++report_->loaded;
  }

  void apply_filters() {
    for (const auto& [doc, path] : filters_) {
      try {
        YAML::Node f = doc["filter"];
        if (!f.IsMap()) {
          refuse(path, doc, "filter", "'filter' is not a map");
          continue;
        }
        YAML::Node det(YAML::NodeType::Map);
        for (const auto& kv : f) {
          std::string key = kv.first.as<std::string>();
          if (key != "rules") det[key] = kv.second;
        }
        auto compiled = std::make_shared<Detection>();
        Refusal why;
        if (!Detection::compile(det, &placeholders_, compiled.get(), &why)) {
          refuse(path, doc, why.category, "filter: " + why.reason);
          continue;
        }
        set_->intern(*compiled);
        std::vector<std::string> targets = scalars(f["rules"]);
        bool any = targets.empty() || (targets.size() == 1 && iequals(targets[0], "any"));
        LogSource ls;
        if (YAML::Node l = doc["logsource"]; l && l.IsMap()) {
          ls.product = to_lower(scalar(l["product"]));
          ls.category = to_lower(scalar(l["category"]));
          ls.service = to_lower(scalar(l["service"]));
        }
        std::shared_ptr<const Detection> shared = compiled;
        for (Rule& r : set_->rules_) {
          bool named = any || std::any_of(targets.begin(), targets.end(), [&](const std::string& t) {
                         return t == r.id || (!r.name.empty() && t == r.name);
                       });
          if (!named) continue;
          if ((!ls.product.empty() && ls.product != r.logsource.product) ||
              (!ls.category.empty() && ls.category != r.logsource.category) ||
              (!ls.service.empty() && ls.service != r.logsource.service)) {
            continue;
          }
          r.filters.push_back(shared);
        }
        ++report_->filters;
      } catch (const std::exception& e) {
        refuse(path, doc, "yaml", std::string("filter: ") + e.what());
      }
    }
  }

  void resolve_correlations() {
    auto& corrs = set_->correlations_;
    std::vector<CorrelationRule> kept;
    std::vector<int> new_index(corrs.size(), -1);
    // Correlations may refer to correlations; resolve names first, then drop broken ones.
    for (size_t i = 0; i < corrs.size(); ++i) {
      CorrelationRule& c = corrs[i];
      c.rules.clear();
      std::string missing;
      for (const std::string& ref : c.rule_refs) {
        int idx = set_->find(ref);
        if (idx >= 0) {
          c.rules.push_back({false, static_cast<uint32_t>(idx)});
          continue;
        }
        int cidx = -1;
        for (size_t j = 0; j < corrs.size(); ++j) {
          if (j != i && (corrs[j].id == ref || (!corrs[j].name.empty() && corrs[j].name == ref))) {
            cidx = static_cast<int>(j);
          }
        }
        if (cidx < 0) {
          missing = ref;
          break;
        }
        c.rules.push_back({true, static_cast<uint32_t>(cidx)});
      }
      if (!missing.empty()) {
        report_->refused.push_back({c.path, "correlation refers to unknown rule '" + missing + "'",
                                    "correlation", c.id, c.title});
        continue;
      }
      new_index[i] = static_cast<int>(kept.size());
      kept.push_back(c);
    }
    // Re-point correlation references at the kept list; drop those that pointed at a dropped one.
    std::vector<CorrelationRule> final_list;
    for (auto& c : kept) {
      bool ok = true;
      for (auto& ref : c.rules) {
        if (!ref.is_correlation) continue;
        if (new_index[ref.index] < 0) ok = false;
        else ref.index = static_cast<uint32_t>(new_index[ref.index]);
      }
      if (!ok) {
        report_->refused.push_back({c.path, "correlation refers to a refused correlation", "correlation", c.id, c.title});
        continue;
      }
      final_list.push_back(std::move(c));
    }
    corrs = std::move(final_list);
    report_->correlations = corrs.size();
  }

  const LoadOptions& opt_;
  LoadReport* report_;
  RuleSet* set_;
  Placeholders placeholders_;
  std::map<std::string, std::string> ids_;
  std::vector<std::pair<YAML::Node, std::string>> filters_;
};

RuleSet RuleSet::load(const std::vector<std::string>& paths, const LoadOptions& options, LoadReport* report) {
  RuleSet set;
  LoadReport local;
  LoadReport* rep = report ? report : &local;
  Loader loader(options, rep, &set);
  for (const auto& p : paths) loader.add_path(p);
  for (const auto& p : options.filter_paths) loader.add_filter_path(p);
  loader.finish();
  return set;
}

RuleSet RuleSet::from_yaml(std::string_view text, const LoadOptions& options, LoadReport* report,
                           const std::string& origin) {
  RuleSet set;
  LoadReport local;
  LoadReport* rep = report ? report : &local;
  Loader loader(options, rep, &set);
  loader.add_text(text, origin);
  for (const auto& p : options.filter_paths) loader.add_filter_path(p);
  loader.finish();
  return set;
}

std::vector<std::string> Rule::attack_tags() const {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    if (istarts_with(t, "attack.")) out.push_back(t);
  }
  return out;
}

}  // namespace vigil::sigma
