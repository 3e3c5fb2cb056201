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
// Regexes give their atoms through RE2's FilteredRE2, whose AND/OR tree is private; probing it
// recovers what matters: the atoms every match needs (drop one and the tree fails) are ANDed,
// and, the tree being monotone, if the too-common atoms alone cannot satisfy it then every
// match holds one of the others, so their OR is needed too.
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

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <climits>
#include <unordered_set>

#include "core/fields.h"
#include "core/text.h"

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

int Requirements::score(std::string_view literal) {
  int s = 0;
  for (char ch : literal) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || c < 0x20) {
      s += 2;
    } else if (std::string_view("`^|;<>~!?*&@#").find(ch) != std::string_view::npos) {
      s += 3;
    } else if (std::string_view("\"'()[]%$+").find(ch) != std::string_view::npos) {
      s += 2;
    } else {
      s += 1;
    }
  }
  return s;
}

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
    r_->nodes_.push_back({Node::kTrue, 0, 0});   // node 0: TRUE
    r_->nodes_.push_back({Node::kFalse, 0, 0});  // node 1: FALSE
    for (const Rule& rule : rules) {
      std::vector<uint32_t> parts = {of_detection(rule.detection)};
      for (const auto& f : rule.filters) parts.push_back(of_detection(*f));
      r_->roots_.push_back(combine(Node::kAnd, std::move(parts)));
    }
    for (const std::string& lit : r_->literals_) r_->literal_scores_.push_back(Requirements::score(lit));
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
    std::vector<uint32_t> kept;
    for (uint32_t k : kids) {
      if (k == zero) return zero;
      if (k == unit) continue;
      const Node& n = r_->nodes_[k];
      if (n.op == op) {
        for (uint32_t i = 0; i < n.b; ++i) kept.push_back(r_->args_[n.a + i]);
      } else if (std::find(kept.begin(), kept.end(), k) == kept.end()) {
        kept.push_back(k);
      }
    }
    if (kept.empty()) return unit;
    if (kept.size() == 1) return kept[0];
    Node n{op, static_cast<uint32_t>(r_->args_.size()), static_cast<uint32_t>(kept.size())};
    r_->args_.insert(r_->args_.end(), kept.begin(), kept.end());
    return add(n);
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
    if (t.exists != FieldTest::Exists::kNoCheck || t.negate) return kTrueNode;
    if (!t.all && !eventid_renamed_ && iequals(t.field, "EventID")) {
      uint32_t ids = event_id_leaf(t);
      if (ids != kTrueNode) return ids;
    }
    const uint32_t cls = t.field.empty() ? Requirements::kNoClass : class_of(t.field);
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
    if (v.kind == ValueTest::kRegex && v.regex) return of_regex(*v.regex, cls);
    if (v.kind != ValueTest::kPattern) return kTrueNode;
    std::vector<uint32_t> lits;
    for (std::string_view lit : v.pattern.literals()) {
      if (Requirements::score(lit) < Requirements::kMinScore) continue;
      lits.push_back(add({Node::kLiteral, literal_of(lit), cls}));
    }
    return combine(Node::kAnd, std::move(lits));
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

  uint32_t of_regex(const re2::RE2& re, uint32_t cls) {
    re2::FilteredRE2 filter(1);
    int id = 0;
    if (filter.Add(re.pattern(), re.options(), &id) != re2::RE2::NoError) return kTrueNode;
    std::vector<std::string> atoms;
    filter.Compile(&atoms);
    if (atoms.empty() || atoms.size() > 64) return kTrueNode;
    // Atoms are lower-cased by RE2; a non-ASCII one may stand for text the ASCII-caseless scan
    // would not match, so such a regex gives no requirement.
    for (const std::string& a : atoms) {
      for (char c : a) {
        if (static_cast<unsigned char>(c) >= 0x80) return kTrueNode;
      }
    }
    std::vector<int> present(atoms.size());
    for (size_t i = 0; i < atoms.size(); ++i) present[i] = static_cast<int>(i);
    std::vector<int> passed;
    filter.AllPotentials(present, &passed);
    if (passed.empty()) return kTrueNode;  // unexpected: the tree must hold with every atom
    std::vector<uint32_t> needed;  // atoms without which the tree fails
    std::vector<uint32_t> strong;  // leaves of the atoms rare enough to scan for
    std::vector<int> weak, without;
    for (size_t i = 0; i < atoms.size(); ++i) {
      if (Requirements::score(atoms[i]) < Requirements::kMinScore) {
        weak.push_back(static_cast<int>(i));
        continue;
      }
      strong.push_back(regex_atom(atoms[i], cls));
      without.clear();
      for (size_t j = 0; j < atoms.size(); ++j) {
        if (j != i) without.push_back(static_cast<int>(j));
      }
      filter.AllPotentials(without, &passed);
      if (passed.empty()) needed.push_back(strong.back());
    }
    // If the weak atoms alone cannot satisfy the tree, every match holds a strong one.
    filter.AllPotentials(weak, &passed);
    if (passed.empty()) needed.push_back(combine(Node::kOr, std::move(strong)));
    return combine(Node::kAnd, std::move(needed));
  }

  uint32_t literal_of(std::string_view lit) {
    std::string low = to_lower(lit);
    auto [it, added] = literal_ids_.try_emplace(low, static_cast<uint32_t>(r_->literals_.size()));
    if (added) r_->literals_.push_back(std::move(low));
    return it->second;
  }

  uint32_t class_of(std::string_view field) {
    std::string low = to_lower(field);
    auto [it, added] = class_ids_.try_emplace(low, static_cast<uint32_t>(r_->class_names_.size()));
    if (added) r_->class_names_.push_back(std::string(field));
    return it->second;
  }

  void wire_unsafe_keys() {
    for (uint32_t cls = 0; cls < r_->class_names_.size(); ++cls) {
      const std::string& name = r_->class_names_[cls];
      std::vector<std::string_view> keys;
      FieldResolver::end_keys(name, &keys);
      auto renamed = renames_.find(to_lower(name));
      if (renamed != renames_.end()) {
        for (const std::string& to : renamed->second) FieldResolver::end_keys(to, &keys);
      }
      for (std::string_view k : keys) {
        std::string low = to_lower(k);
        if (low == "xmlns") r_->scan_xmlns_ = true;
        auto& list = r_->unsafe_keys_[low];
        if (list.empty() || list.back() != cls) list.push_back(cls);
      }
    }
  }

  Requirements* r_;
  const RuleSet& rules_;
  bool eventid_renamed_ = false;
  std::unordered_map<std::string, std::unordered_set<std::string>> renames_;  // lower(from) -> to
  std::unordered_map<std::string, uint32_t> literal_ids_, class_ids_;
  std::unordered_set<uint32_t> hazards_;
};

