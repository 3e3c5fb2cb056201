// One walk over RE2's syntax, many folds.
//
// Two shortcuts around RE2 need to know the shape of a regex: the fewest bytes a match holds
// (regex_min_size: a shorter text is not run) and the most newlines it holds (regex_max_newlines:
// RE2 runs only on the lines around a needed literal). Both are the same fold over the regex's
// structure: an alternation keeps one branch (the least, the most), a concatenation adds, a
// repetition multiplies by a count (the least, the greatest), and each item counts for itself.
// So one recursive descent reads the syntax and an analysis only says what an item is worth and
// how values combine (RegexFold); the reading is written, and fixed, once.
//
// Why read the text at all: RE2's parse tree (re2/regexp.h) is not public API, and RE2::pattern()
// is what a rule keeps. The price is that a hand-written reading can misread, so it reads only
// what it understands — alternation, groups (`(?:`, `(?P<name>`, `(?i:`), flag groups `(?i)`,
// classes with escapes and POSIX names, escapes with their arguments (`\x41`, `\x{263a}`, `\pL`,
// `\p{Greek}`, octal), counts `{n}` `{n,}` `{n,m}` `*` `+` `?` (lazy or not; a `{` that opens no
// count is a literal, as in RE2), a UTF-8 sequence as one character — and anything else (\Q
// quoting, a stray operator, an unclosed group) stops the walk, each analysis then giving its
// safe answer. A repetition right after a flag group stops it too: RE2 applies it to the item
// before the flags, which this reading would get wrong. Both bounds are checked against RE2 itself
// on random regexes and texts (regex_test.cc). A fold is called through virtual functions, a few
// calls per item; that costs nothing that matters, as each regex is walked once, at rule load.
#include "detect/regex_walk.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace vigil::sigma {
namespace {

class Walk {
 public:
  Walk(std::string_view p, RegexFold& fold) : p_(p), fold_(fold) {}

  std::optional<size_t> run() {
    const std::optional<size_t> value = alternation();
    return more() ? std::nullopt : value;  // a `)` with no `(`
  }

 private:
  bool more() const { return i_ < p_.size(); }
  char at() const { return p_[i_]; }
  bool eat(char c) {  // moves past `c` if it is next
    if (!more() || at() != c) return false;
    ++i_;
    return true;
  }
  bool digit_at(size_t j) const { return j < p_.size() && p_[j] >= '0' && p_[j] <= '9'; }
  // Moves past the next `end` from `from`; false when there is none.
  bool skip_past(std::string_view end, size_t from) {
    const size_t found = p_.find(end, from);
    if (found == std::string_view::npos) return false;
    i_ = found + end.size();
    return true;
  }

  std::optional<size_t> alternation() {
    std::optional<size_t> value = concatenation();
    while (value && eat('|')) {
      const std::optional<size_t> branch = concatenation();
      if (!branch) return std::nullopt;
      value = fold_.either(*value, *branch);
    }
    return value;
  }

  std::optional<size_t> concatenation() {
    size_t sum = 0;
    while (more() && at() != '|' && at() != ')') {
      const std::optional<size_t> value = item();
      if (!value) return std::nullopt;
      sum = fold_.then(sum, fold_.repeat(*value, repetition()));
    }
    return sum;
  }

  // `{n}`, `{n,}`, `{n,m}`, `*`, `+`, `?`, each maybe followed by `?` (lazy); {1, 1} when none.
  RegexCount repetition() {
    RegexCount count;
    if (eat('*') || eat('+') || eat('?')) {
      count.least = p_[i_ - 1] == '+' ? 1 : 0;
      count.most = p_[i_ - 1] == '?' ? 1 : RegexCount::kUnbounded;
    } else if (more() && at() == '{' && digit_at(i_ + 1)) {  // else a literal `{`, the next item
      size_t j = i_ + 1;
      count.least = count.most = number(&j);
      if (j < p_.size() && p_[j] == ',') count.most = digit_at(++j) ? number(&j) : RegexCount::kUnbounded;
      if (j >= p_.size() || p_[j] != '}') return RegexCount{};
      i_ = j + 1;
    } else {
      return count;
    }
    eat('?');
    return count;
  }

