// Deriving a necessary condition per rule (the prefilter's half of "prefilter, then confirm").
//
// A Sigma value `*\whoami.exe` can only match a text that contains "\whoami.exe"; a selection
// that ANDs such values needs all their literals; a condition ORing selections needs one of
// theirs. So each rule's detection is rewritten bottom-up into a formula over atoms "literal L
// occurs somewhere in the event" (YARA's atoms, RE2's FilteredRE2): AND stays AND, OR stays OR,
// `1 of`/`N of` becomes OR, and what gives no literal — `not`, numbers, CIDR, field references,
// |exists, |neq, null, literals too common to tell events apart — becomes TRUE. The formula is
// weaker than the rule (it may hold where the rule does not) but never stronger, which is all a
// prefilter needs: a rule whose formula is false cannot fire, and is skipped.
//
// Regexes give their atoms through RE2's FilteredRE2 (regex_atoms): the atoms every match needs
// are ANDed, with the OR of the set of which every match holds one.
//
// Atoms are field-agnostic on purpose: the scan looks at every scalar value of the event once
// (no field resolution, no renames) and a literal seen anywhere satisfies every atom naming it.
// That is exact for scalars, but a field may also resolve to a container, which Sigma matches
// through its JSON text; the scan does not see that text, so the builder records which container
// keys each field can end on, and such a container makes that field's atoms count as present.
//
// `EventID: 4624` tests are kept as their own leaves: the matcher files events by event ID, so
// those leaves are decided per route (a 4625 event skips every rule that needs 4624, and a rule
// `(EventID: 4624 and 'ntlm') or EventID: 4776` is triggered by 'ntlm' on 4624 events).
//
// To look at a rule only when it may fire, it gets a trigger set: literals of which at least
// one must occur (an AND picks its rarest child, an OR needs all of its children's sets). Rarity
// is guessed by score(). A rule without a trigger set (its formula can hold with no literal
// present) is a candidate on every event of its routes.
#include "detect/requirement.h"

#include <algorithm>
#include <climits>
#include <unordered_set>

#include "core/fields.h"
#include "core/text.h"
#include "detect/regex.h"

namespace vigil::sigma {
namespace {

// Non-ASCII letters that RE2 lower-cases or case-folds to an ASCII letter (U+0130 and U+0131
// for i, U+017F long s for s, U+212A Kelvin sign for k). A regex may match them where its
// lower-cased ASCII atoms do not occur, so an event holding one holds every such regex atom.
constexpr std::string_view kFoldHazards[] = {"\xC4\xB0", "\xC4\xB1", "\xC5\xBF", "\xE2\x84\xAA"};

bool is_decimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

class RequirementBuilder {
 public:
  using Node = Requirements::Node;

  RequirementBuilder(Requirements* out, const RuleSet& rules) : r_(out), rules_(rules) {}