Requirements::Requirements(const RuleSet& rules) { RequirementBuilder(this, rules).build(); }

// Trigger set of a node: literal leaves of which one must hold wherever the node holds.
struct Requirements::Trigger {
  bool ok = false;
  int score = 0;  // the weakest leaf's score (higher = rarer)
  std::vector<uint32_t> leaves;
};

Requirements::Trigger Requirements::trigger_of(uint32_t n, const int64_t* event_id) const {
  const Node& node = nodes_[n];
  Trigger t;
  switch (node.op) {
    case Node::kTrue:
      return t;
    case Node::kEventId:
      if (!event_id || has_id(node, *event_id)) return t;  // true here: no literal needed
      [[fallthrough]];
    case Node::kFalse:
      t.ok = true;  // never holds: needs nothing to wake, can never fire
      t.score = INT_MAX;
      return t;
    case Node::kLiteral:
      t.ok = true;
      t.score = literal_scores_[node.a];
      t.leaves.push_back(n);
      return t;
    case Node::kAnd:
      for (uint32_t k = 0; k < node.b; ++k) {
        Trigger c = trigger_of(args_[node.a + k], event_id);
        if (c.ok && (!t.ok || c.score > t.score)) t = std::move(c);
      }
      return t;
    case Node::kOr:
      t.ok = true;
      t.score = INT_MAX;
      for (uint32_t k = 0; k < node.b; ++k) {
        Trigger c = trigger_of(args_[node.a + k], event_id);
        if (!c.ok) return Trigger();
        t.score = std::min(t.score, c.score);
        t.leaves.insert(t.leaves.end(), c.leaves.begin(), c.leaves.end());
      }
      return t;
  }
  return t;
}

bool Requirements::trigger(uint32_t rule, const int64_t* event_id, std::vector<uint32_t>* literals,
                           std::vector<uint32_t>* classes) const {
  Trigger t = trigger_of(roots_[rule], event_id);
  if (!t.ok) return false;
  for (uint32_t leaf : t.leaves) {
    literals->push_back(nodes_[leaf].a);
    if (nodes_[leaf].b != kNoClass) classes->push_back(nodes_[leaf].b);
  }
  return true;
}

const std::vector<uint32_t>* Requirements::unsafe_classes(std::string_view lower_key) const {
  auto it = unsafe_keys_.find(lower_key);
  return it == unsafe_keys_.end() ? nullptr : &it->second;
}

std::vector<std::string_view> Requirements::unsafe_keys() const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : unsafe_keys_) out.push_back(k);
  return out;
}

void Requirements::collect_literals(uint32_t n, std::vector<uint32_t>* out) const {
  const Node& node = nodes_[n];
  if (node.op == Node::kLiteral) {
    out->push_back(node.a);
  } else if (node.op == Node::kAnd || node.op == Node::kOr) {
    for (uint32_t k = 0; k < node.b; ++k) collect_literals(args_[node.a + k], out);
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

std::string Requirements::describe(uint32_t rule) const {
  std::string out;
  describe(roots_[rule], &out);
  return out;
}

}  // namespace vigil::sigma
