// PCRE -> RE2.
//
// Sigma says `re` is PCRE, but a matcher that must stay linear in the input cannot run every
// PCRE construct: backreferences and lookaround need backtracking, and atomic groups and
// possessive quantifiers change which strings match (`a*+a` never matches), so rewriting them
// as plain groups would give different verdicts. Those are refused with the construct named.
// What RE2 runs with the same verdicts is rewritten: `(?<name>` -> `(?P<name>` (older RE2),
// `\Z` (end, or before a final newline) -> `\n?\z` (same yes/no answer for a search), `\h`
// -> `[\t ]` (ASCII horizontal space), `\A` and inline flags are native. Everything else is handed
// to RE2 as is, and RE2's own error is the refusal reason.
//
// Running RE2 is the costly part of many rules, so two answers are given without it where that
// is provably the same answer: a text shorter than any match (regex_min_size) cannot match, and
// a regex that is only `.{N,}` is a count of characters (LongRun); and a regex whose matches
// span few lines is run only around the lines holding a literal every match contains
// (regex_lines.cc). All three are checked against RE2 itself on random input (regex_test.cc);
// the reference matcher never takes any of these shortcuts.
#include "detect/regex.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>

#include "detect/pattern.h"
#include "detect/regex_walk.h"

namespace vigil::sigma {
namespace {

// Scans `in` once, tracking character classes and escapes, rewriting what can be rewritten.
bool translate(std::string_view in, std::string* out, std::string* reason) {
  out->clear();
  bool in_class = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\\' && i + 1 < in.size()) {
      char n = in[i + 1];
      if (!in_class && n >= '1' && n <= '9') {
        *reason = std::string("backreference \\") + n + " (needs backtracking)";
        return false;
      }
      if (!in_class && (n == 'k' || n == 'g') && i + 2 < in.size() &&
          (in[i + 2] == '<' || in[i + 2] == '{' || in[i + 2] == '\'' ||
           (in[i + 2] >= '0' && in[i + 2] <= '9'))) {
        *reason = std::string("named backreference \\") + n + " (needs backtracking)";
        return false;
      }
      if (!in_class && n == 'Z') {
        *out += "\\n?\\z";
      } else if (n == 'h') {
        *out += in_class ? "\\t " : "[\\t ]";
      } else {
        *out += c;
        *out += n;
      }
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      *out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      *out += c;
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < in.size() && in[i + 1] == '^') *out += in[++i];
      if (i + 1 < in.size() && in[i + 1] == ']') *out += in[++i];
      continue;
    }
    if (c == '(' && i + 2 < in.size() && in[i + 1] == '?') {
      std::string_view rest = in.substr(i + 2);
      if (rest.starts_with("=") || rest.starts_with("!")) {
        *reason = "lookahead (?" + std::string(1, rest[0]) + " (needs backtracking)";
        return false;
      }
      if (rest.starts_with("<=") || rest.starts_with("<!")) {
        *reason = "lookbehind (?" + std::string(rest.substr(0, 2)) + " (needs backtracking)";
        return false;
      }
      if (rest.starts_with(">")) {
        *reason = "atomic group (?> (changes verdicts if run as a plain group)";
        return false;
      }
      if (rest.starts_with("<")) {
        *out += "(?P<";
        i += 2;
        continue;
      }
    }
    if ((c == '+') && i > 0 && !out->empty()) {
      char prev = in[i - 1];
      bool prev_quant = prev == '*' || prev == '+' || prev == '?' || prev == '}';
      bool escaped = i >= 2 && in[i - 2] == '\\';
      if (prev_quant && !escaped) {
        *reason = "possessive quantifier " + std::string(1, prev) + "+ (changes verdicts)";
        return false;
      }
    }
    *out += c;
  }
  return true;
}

// The minimum-size bound, a fold over walk_regex that only ever underestimates: the least
// branch, the sum of a concatenation, a repetition its least count times its item; zero-width
// items (anchors, \b, flag groups) count 0, and every character item counts 1, since RE2 matches
// a character with at least one byte. A non-ASCII literal is one character too (1), whatever
// case folding does to its length. Anything the walk does not read gives no bound: 0.
class MinSize final : public RegexFold {
 public:
  std::optional<size_t> item(const RegexItem& it) override {
    switch (it.kind) {
      case RegexItem::kAssertion: return 0;
      case RegexItem::kEscape: return it.c == 'E' ? 0 : 1;  // \E: a stray end of quoting
      case RegexItem::kLiteral:  // a stray UTF-8 continuation byte counts nothing
        return (static_cast<unsigned char>(it.c) & 0xC0) == 0x80 ? 0 : 1;
      default: return 1;  // `.`, a class ([^...] included)
    }
  }
  size_t repeat(size_t value, RegexCount count) override { return capped(value * count.least); }
  size_t then(size_t sum, size_t next) override { return capped(sum + next); }
  size_t either(size_t a, size_t b) override { return std::min(a, b); }