  void build() {
    const auto& rules = rules_.rules();
    for (const Rule& rule : rules) {
      for (const SourceVariant& v : rule.gate.variants) {
        if (!v.renames) continue;
        for (const auto& [from, to] : *v.renames) {
          renames_[to_lower(from)].insert(to);
          if (iequals(from, "EventID")) eventid_renamed_ = true;
        }
      }
    }
    // The rule set's literals keep their ids (ValueTest::literal); regex atoms join them.
    literal_ids_.reserve(rules_.literals().size() * 5 / 4);
    r_->literals_.reserve(rules_.literals().size() * 5 / 4);
    for (const std::string& lit : rules_.literals()) literal_of(lit);
    r_->worth_scanning_.assign(r_->literals_.size(), 0);
    r_->nodes_.push_back({Node::kTrue, 0, 0});   // node 0: TRUE
    r_->nodes_.push_back({Node::kFalse, 0, 0});  // node 1: FALSE
    for (const Rule& rule : rules) {
      std::vector<uint32_t> parts = {of_detection(rule.detection)};
      for (const auto& f : rule.filters) parts.push_back(of_detection(*f));
      r_->roots_.push_back(combine(Node::kAnd, std::move(parts)));
      // Every literal the rule's evaluation may look up (see EvalContext::absent).
      std::vector<uint32_t> lits;
      r_->collect_literals(r_->roots_.back(), &lits);
      std::vector<std::pair<uint32_t, uint32_t>> uses;
      r_->collect_uses(r_->roots_.back(), &uses);
      // Every test of every selection, whatever the condition makes of it (a `not filter` gives
      // no atom, but its tests still run): the literals it may skip by, the fields it reads
      // (their containers must be able to stop the skipping; their values must be scanned).
      auto add_tests = [&](const Detection& d) {
        for (const Selection& sel : d.selections()) {
          for (const auto& branch : sel.branches) {
            for (const FieldTest& t : branch) {
              const uint32_t cls = t.field.empty() ? Requirements::kNoClass : class_of(t.field);
              for (const ValueTest& v : t.values) {
                if (v.literal == kNoLiteral) continue;
                lits.push_back(v.literal);
                uses.emplace_back(cls, v.literal);
                if (v.kind == ValueTest::kRegex) r_->worth_scanning_[v.literal] = 1;
              }
              if (t.field.empty()) {
                rule_keywords_ = true;
                continue;
              }
              rule_classes_.push_back(cls);
              auto& ids = r_->class_fields_[cls];
              if (t.field_id != kNoField && std::find(ids.begin(), ids.end(), t.field_id) == ids.end()) {
                ids.push_back(t.field_id);
              }
              // A field reference reads a second field.
              for (const ValueTest& v : t.values) {
                if (v.kind == ValueTest::kFieldRef) rule_classes_.push_back(class_of(v.ref_field));
              }
            }
          }
        }
      };
      add_tests(rule.detection);
      for (const auto& f : rule.filters) add_tests(*f);
      std::sort(rule_classes_.begin(), rule_classes_.end());
      rule_classes_.erase(std::unique(rule_classes_.begin(), rule_classes_.end()), rule_classes_.end());
      r_->rule_class_first_.push_back(static_cast<uint32_t>(r_->rule_classes_.size()));
      r_->rule_classes_.insert(r_->rule_classes_.end(), rule_classes_.begin(), rule_classes_.end());
      r_->rule_keywords_.push_back(rule_keywords_ ? 1 : 0);
      rule_classes_.clear();
      rule_keywords_ = false;
      std::sort(lits.begin(), lits.end());
      lits.erase(std::unique(lits.begin(), lits.end()), lits.end());
      r_->rule_literal_first_.push_back(static_cast<uint32_t>(r_->rule_literals_.size()));
      r_->rule_literals_.insert(r_->rule_literals_.end(), lits.begin(), lits.end());
      r_->rule_use_first_.push_back(static_cast<uint32_t>(r_->rule_uses_.size()));
      r_->rule_uses_.insert(r_->rule_uses_.end(), uses.begin(), uses.end());
    }
    r_->rule_use_first_.push_back(static_cast<uint32_t>(r_->rule_uses_.size()));
    r_->rule_literal_first_.push_back(static_cast<uint32_t>(r_->rule_literals_.size()));
    r_->rule_class_first_.push_back(static_cast<uint32_t>(r_->rule_classes_.size()));
    for (const std::string& lit : r_->literals_) r_->literal_scores_.push_back(literal_score(lit));
    for (uint32_t h : hazards_) r_->literal_scores_[h] = INT_MAX / 2;  // rare by construction
    wire_unsafe_keys();
  }

 private:
  static constexpr uint32_t kTrueNode = 0, kFalseNode = 1;

  uint32_t add(Node n) {
    r_->nodes_.push_back(n);
    return static_cast<uint32_t>(r_->nodes_.size() - 1);
  }

