// Condition parsing.
//
// A recursive-descent parser over a tiny token stream, with Sigma's precedence (least to most
// binding): or, and, not, `x of`, parentheses. `x of pattern` is resolved at parse time into an
// OR / AND / at-least-N node over the identifiers the pattern names (`*` wildcards; `them` is
// every identifier not starting with `_`), so evaluation never looks at names. Children live in
// one flat array; the tree is a few dozen bytes for a typical rule. The old aggregation syntax
// (`| count() by x > 5`) is refused: Sigma v2 moved it to correlation rules.
#include "detect/condition.h"

#include <algorithm>

#include "core/text.h"

namespace vigil::sigma {
namespace {

bool glob(std::string_view pat, std::string_view s) {
  // Identifier patterns: `*` only (plus `?` as one character), case-sensitive like YAML keys.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[t])) {
      ++p;
      ++t;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace

class ConditionParser {
 public:
  ConditionParser(Condition* c, const std::vector<std::string>& ids) : c_(c), ids_(ids) {}

  bool parse(std::string_view text, uint32_t* root, std::string* error) {
    toks_.clear();
    pos_ = 0;
    if (!tokenize(text, error)) return false;
    if (toks_.empty()) return fail("empty condition", error);
    if (!parse_or(root, error)) return false;
    if (pos_ != toks_.size()) return fail("unexpected '" + std::string(toks_[pos_]) + "'", error);
    return true;
  }

  // Nodes plus child links of the whole condition: `1 of them` over thousands of identifiers,
  // written thousands of times, would otherwise build a tree quadratic in the rule's size.
  static constexpr size_t kMaxSize = 1u << 16;
  bool too_large() const { return c_->nodes_.size() + c_->kids_.size() > kMaxSize; }
  // Identifier comparisons (each name lookup and each `of` scans the identifiers): bounds the
  // parse at tokens x identifiers even when each token adds little to the tree.
  static constexpr size_t kMaxWork = 1u << 22;
  bool over_budget() {
    work_ += ids_.size();
    return work_ > kMaxWork;
  }

  uint32_t add(Condition::Op op, uint32_t arg, const std::vector<uint32_t>& kids) {
    Condition::Node n{op, arg, static_cast<uint32_t>(c_->kids_.size()), static_cast<uint32_t>(kids.size())};
    c_->kids_.insert(c_->kids_.end(), kids.begin(), kids.end());
    c_->nodes_.push_back(n);
    return static_cast<uint32_t>(c_->nodes_.size() - 1);
  }

 private:
  static bool fail(std::string msg, std::string* error) {
    *error = std::move(msg);
    return false;
  }

  bool tokenize(std::string_view s, std::string* error) {
    size_t i = 0;
    while (i < s.size()) {
      char ch = s[i];
      if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
        ++i;
      } else if (ch == '(' || ch == ')') {
        toks_.push_back(s.substr(i, 1));
        ++i;
      } else if (ch == '|') {
        return fail("aggregation expression '" + std::string(trim(s.substr(i))) +
                        "' (removed in Sigma v2; use a correlation rule)", error);
      } else {
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r' &&
               s[j] != '(' && s[j] != ')' && s[j] != '|') {
          ++j;
        }
        toks_.push_back(s.substr(i, j - i));
        i = j;
      }
    }
    return true;
  }

  bool at(std::string_view word) const { return pos_ < toks_.size() && iequals(toks_[pos_], word); }

  bool parse_or(uint32_t* out, std::string* error) {
    std::vector<uint32_t> kids(1);
    if (!parse_and(&kids[0], error)) return false;
    while (at("or")) {
      ++pos_;
      kids.emplace_back();
      if (!parse_and(&kids.back(), error)) return false;
    }
    *out = kids.size() == 1 ? kids[0] : add(Condition::kOr, 0, kids);
    return true;
  }

  bool parse_and(uint32_t* out, std::string* error) {
    std::vector<uint32_t> kids(1);
    if (!parse_not(&kids[0], error)) return false;
    while (at("and")) {
      ++pos_;
      kids.emplace_back();
      if (!parse_not(&kids.back(), error)) return false;
    }
    *out = kids.size() == 1 ? kids[0] : add(Condition::kAnd, 0, kids);
    return true;
  }

  bool parse_not(uint32_t* out, std::string* error) {
    if (too_large()) return fail("condition expands to more than 65536 nodes", error);
    // Bounded nesting keeps parsing (and evaluation) recursion off the stack's edge.
    if (++depth_ > kMaxDepth) return fail("condition nests deeper than 64 levels", error);
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    if (at("not")) {
      ++pos_;
      uint32_t inner;
      if (!parse_not(&inner, error)) return false;
      *out = add(Condition::kNot, 0, {inner});
      return true;
    }
    return parse_primary(out, error);
  }