 private:
  static constexpr size_t kCap = RegexCount::kCap;  // far above any text; keeps sums from wrapping
  static size_t capped(size_t n) { return std::min(n, kCap); }
};

}  // namespace

size_t regex_min_size(std::string_view re2_pattern) {
  MinSize fold;
  return walk_regex(re2_pattern, fold).value_or(0);
}

LongRun LongRun::of(std::string_view p) {
  LongRun run;
  bool dot_all = false;
  if (p.starts_with("(?")) {
    const size_t close = p.find(')');
    if (close == std::string_view::npos) return run;
    for (char f : p.substr(2, close - 2)) {
      if (f == 's') {
        dot_all = true;
      } else if (f != 'i' && f != 'm') {
        return run;  // U, a minus, a group: not the plain form
      }
    }
    p.remove_prefix(close + 1);
  }
  if (!p.starts_with(".{") || !p.ends_with("}")) return run;
  std::string_view count = p.substr(2, p.size() - 3);
  const std::string_view low = count.substr(0, count.find(','));
  if (low.empty() || low.size() > 6) return run;
  uint32_t n = 0;
  for (char c : low) {
    if (c < '0' || c > '9') return run;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (low.size() < count.size()) {  // ",", or ",M" with M a number
    for (char c : count.substr(low.size() + 1)) {
      if (c < '0' || c > '9') return run;
    }
  }
  run.min = n;
  run.dot_all = dot_all;
  return run;
}

bool LongRun::found_in(std::string_view text) const {
  if (min == 0) return true;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  uint32_t run = 0;
  for (size_t i = 0; i < n;) {
    const unsigned char b = s[i];
    size_t len = 0;
    if (b < 0x80) {
      len = (b != '\n' || dot_all) ? 1 : 0;
    } else if (b >= 0xC2 && b <= 0xF4) {
      const size_t want = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      len = want;
      for (size_t k = 1; k < want; ++k) {
        if (i + k >= n || (s[i + k] & 0xC0) != 0x80) {
          len = 0;
          break;
        }
      }
    }
    if (len == 0) {
      run = 0;
      ++i;
      continue;
    }
    if (++run >= min) return true;
    i += len;
  }
  return false;
}

std::shared_ptr<const re2::RE2> compile_regex(std::string_view pcre, RegexFlags flags,
                                              std::string* reason) {
  std::string body;
  if (!translate(pcre, &body, reason)) return nullptr;
  std::string prefix;
  if (flags.ignore_case) prefix += 'i';
  if (flags.multi_line) prefix += 'm';
  if (flags.dot_all) prefix += 's';
  if (!prefix.empty()) body = "(?" + prefix + ")" + body;
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(64 << 20);
  auto re = std::make_shared<const re2::RE2>(body, opts);
  if (!re->ok()) {
    *reason = "RE2 refuses the regex: " + re->error();
    return nullptr;
  }
  return re;
}

// FilteredRE2 keeps its AND/OR tree of atoms private; probing it recovers what matters. An atom
// without which the tree fails is needed by every match. The tree is monotone, so if the atoms
// too common to scan for cannot satisfy it on their own, every match holds one of the others.
bool regex_atoms(const re2::RE2& re, RegexAtoms* out) {
  out->needed.clear();
  out->any.clear();
  re2::FilteredRE2 filter(1);
  int id = 0;
  if (filter.Add(re.pattern(), re.options(), &id) != re2::RE2::NoError) return false;
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  if (atoms.empty() || atoms.size() > 64) return false;
  for (const std::string& a : atoms) {
    for (char c : a) {
      if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
  }
  std::vector<int> probe, passed, weak;
  for (size_t i = 0; i < atoms.size(); ++i) probe.push_back(static_cast<int>(i));
  filter.AllPotentials(probe, &passed);
  if (passed.empty()) return false;  // cannot happen: the tree holds with every atom
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (literal_score(atoms[i]) < kMinLiteralScore) {
      weak.push_back(static_cast<int>(i));
      continue;
    }
    out->any.push_back(atoms[i]);
    probe.clear();
    for (size_t j = 0; j < atoms.size(); ++j) {
      if (j != i) probe.push_back(static_cast<int>(j));
    }
    filter.AllPotentials(probe, &passed);
    if (passed.empty()) out->needed.push_back(atoms[i]);
  }
  filter.AllPotentials(weak, &passed);
  if (!passed.empty()) out->any.clear();  // the weak atoms alone may do
  return !out->needed.empty() || !out->any.empty();
}

}  // namespace vigil::sigma