  // AND / OR with constant folding and flattening.
  uint32_t combine(Node::Op op, std::vector<uint32_t> kids) {
    const uint32_t unit = op == Node::kAnd ? kTrueNode : kFalseNode;
    const uint32_t zero = op == Node::kAnd ? kFalseNode : kTrueNode;
    std::vector<uint32_t>& kept = kept_kids_;  // reused: combine() does not nest
    kept.clear();
    // A kid already kept is not kept twice: kept_[k] == stamp marks the kids kept so far (a
    // search of `kept` per kid was quadratic in the thousands of values of an IOC list).
    ++stamp_;
    if (kept_.size() < r_->nodes_.size()) kept_.resize(r_->nodes_.size() * 2, 0);
    for (uint32_t k : kids) {
      if (k == zero) return zero;
      if (k == unit) continue;
      const Node& n = r_->nodes_[k];
      if (n.op == op) {
        for (uint32_t i = 0; i < n.b; ++i) {
          kept.push_back(r_->args_[n.a + i]);
          kept_[kept.back()] = stamp_;
        }
      } else if (kept_[k] != stamp_) {
        kept.push_back(k);
        kept_[k] = stamp_;
      }
    }
    if (kept.empty()) return unit;
    if (kept.size() == 1) return kept[0];
    // An AND is decided by its first false child: try the small ones (a literal, a short list)
    // first.
    if (op == Node::kAnd) {
      std::stable_sort(kept.begin(), kept.end(), [&](uint32_t a, uint32_t b) { return size_of(a) < size_of(b); });
    }
    Node n{op, static_cast<uint32_t>(r_->args_.size()), static_cast<uint32_t>(kept.size())};
    r_->args_.insert(r_->args_.end(), kept.begin(), kept.end());
    return add(n);
  }

  // Leaves under a node (what evaluating it may cost).
  // Nodes never change once made, so each size is worked out once (sizes_, 0 = not yet).
  size_t size_of(uint32_t n) {
    const Node& node = r_->nodes_[n];
    if (node.op != Node::kAnd && node.op != Node::kOr) return 1;
    if (sizes_.size() <= n) sizes_.resize(r_->nodes_.size() * 2, 0);
    if (sizes_[n]) return sizes_[n];
    size_t total = 0;
    for (uint32_t k = 0; k < node.b; ++k) total += size_of(r_->args_[node.a + k]);
    sizes_[n] = total;
    return total;
  }

  uint32_t of_detection(const Detection& d) {
    const Condition& c = d.condition();
    if (c.empty()) return kTrueNode;
    return of_condition(d, c, c.root());
  }

  uint32_t of_condition(const Detection& d, const Condition& c, uint32_t n) {
    switch (c.op(n)) {
      case Condition::kRef: return of_selection(d.selections()[c.arg(n)]);
      case Condition::kNot: return kTrueNode;
      case Condition::kAnd:
      case Condition::kOr:
      case Condition::kAtLeast: {
        std::vector<uint32_t> kids;
        for (uint32_t k : c.kids(n)) kids.push_back(of_condition(d, c, k));
        return combine(c.op(n) == Condition::kAnd ? Node::kAnd : Node::kOr, std::move(kids));
      }
    }
    return kTrueNode;
  }

  uint32_t of_selection(const Selection& s) {
    std::vector<uint32_t> branches;
    for (const auto& branch : s.branches) {
      std::vector<uint32_t> tests;
      for (const FieldTest& t : branch) tests.push_back(of_test(t));
      branches.push_back(combine(Node::kAnd, std::move(tests)));
    }
    return combine(Node::kOr, std::move(branches));
  }

  uint32_t of_test(const FieldTest& t) {
    const uint32_t cls = t.field.empty() ? Requirements::kNoClass : class_of(t.field);
    if (t.exists != FieldTest::Exists::kNoCheck || t.negate) return kTrueNode;
    if (!t.all && !eventid_renamed_ && iequals(t.field, "EventID")) {
      uint32_t ids = event_id_leaf(t);
      if (ids != kTrueNode) return ids;
    }
    if (!t.all) {
      std::vector<uint32_t> values;
      for (const ValueTest& v : t.values) values.push_back(of_value(v, cls));
      return combine(Node::kOr, std::move(values));
    }
    std::vector<uint32_t> groups;
    for (size_t i = 0; i < t.values.size();) {
      std::vector<uint32_t> values;
      size_t end = i;
      while (end < t.values.size() && t.values[end].group == t.values[i].group) {
        values.push_back(of_value(t.values[end], cls));
        ++end;
      }
      groups.push_back(combine(Node::kOr, std::move(values)));
      i = end;
    }
    return combine(Node::kAnd, std::move(groups));
  }

