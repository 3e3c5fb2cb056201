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
// a regex that is only `.{N,}` is a count of characters (LongRun). And a regex whose matches
// span few lines (regex_max_newlines) is run only around the lines holding a literal every match
// contains (search_lines): PowerShell script blocks are thousands of bytes in hundreds of lines,
// RE2's DFA costs ~3 cycles a byte, and the rules' needed literals (`-path`, `powershell`) sit on
// a few of those lines. A needed-literal check before RE2 was tried and gave nothing, because
// those texts do hold the literal; the saving is in the lines RE2 no longer reads. All three are
// checked against RE2 itself on random input (regex_test.cc); the reference matcher never takes
// any of these shortcuts.
#include "detect/regex.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "detect/pattern.h"

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

// The minimum-size bound: a recursive descent over RE2's syntax that only ever underestimates.
// Alternation takes the least branch, concatenation the sum, a repetition its lower count times
// its operand; zero-width items (anchors, \b, flag groups) count 0, and every character item
// counts 1, since RE2 matches a character with at least one byte. A non-ASCII literal is one
// character too (1), whatever case folding does to its length. Anything
// unexpected (\Q quoting, a stray operator) abandons the whole estimate: the bound is then 0.
class MinSize {
 public:
  explicit MinSize(std::string_view p) : p_(p) {}
  size_t run() {
    size_t n = 0;
    if (!alternation(&n) || i_ != p_.size()) return 0;
    return n;
  }

 private:
  static constexpr size_t kCap = size_t{1} << 32;  // far above any text; keeps sums from wrapping
  static size_t capped(size_t n) { return n < kCap ? n : kCap; }
  bool more() const { return i_ < p_.size(); }
  char at() const { return p_[i_]; }

  bool alternation(size_t* out) {
    size_t best = kCap;
    for (;;) {
      size_t n = 0;
      if (!concatenation(&n)) return false;
      best = std::min(best, n);
      if (more() && at() == '|') {
        ++i_;
        continue;
      }
      *out = best;
      return true;
    }
  }

  bool concatenation(size_t* out) {
    size_t sum = 0;
    while (more() && at() != '|' && at() != ')') {
      size_t n = 0, times = 1;
      if (!item(&n) || !repetition(&times)) return false;
      sum = capped(sum + capped(n * times));
    }
    *out = sum;
    return true;
  }

  // `{n}`, `{n,}`, `{n,m}`, `*`, `+`, `?`, each maybe followed by `?` (non-greedy). A `{` that
  // does not open a well-formed count is a literal for RE2, and is left for item().
  bool repetition(size_t* times) {
    if (!more()) return true;
    const char c = at();
    if (c == '*' || c == '?') {
      *times = 0;
      ++i_;
    } else if (c == '+') {
      ++i_;
    } else if (c == '{') {
      size_t j = i_ + 1, n = 0, digits = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        n = capped(n * 10 + static_cast<size_t>(p_[j] - '0'));
        ++j;
        ++digits;
      }
      if (digits == 0) return true;
      if (j < p_.size() && p_[j] == ',') {
        ++j;
        while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') ++j;
      }
      if (j >= p_.size() || p_[j] != '}') return true;
      *times = n;
      i_ = j + 1;
    } else {
      return true;
    }
    if (more() && at() == '?') ++i_;
    return true;
  }

  bool item(size_t* out) {
    const char c = at();
    if (c == '(') return group(out);
    if (c == '[') return char_class(out);
    if (c == '\\') return escape(out);
    if (c == '*' || c == '+' || c == '?') return false;  // RE2 would have refused it
    ++i_;
    if (c == '^' || c == '$') {
      *out = 0;
    } else {
      // One character; a UTF-8 sequence is one item (a repetition applies to all of it).
      const auto b = static_cast<unsigned char>(c);
      while (b >= 0xC0 && more() && (static_cast<unsigned char>(at()) & 0xC0) == 0x80) ++i_;
      *out = (b & 0xC0) == 0x80 ? 0 : 1;  // a stray continuation byte: count nothing
    }
    return true;
  }

  bool group(size_t* out) {
    ++i_;  // (
    if (more() && at() == '?') {
      ++i_;
      if (p_.substr(i_).starts_with("P<")) {
        const size_t close = p_.find('>', i_);
        if (close == std::string_view::npos) return false;
        i_ = close + 1;
      } else {
        while (more() && (std::isalpha(static_cast<unsigned char>(at())) || at() == '-')) ++i_;
        if (!more()) return false;
        if (at() == ')') {  // (?i): flags only, no text
          ++i_;
          *out = 0;
          // RE2 lets a repetition after flags apply to the item before them: give up.
          return !more() || std::string_view("*+?{").find(at()) == std::string_view::npos;
        }
        if (at() != ':') return false;
        ++i_;
      }
    }
    if (!alternation(out)) return false;
    if (!more() || at() != ')') return false;
    ++i_;
    return true;
  }

  // One character whatever the class holds ([^...] included).
  bool char_class(size_t* out) {
    ++i_;  // [
    if (more() && at() == '^') ++i_;
    if (more() && at() == ']') ++i_;
    while (more() && at() != ']') {
      if (at() == '\\') {
        size_t ignored = 0;
        if (!escape(&ignored)) return false;
        continue;
      }
      if (p_.substr(i_).starts_with("[:")) {
        const size_t close = p_.find(":]", i_ + 2);
        if (close == std::string_view::npos) return false;
        i_ = close + 2;
        continue;
      }
      ++i_;
    }
    if (!more()) return false;
    ++i_;  // ]
    *out = 1;
    return true;
  }

  bool escape(size_t* out) {
    ++i_;  // backslash
    if (!more()) return false;
    const char c = at();
    ++i_;
    *out = 1;
    switch (c) {
      case 'Q': return false;
      case 'b': case 'B': case 'A': case 'z': case 'E':  // \E: a stray end of quoting
        *out = 0;
        return true;
      case 'x': case 'p': case 'P':
        if (more() && at() == '{') {
          const size_t close = p_.find('}', i_);
          if (close == std::string_view::npos) return false;
          i_ = close + 1;
        } else if (c == 'x') {
          for (int k = 0; k < 2 && more() && std::isxdigit(static_cast<unsigned char>(at())); ++k) ++i_;
        } else if (more()) {
          ++i_;  // \pL: one-letter class name
        }
        return true;
      default:
        if (c >= '0' && c <= '7') {  // octal: up to two more digits
          for (int k = 0; k < 2 && more() && at() >= '0' && at() <= '7'; ++k) ++i_;
        }
        return true;
    }
  }

  std::string_view p_;
  size_t i_ = 0;
};

}  // namespace

