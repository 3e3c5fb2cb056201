// Regexes run line by line.
//
// PowerShell script blocks are thousands of bytes in hundreds of lines, RE2's DFA reads about
// three cycles a byte, and a rule's regex over them usually needs a literal (`-path`, a
// backtick, `powershell`) that sits on a few of those lines. A check for that literal before
// RE2 was tried and gave nothing: those texts do hold it. What can be saved is the lines RE2
// reads. A match holding at most k newlines and the needed literal lies within k lines of a
// line holding the literal, so RE2 need only run on those windows — provided the regex does not
// look at where the text starts or ends (no `^`, `$`, `\A`, `\z`: a window would be a new text
// to them; `\b` is fine, a window being cut at newlines, which are not word characters).
//
// The bound k comes from a descent over RE2's syntax like regex_min_size's, erring upwards:
// a character item counts 1 if it may match a newline (`\s`, `\W`, `\D`, `\p..`, a negated
// class, `.` under (?s) anywhere, `\n`, hex and octal escapes, a class range with an escaped
// end), a repetition multiplies by its largest count, unbounded ones and anything not
// understood give "many". Only k <= 2 is used (ruleset.cc), and only on
// strings of at least 512 bytes (field_test.cc), where finding the lines costs less than RE2
// reading them. On the EVTX samples, the regexes over script blocks cost RE2 31 % less
// (Matcher::match 333.6 M -> 314.5 M instructions). The needle is searched in the folded
// text; under (?i) an atom holding i, k or s is no needle, since RE2 folds those letters with
// Unicode rules (the Kelvin sign, the long s) that an ASCII-caseless search does not follow.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "detect/pattern.h"
#include "detect/regex.h"

namespace vigil::sigma {
namespace {

// The newline bound: the largest branch, the sum of a concatenation, a repetition times its
// largest count, 1 for each character item that can match a newline. A class counts 1 unless it
// is positive and made only of printable bytes, ranges between them, and escapes that leave the
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

}  // namespace

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
  // Windows that overlap or touch are merged, so that RE2 reads no line twice; each is run when
  // the next one starts past its end.
  size_t win_start = 0, win_end = 0;
  bool open = false;
  auto run = [&] { return RE2::PartialMatch(re2::StringPiece(text.data() + win_start, win_end - win_start), re); };
  size_t from = 0;
  while (from < folded.size()) {
    const size_t at = Pattern::search(folded.substr(from), needle, rare);
    if (at == std::string_view::npos) break;
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
    if (open && start <= win_end) {
      win_end = std::max(win_end, end);
    } else {
      if (open && run()) return true;
      win_start = start;
      win_end = end;
      open = true;
    }
    if (line_end == std::string_view::npos) break;
    from = line_end + 1;
  }
  return open && run();
}

}  // namespace vigil::sigma
