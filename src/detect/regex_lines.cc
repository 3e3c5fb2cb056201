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
// The bound k is a fold over the regex's structure (walk_regex, as regex_min_size), erring upwards:
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
#include "detect/regex_walk.h"

namespace vigil::sigma {
namespace {

// The newline bound, a fold over walk_regex that only ever overestimates: the largest branch, the
// sum of a concatenation, a repetition its greatest count times its item, 1 for each character item
// that can match a newline; kManyNewlines for an unbounded repetition of one, and for an assertion
// about the text's ends (a window would be a new text to it). Sums and counts stop at a million.
class Newlines final : public RegexFold {
 public:
  // (?s) anywhere, even turned off later: `.` counts as a newline everywhere.
  explicit Newlines(std::string_view p) : dot_all_(regex_flag_anywhere(p, 's')) {}

  std::optional<size_t> item(const RegexItem& it) override {
    switch (it.kind) {
      case RegexItem::kLiteral: return it.c == '\n' ? 1 : 0;
      case RegexItem::kDot: return dot_all_ ? 1 : 0;
      case RegexItem::kAssertion:  // \b \B are fine; ^ $ \A \z look at the text's ends
        if (it.c != 'b' && it.c != 'B') return std::nullopt;
        return 0;
      case RegexItem::kEscape:
        if (it.c == 'E') return std::nullopt;
        return plain(it.c) ? 0 : 1;
      case RegexItem::kClass: return char_class(it.negated, it.members);
    }
    return std::nullopt;
  }
  size_t repeat(size_t value, RegexCount count) override {
    if (value == 0) return 0;
    if (value == kMany || count.most == RegexCount::kUnbounded) return kMany;
    return std::min(value * std::min(count.most, kCap), kCap);
  }
  size_t then(size_t sum, size_t next) override {
    return sum == kMany || next == kMany ? kMany : std::min(sum + next, kCap);
  }
  size_t either(size_t a, size_t b) override { return std::max(a, b); }

 private:
  static constexpr size_t kMany = kManyNewlines;
  static constexpr size_t kCap = 1000000;

  // Escapes that match no newline: \d \w \S \t \r \f \v \a, \b \B outside a class, escaped punctuation.
  static bool plain(char e) {
    return e != '\n' && (!std::isalnum(static_cast<unsigned char>(e)) ||
                         std::string_view("dwStrfavbB").find(e) != std::string_view::npos);
  }

  // 1 when negated, or for a member that may match a newline: a control byte, an escape that is
  // not plain (\b \B included), either end of a range written with an escape (a `-` before an
  // escape, or after one where the `-` does not end the class). A POSIX class is not read.
  static std::optional<size_t> char_class(bool negated, std::span<const ClassMember> m) {
    auto dash = [&](size_t k) { return k < m.size() && m[k].kind == ClassMember::kByte && m[k].c == '-'; };
    auto escape = [&](size_t k) { return k < m.size() && m[k].kind == ClassMember::kEscape; };
    bool newline = negated;
    for (size_t k = 0; k < m.size(); ++k) {
      const char c = m[k].c;
      if (m[k].kind == ClassMember::kPosix || (escape(k) && c == 'E')) return std::nullopt;
      if (escape(k)) {
        newline |= !plain(c) || c == 'b' || c == 'B' || (dash(k + 1) && k + 2 < m.size());
      } else {
        newline |= static_cast<unsigned char>(c) < 0x20 || (dash(k) && escape(k + 1));
      }
    }
    return newline ? 1 : 0;
  }

  bool dot_all_;
};

}  // namespace

size_t regex_max_newlines(std::string_view p) {
  Newlines fold(p);
  return walk_regex(p, fold).value_or(kManyNewlines);
}

bool regex_caseless(std::string_view p) { return regex_flag_anywhere(p, 'i'); }

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