size_t regex_min_size(std::string_view re2_pattern) { return MinSize(re2_pattern).run(); }

// The newline bound: the same descent as MinSize, taking the largest branch, summing a
// concatenation, multiplying by the largest repetition count, and counting 1 for each character
// item that can match a newline. Conservative wherever it guesses: a class counts 1 unless it is
// positive and made only of printable bytes, ranges between them, and escapes that leave the
// newline out.
class Newlines {
 public:
  explicit Newlines(std::string_view p) : p_(p) {
    // (?s) anywhere, even turned off later: `.` counts as a newline everywhere.
    for (size_t k = p.find("(?"); k != std::string_view::npos; k = p.find("(?", k + 2)) {
      for (size_t j = k + 2; j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-'); ++j) {
        if (p[j] == 's') dot_all_ = true;
      }
    }
  }
  size_t run() {
    size_t n = 0;
    if (!alternation(&n) || i_ != p_.size()) return kManyNewlines;
    return n;
  }

 private:
  static constexpr size_t kMany = kManyNewlines;
  bool more() const { return i_ < p_.size(); }
  char at() const { return p_[i_]; }
  static size_t add(size_t a, size_t b) { return a == kMany || b == kMany ? kMany : std::min<size_t>(a + b, 1000000); }

  bool alternation(size_t* out) {
    size_t most = 0;
    for (;;) {
      size_t n = 0;
      if (!concatenation(&n)) return false;
      most = std::max(most, n);
      if (more() && at() == '|') {
        ++i_;
        continue;
      }
      *out = most;
      return true;
    }
  }

  bool concatenation(size_t* out) {
    size_t sum = 0;
    while (more() && at() != '|' && at() != ')') {
      size_t n = 0, times = 1;
      if (!item(&n) || !repetition(&times)) return false;
      if (n > 0) sum = add(sum, times == kMany ? kMany : (n == kMany ? kMany : std::min<size_t>(n * times, 1000000)));
    }
    *out = sum;
    return true;
  }