  // `EventID: 4624` (values OR-ed, each a whole decimal literal): a leaf the route decides. A
  // text equal to the literal reads as that number, so an event whose ID is another number
  // cannot match it.
  uint32_t event_id_leaf(const FieldTest& t) {
    std::vector<int64_t> ids;
    for (const ValueTest& v : t.values) {
      std::string_view lit;
      int64_t id;
      if (v.kind != ValueTest::kPattern || !v.pattern.exact(&lit) || !is_decimal(lit) ||
          !parse_int(lit, &id)) {
        return kTrueNode;
      }
      ids.push_back(id);
    }
    if (ids.empty()) return kTrueNode;
    Node n{Node::kEventId, static_cast<uint32_t>(r_->event_ids_.size()), static_cast<uint32_t>(ids.size())};
    r_->event_ids_.insert(r_->event_ids_.end(), ids.begin(), ids.end());
    return add(n);
  }

  uint32_t of_value(const ValueTest& v, uint32_t cls) {
    if (v.kind == ValueTest::kRegex && v.regex) return of_regex(v, cls);
    if (v.kind != ValueTest::kPattern) return kTrueNode;
    std::vector<uint32_t> lits;
    uint32_t only = kTrueNode;  // the one leaf, while there is at most one (most values)
    for (std::string_view lit : v.pattern.literals()) {
      if (literal_score(lit) < kMinLiteralScore) continue;
      const uint32_t leaf = add({Node::kLiteral, literal_of(lit), cls});
      if (only == kTrueNode && lits.empty()) {
        only = leaf;
        continue;
      }
      if (lits.empty()) lits.push_back(only);
      lits.push_back(leaf);
    }
    // combine() of no leaf is TRUE, of one leaf the leaf.
    return lits.empty() ? only : combine(Node::kAnd, std::move(lits));
  }

  // A regex atom, standing in for itself or for a fold hazard (see kFoldHazards) when it holds
  // a letter one can replace.
  uint32_t regex_atom(const std::string& atom, uint32_t cls) {
    uint32_t leaf = add({Node::kLiteral, literal_of(atom), cls});
    if (atom.find_first_of("iks") == std::string::npos) return leaf;
    std::vector<uint32_t> any = {leaf};
    for (std::string_view h : kFoldHazards) {
      uint32_t lit = literal_of(h);
      hazards_.insert(lit);
      any.push_back(add({Node::kLiteral, lit, cls}));
    }
    return combine(Node::kOr, std::move(any));
  }

  // The RuleSet worked the atoms out when it loaded the rule (ValueTest::atoms).
  uint32_t of_regex(const ValueTest& v, uint32_t cls) {
    RegexAtoms computed;
    const RegexAtoms* known = v.atoms.get();
    if (!known) {
      regex_atoms(*v.regex, &computed);
      known = &computed;
    }
    const RegexAtoms& atoms = *known;
    if (atoms.needed.empty() && atoms.any.empty()) return kTrueNode;  // regex_atoms() said false
    std::vector<uint32_t> needed, any;
    for (const std::string& a : atoms.needed) needed.push_back(regex_atom(a, cls));
    for (const std::string& a : atoms.any) any.push_back(regex_atom(a, cls));
    if (!any.empty()) needed.push_back(combine(Node::kOr, std::move(any)));
    return combine(Node::kAnd, std::move(needed));
  }

  uint32_t literal_of(std::string_view lit) {
    low_.assign(lit);  // reused: most literals are known already
    for (char& c : low_) c = ascii_lower(c);
    auto it = literal_ids_.find(low_);
    if (it != literal_ids_.end()) return it->second;
    const auto id = static_cast<uint32_t>(r_->literals_.size());
    literal_ids_.emplace(low_, id);
    r_->literals_.push_back(low_);
    return id;
  }

  uint32_t class_of(std::string_view field) {
    std::string low = to_lower(field);
    auto [it, added] = class_ids_.try_emplace(low, static_cast<uint32_t>(r_->class_names_.size()));
    if (added) {
      r_->class_names_.push_back(std::string(field));
      r_->class_fields_.emplace_back();
    }
    return it->second;
  }