  // The decimal number at `*j`, capped; `*j` moves past its digits.
  size_t number(size_t* j) const {
    size_t n = 0;
    for (; digit_at(*j); ++*j) n = std::min(n * 10 + static_cast<size_t>(p_[*j] - '0'), RegexCount::kCap);
    return n;
  }

  std::optional<size_t> item() {
    const char c = at();
    if (c == '(') return group();
    if (c == '*' || c == '+' || c == '?') return std::nullopt;  // nothing to repeat: RE2 refuses it
    RegexItem it;
    it.c = c;
    if (c == '[') {
      if (!char_class(&it)) return std::nullopt;
    } else if (c == '\\') {
      if (!escape(&it.c)) return std::nullopt;
      const bool zero_width = std::string_view("AzbB").find(it.c) != std::string_view::npos;
      it.kind = zero_width ? RegexItem::kAssertion : RegexItem::kEscape;
    } else {
      ++i_;
      if (c == '^' || c == '$') it.kind = RegexItem::kAssertion;
      if (c == '.') it.kind = RegexItem::kDot;
      // A UTF-8 sequence is one item (a repetition applies to all of it).
      if (static_cast<unsigned char>(c) >= 0xC0) {
        while (more() && (static_cast<unsigned char>(at()) & 0xC0) == 0x80) ++i_;
      }
    }
    return fold_.item(it);
  }

  std::optional<size_t> group() {
    ++i_;  // (
    if (eat('?')) {
      if (p_.substr(i_).starts_with("P<")) {
        if (!skip_past(">", i_)) return std::nullopt;
      } else {
        while (more() && (std::isalpha(static_cast<unsigned char>(at())) || at() == '-')) ++i_;
        if (eat(')')) {  // (?i): flags only, no text
          if (more() && std::string_view("*+?{").find(at()) != std::string_view::npos) return std::nullopt;
          return 0;
        }
        if (!eat(':')) return std::nullopt;
      }
    }
    const std::optional<size_t> value = alternation();
    return eat(')') ? value : std::nullopt;
  }

  // `[`, an optional `^`, a `]` right after those as a literal member, members up to `]`.
  bool char_class(RegexItem* it) {
    ++i_;  // [
    it->kind = RegexItem::kClass;
    it->negated = eat('^');
    members_.clear();
    if (eat(']')) members_.push_back({ClassMember::kByte, ']'});
    while (more() && at() != ']') {
      ClassMember m{ClassMember::kByte, at()};
      if (at() == '\\') {
        m.kind = ClassMember::kEscape;
        if (!escape(&m.c)) return false;
      } else if (p_.substr(i_).starts_with("[:")) {
        m.kind = ClassMember::kPosix;
        if (!skip_past(":]", i_ + 2)) return false;
      } else {
        ++i_;
      }
      members_.push_back(m);
    }
    it->members = members_;
    return eat(']');
  }

  // A backslash, the character after it (`*letter`), and that escape's argument if it takes one.
  bool escape(char* letter) {
    ++i_;  // backslash
    if (!more()) return false;
    const char c = p_[i_++];
    *letter = c;
    if (c == 'Q') return false;  // \Q...\E quoting
    if ((c == 'x' || c == 'p' || c == 'P') && more() && at() == '{') return skip_past("}", i_);
    if (c == 'x') {
      for (int k = 0; k < 2 && more() && std::isxdigit(static_cast<unsigned char>(at())); ++k) ++i_;
    } else if (c == 'p' || c == 'P') {
      if (more()) ++i_;  // \pL: a one-letter class name
    } else if (c >= '0' && c <= '7') {  // octal: up to two more digits
      for (int k = 0; k < 2 && more() && at() >= '0' && at() <= '7'; ++k) ++i_;
    }
    return true;
  }

  std::string_view p_;
  size_t i_ = 0;
  RegexFold& fold_;
  std::vector<ClassMember> members_;  // the class being read (classes do not nest)
};

}  // namespace

std::optional<size_t> walk_regex(std::string_view pattern, RegexFold& fold) { return Walk(pattern, fold).run(); }

bool regex_flag_anywhere(std::string_view p, char flag) {
  for (size_t k = p.find("(?"); k != std::string_view::npos; k = p.find("(?", k + 2)) {
    for (size_t j = k + 2; j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-'); ++j) {
      if (p[j] == flag) return true;
    }
  }
  return false;
}

}  // namespace vigil::sigma