  bool parse_primary(uint32_t* out, std::string* error) {
    if (pos_ >= toks_.size()) return fail("condition ends early", error);
    std::string_view t = toks_[pos_];
    if (t == "(") {
      ++pos_;
      if (!parse_or(out, error)) return false;
      if (!at(")")) return fail("missing ')'", error);
      ++pos_;
      return true;
    }
    if (t == ")") return fail("unexpected ')'", error);
    if (over_budget()) return fail("condition too long for its " + std::to_string(ids_.size()) + " identifiers", error);
    if (iequals(t, "and") || iequals(t, "or") || iequals(t, "of")) {
      return fail("unexpected '" + std::string(t) + "'", error);
    }
    // Quantifier: `1 of`, `any of`, `all of`, `N of`.
    if (pos_ + 1 < toks_.size() && iequals(toks_[pos_ + 1], "of")) {
      int64_t n = 0;
      bool all = iequals(t, "all");
      if (!all && !iequals(t, "any") && (!parse_int(t, &n) || n < 1)) {
        return fail("bad quantifier '" + std::string(t) + "' before 'of'", error);
      }
      if (iequals(t, "any")) n = 1;
      pos_ += 2;
      if (pos_ >= toks_.size()) return fail("'of' without a target", error);
      std::string_view target = toks_[pos_++];
      std::vector<uint32_t> kids;
      for (uint32_t i = 0; i < ids_.size(); ++i) {
        bool hit = iequals(target, "them") ? !ids_[i].starts_with("_") : glob(target, ids_[i]);
        if (hit) kids.push_back(ref(i));
      }
      if (kids.empty()) {
        return fail("'" + std::string(t) + " of " + std::string(target) + "' matches no search identifier", error);
      }
      if (all) {
        *out = kids.size() == 1 ? kids[0] : add(Condition::kAnd, 0, kids);
      } else if (n == 1) {
        *out = kids.size() == 1 ? kids[0] : add(Condition::kOr, 0, kids);
      } else {
        *out = add(Condition::kAtLeast, static_cast<uint32_t>(n), kids);
      }
      return true;
    }
    for (uint32_t i = 0; i < ids_.size(); ++i) {
      if (ids_[i] == t) {
        ++pos_;
        *out = ref(i);
        return true;
      }
    }
    return fail("unknown search identifier '" + std::string(t) + "'", error);
  }

  uint32_t ref(uint32_t i) {
    if (seen_.empty()) seen_.resize(ids_.size(), false);
    if (!seen_[i]) {
      seen_[i] = true;
      c_->referenced_.push_back(i);
    }
    return add(Condition::kRef, i, {});
  }

  Condition* c_;
  const std::vector<std::string>& ids_;
  static constexpr int kMaxDepth = 64;
  std::vector<bool> seen_;  // identifiers already in referenced_
  size_t work_ = 0;
  std::vector<std::string_view> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

bool Condition::parse(const std::vector<std::string>& texts, const std::vector<std::string>& identifiers,
                      Condition* out, std::string* error) {
  *out = Condition();
  if (texts.empty()) {
    *error = "no condition";
    return false;
  }
  ConditionParser p(out, identifiers);
  std::vector<uint32_t> roots;
  for (const std::string& t : texts) {
    uint32_t r;
    if (!p.parse(t, &r, error)) {
      *error = "condition '" + (t.size() > 200 ? t.substr(0, 200) + "..." : t) + "': " + *error;
      return false;
    }
    roots.push_back(r);
  }
  if (p.too_large()) {
    *error = "condition expands to more than 65536 nodes";
    return false;
  }
  out->root_ = roots.size() == 1 ? roots[0] : p.add(kOr, 0, roots);
  return true;
}

void Condition::describe(uint32_t n, const std::vector<std::string>& ids, std::string* out) const {
  const Node& node = nodes_[n];
  if (node.op == kRef) {
    *out += ids[node.arg];
    return;
  }
  if (node.op == kNot) {
    *out += "not ";
    describe(kids_[node.first], ids, out);
    return;
  }
  const char* sep = node.op == kAnd ? " and " : node.op == kOr ? " or " : ", ";
  if (node.op == kAtLeast) *out += std::to_string(node.arg) + " of ";
  *out += '(';
  for (uint32_t k = 0; k < node.count; ++k) {
    if (k) *out += sep;
    describe(kids_[node.first + k], ids, out);
  }
  *out += ')';
}

std::string Condition::to_string(const std::vector<std::string>& identifiers) const {
  std::string out;
  if (!nodes_.empty()) describe(root_, identifiers, &out);
  return out;
}

}  // namespace vigil::sigma