  void wire_unsafe_keys() {
    for (int layout = 0; layout < Requirements::kLayouts; ++layout) {
      const auto lay = static_cast<Layout>(layout);
      for (uint32_t cls = 0; cls < r_->class_names_.size(); ++cls) {
        const std::string& name = r_->class_names_[cls];
        std::vector<std::string_view> keys;
        FieldResolver::end_keys(name, lay, &keys);
        auto renamed = renames_.find(to_lower(name));
        if (renamed != renames_.end()) {
          for (const std::string& to : renamed->second) FieldResolver::end_keys(to, lay, &keys);
        }
        auto& mine = r_->class_keys_[layout].emplace_back();
        for (std::string_view k : keys) {
          std::string low = to_lower(k);
          if (low == "xmlns") r_->scan_xmlns_ = true;
          if (std::find(mine.begin(), mine.end(), low) != mine.end()) continue;
          r_->unsafe_set_[layout].add(low);
          auto& list = r_->unsafe_by_hash_[layout][KeySet::hash(low)];
          if (list.empty() || list.back() != cls) list.push_back(cls);
          mine.push_back(std::move(low));
        }
      }
      r_->unsafe_set_[layout].seal();
    }
  }

  Requirements* r_;
  const RuleSet& rules_;
  bool eventid_renamed_ = false;
  std::unordered_map<std::string, std::unordered_set<std::string>> renames_;  // lower(from) -> to
  std::unordered_map<std::string, uint32_t> literal_ids_, class_ids_;
  std::unordered_set<uint32_t> hazards_;
  std::vector<uint32_t> rule_classes_;  // of the rule being built
  std::vector<uint64_t> kept_;          // per node: the combine() call that kept it (stamp_)
  uint64_t stamp_ = 0;
  std::vector<size_t> sizes_;  // per node: size_of(), 0 = not worked out yet
  std::vector<uint32_t> kept_kids_;
  std::string low_;
  bool rule_keywords_ = false;
};

Requirements::Requirements(const RuleSet& rules) { RequirementBuilder(this, rules).build(); }

// Trigger set of a node: literal leaves of which one must hold wherever the node holds. An AND
// needs only one child's set and takes the rarest (the first of the highest score); an OR needs
// a set from every child, and scores as its weakest. trigger_score() decides without building
// the set; trigger_leaves() then walks the same choices to collect it (no vector per node: the
// OR of an IOC list has thousands of leaves).
bool Requirements::trigger_score(uint32_t n, const int64_t* event_id, int* score) const {
  const Node& node = nodes_[n];
  switch (node.op) {
    case Node::kTrue:
      return false;
    case Node::kEventId:
      if (!event_id || has_id(node, *event_id)) return false;  // true here: no literal needed
      [[fallthrough]];
    case Node::kFalse:
      *score = INT_MAX;  // never holds: needs nothing to wake, can never fire
      return true;
    case Node::kLiteral:
      *score = literal_scores_[node.a];
      return true;
    case Node::kAnd:
      return best_child(node, event_id, score) != UINT32_MAX;
    case Node::kOr:
      *score = INT_MAX;
      for (uint32_t k = 0; k < node.b; ++k) {
        int c;
        if (!trigger_score(args_[node.a + k], event_id, &c)) return false;
        *score = std::min(*score, c);
      }
      return true;
  }
  return false;
}

uint32_t Requirements::best_child(const Node& node, const int64_t* event_id, int* score) const {
  uint32_t best = UINT32_MAX;
  for (uint32_t k = 0; k < node.b; ++k) {
    int c;
    if (trigger_score(args_[node.a + k], event_id, &c) && (best == UINT32_MAX || c > *score)) {
      best = args_[node.a + k];
      *score = c;
    }
  }
  return best;
}

void Requirements::trigger_leaves(uint32_t n, const int64_t* event_id, std::vector<uint32_t>* leaves) const {
  const Node& node = nodes_[n];
  switch (node.op) {
    case Node::kLiteral:
      leaves->push_back(n);
      return;
    case Node::kAnd: {
      int score;
      uint32_t best = best_child(node, event_id, &score);
      if (best != UINT32_MAX) trigger_leaves(best, event_id, leaves);
      return;
    }
    case Node::kOr:
      for (uint32_t k = 0; k < node.b; ++k) trigger_leaves(args_[node.a + k], event_id, leaves);
      return;
    default:
      return;  // TRUE, FALSE, EventID: no leaves
  }
}

bool Requirements::trigger(uint32_t rule, const int64_t* event_id, std::vector<uint32_t>* literals,
                           std::vector<uint32_t>* classes) const {
  int score;
  if (!trigger_score(roots_[rule], event_id, &score)) return false;
  const size_t first = literals->size();
  trigger_leaves(roots_[rule], event_id, literals);
  for (size_t k = first; k < literals->size(); ++k) {
    const Node& leaf = nodes_[(*literals)[k]];
    (*literals)[k] = leaf.a;
    if (leaf.b != kNoClass) classes->push_back(leaf.b);
  }
  return true;
}

const std::vector<uint32_t>* Requirements::unsafe_classes(Layout layout, uint64_t key_hash) const {
  const auto& map = unsafe_by_hash_[static_cast<int>(layout)];
  auto it = map.find(key_hash);
  return it == map.end() ? nullptr : &it->second;
}

void Requirements::literals_of(uint32_t rule, std::vector<uint32_t>* out) const {
  out->insert(out->end(), rule_literals_.begin() + rule_literal_first_[rule],
              rule_literals_.begin() + rule_literal_first_[rule + 1]);
}

void Requirements::collect_literals(uint32_t n, std::vector<uint32_t>* out) const {
  const Node& node = nodes_[n];
  if (node.op == Node::kLiteral) {
    out->push_back(node.a);
  } else if (node.op == Node::kAnd || node.op == Node::kOr) {
    for (uint32_t k = 0; k < node.b; ++k) collect_literals(args_[node.a + k], out);
  }
}

void Requirements::collect_uses(uint32_t n, std::vector<std::pair<uint32_t, uint32_t>>* out) const {
  const Node& node = nodes_[n];
  if (node.op == Node::kLiteral) {
    out->emplace_back(node.b, node.a);
  } else if (node.op == Node::kAnd || node.op == Node::kOr) {
    for (uint32_t k = 0; k < node.b; ++k) collect_uses(args_[node.a + k], out);
  }
}

void Requirements::collect_ids(uint32_t n, std::vector<int64_t>* out) const {
  const Node& node = nodes_[n];
  if (node.op == Node::kEventId) {
    out->insert(out->end(), event_ids_.begin() + node.a, event_ids_.begin() + node.a + node.b);
  } else if (node.op == Node::kAnd || node.op == Node::kOr) {
    for (uint32_t k = 0; k < node.b; ++k) collect_ids(args_[node.a + k], out);
  }
}

void Requirements::describe(uint32_t n, std::string* out) const {
  const Node& node = nodes_[n];
  switch (node.op) {
    case Node::kTrue: *out += "TRUE"; return;
    case Node::kFalse: *out += "FALSE"; return;
    case Node::kLiteral:
      out->push_back('\'');
      out->append(literals_[node.a]);
      out->push_back('\'');
      if (node.b != kNoClass) {
        out->push_back('@');
        out->append(class_names_[node.b]);
      }
      return;
    case Node::kEventId:
      out->append("EventID in {");
      for (uint32_t k = 0; k < node.b; ++k) {
        if (k) out->push_back(',');
        out->append(std::to_string(event_ids_[node.a + k]));
      }
      out->push_back('}');
      return;
    case Node::kAnd:
    case Node::kOr:
      out->push_back('(');
      for (uint32_t k = 0; k < node.b; ++k) {
        if (k) out->append(node.op == Node::kAnd ? " & " : " | ");
        describe(args_[node.a + k], out);
      }
      out->push_back(')');
      return;
  }
}

bool Requirements::or_of_literals(uint32_t rule, std::vector<uint32_t>* literals) const {
  const Node& root = nodes_[roots_[rule]];
  if (root.op == Node::kLiteral) {
    literals->push_back(root.a);
    return true;
  }
  if (root.op != Node::kOr) return false;
  for (uint32_t k = 0; k < root.b; ++k) {
    const Node& kid = nodes_[args_[root.a + k]];
    if (kid.op != Node::kLiteral) return false;
    literals->push_back(kid.a);
  }
  return true;
}

std::string Requirements::describe(uint32_t rule) const {
  std::string out;
  describe(roots_[rule], &out);
  return out;
}

}  // namespace vigil::sigma