  // The largest count of a repetition (kMany: unbounded); a `{` that opens no count is a literal.
  bool repetition(size_t* times) {
    if (!more()) return true;
    const char c = at();
    if (c == '*' || c == '+') {
      *times = kMany;
      ++i_;
    } else if (c == '?') {
      ++i_;
    } else if (c == '{') {
      size_t j = i_ + 1, n = 0, digits = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        n = std::min<size_t>(n * 10 + static_cast<size_t>(p_[j] - '0'), 1000000);
        ++j;
        ++digits;
      }
      if (digits == 0) return true;
      if (j < p_.size() && p_[j] == ',') {
        ++j;
        size_t m = 0, mdigits = 0;
        while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
          m = std::min<size_t>(m * 10 + static_cast<size_t>(p_[j] - '0'), 1000000);
          ++j;
          ++mdigits;
        }
        n = mdigits == 0 ? kMany : m;
      }
      if (j >= p_.size() || p_[j] != '}') return true;
      *times = n;
      i_ = j + 1;
    } else {
      return true;
    }
    if (more() && at() == '?') ++i_;
    return true;
  }

  bool item(size_t* out) {
    const char c = at();
    if (c == '(') return group(out);
    if (c == '[') return char_class(out);
    if (c == '\\') return escape(out);
    if (c == '*' || c == '+' || c == '?' || c == '^' || c == '$') return false;
    ++i_;
    *out = (c == '\n' || (c == '.' && dot_all_)) ? 1 : 0;
    return true;
  }

  bool group(size_t* out) {
    ++i_;  // (
    if (more() && at() == '?') {
      ++i_;
      if (p_.substr(i_).starts_with("P<")) {
        const size_t close = p_.find('>', i_);
        if (close == std::string_view::npos) return false;
        i_ = close + 1;
      } else {
        while (more() && (std::isalpha(static_cast<unsigned char>(at())) || at() == '-')) ++i_;
        if (!more()) return false;
        if (at() == ')') {  // flags only
          ++i_;
          *out = 0;
          return !more() || std::string_view("*+?{").find(at()) == std::string_view::npos;
        }
        if (at() != ':') return false;
        ++i_;
      }
    }
    if (!alternation(out)) return false;
    if (!more() || at() != ')') return false;
    ++i_;
    return true;
  }

  // Escapes that match neither a newline nor a position that depends on the text's ends.
  static bool plain_escape(char e) {
    return !std::isalnum(static_cast<unsigned char>(e)) || std::string_view("dwStrfavbB").find(e) != std::string_view::npos;
  }

  bool char_class(size_t* out) {
    ++i_;  // [
    bool newline = false;
    if (more() && at() == '^') {
      newline = true;
      ++i_;
    }
    if (more() && at() == ']') ++i_;
    while (more() && at() != ']') {
      const char c = at();
      if (c == '\\') {
        if (i_ + 1 >= p_.size()) return false;
        const char e = p_[i_ + 1];
        if (e == 'Q' || e == 'E') return false;
        if (!plain_escape(e) || e == 'b' || e == 'B' || e == '\n') newline = true;
        // x, p and octal escapes already count; skip their arguments like a literal run.
        i_ += 2;
        if (more() && at() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') newline = true;  // a range from an escape
        continue;
      }
      if (p_.substr(i_).starts_with("[:")) return false;
      if (static_cast<unsigned char>(c) < 0x20) newline = true;
      if (c == '-' && i_ + 1 < p_.size() && p_[i_ + 1] == '\\') newline = true;  // a range to an escape
      ++i_;
    }
    if (!more()) return false;
    ++i_;  // ]
    *out = newline ? 1 : 0;
    return true;
  }

  bool escape(size_t* out) {
    ++i_;  // backslash
    if (!more()) return false;
    const char c = at();
    ++i_;
    switch (c) {
      case 'Q': case 'E': case 'A': case 'z': return false;
      case 'x': case 'p': case 'P':
        if (more() && at() == '{') {
          const size_t close = p_.find('}', i_);
          if (close == std::string_view::npos) return false;
          i_ = close + 1;
        } else if (c == 'x') {
          for (int k = 0; k < 2 && more() && std::isxdigit(static_cast<unsigned char>(at())); ++k) ++i_;
        } else if (more()) {
          ++i_;
        }
        *out = 1;
        return true;
      default:
        if (c >= '0' && c <= '7') {
          for (int k = 0; k < 2 && more() && at() >= '0' && at() <= '7'; ++k) ++i_;
        }
        *out = plain_escape(c) && c != '\n' ? 0 : 1;
        return true;
    }
  }

  std::string_view p_;
  size_t i_ = 0;
  bool dot_all_ = false;
};

size_t regex_max_newlines(std::string_view p) { return Newlines(p).run(); }

bool regex_caseless(std::string_view p) {
  for (size_t k = p.find("(?"); k != std::string_view::npos; k = p.find("(?", k + 2)) {
    for (size_t j = k + 2; j < p.size() && (std::isalpha(static_cast<unsigned char>(p[j])) || p[j] == '-'); ++j) {
      if (p[j] == 'i') return true;
    }
  }
  return false;
}

bool search_lines(const re2::RE2& re, std::string_view text, std::string_view folded, std::string_view needle,
                  uint32_t rare, size_t lines) {
  size_t from = 0;
  while (from < folded.size()) {
    const size_t at = Pattern::search(folded.substr(from), needle, rare);
    if (at == std::string_view::npos) return false;
    const size_t hit = from + at;
    // Back to the start of the line `lines` lines up, on to the end of the one `lines` down
    // (its newline included).
    size_t start = hit;
    for (size_t k = 0; k <= lines; ++k) {
      const size_t nl = start == 0 ? std::string_view::npos : text.rfind('\n', start - 1);
      if (nl == std::string_view::npos) {
        start = 0;
        break;
      }
      start = k == lines ? nl + 1 : nl;
    }
    const size_t line_end = text.find('\n', hit + needle.size());
    size_t end = line_end;
    for (size_t k = 0; k < lines && end != std::string_view::npos; ++k) end = text.find('\n', end + 1);
    end = end == std::string_view::npos ? text.size() : end + 1;
    if (RE2::PartialMatch(re2::StringPiece(text.data() + start, end - start), re)) return true;
    if (line_end == std::string_view::npos) return false;
    from = line_end + 1;
  }
  return false;
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
