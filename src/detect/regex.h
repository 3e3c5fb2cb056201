// Sigma `re` values on RE2: translation of the PCRE spellings RE2 can run with the same verdicts,
// and refusal (with the reason) of the constructs it cannot run in linear time.
// Pure functions; the compiled RE2 objects are immutable and safe to share across threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace vigil::sigma {

struct RegexFlags {
  bool ignore_case = false;  // |re|i
  bool multi_line = false;   // |re|m
  bool dot_all = false;      // |re|s
};

// Compiles a Sigma regex. On failure returns null and sets `reason` (e.g. "backreference \1
// (RE2 runs in linear time and has no backreferences)").
std::shared_ptr<const re2::RE2> compile_regex(std::string_view pcre, RegexFlags flags,
                                              std::string* reason);

// Literals a match of `re` must contain, lower-cased, for a literal prefilter (RE2's FilteredRE2
// atoms, probed): every match contains each of `needed`, and, when `any` is not empty, at least
// one of `any`. Atoms scoring under kMinLiteralScore (pattern.h) are left out. Returns false when
// RE2 gives nothing usable (no atoms, or a non-ASCII one, which RE2 lower-cases with Unicode
// rules a byte-wise ASCII-caseless search would not follow).
// A lower bound on the size in bytes of any text `re2_pattern` (RE2 syntax, as RE2::pattern()
// gives it) matches: a text shorter than that cannot match, and need not be run through RE2
// (`.{1000,}`, a common "abnormally long command line" test, costs RE2 dearly on every line).
// Counts one byte per character a match must hold (a codepoint, a class, `.`), times the least
// repetition count; 0 for anything it does not understand. Never above the true minimum.
size_t regex_min_size(std::string_view re2_pattern);

// A regex that is only `.{N,}` (or `.{N}`, `.{N,M}`; flags allowed, no anchors): a search for
// it succeeds exactly when the text holds N characters in a row that `.` matches. RE2 runs
// such a regex slowly (its DFA needs N states per position and runs out of memory for N in the
// hundreds, then falls back to its NFA), while counting characters is one pass. found_in()
// gives RE2's verdict: a character is what RE2 takes `.` to match in UTF-8 mode — an ASCII byte
// other than a newline (any with the s flag) or a lead byte C2-F4 with its continuation bytes
// (RE2 accepts that loose form of the range 80-10FFFF); any other byte ends the run.
struct LongRun {
  uint32_t min = 0;  // 0: not such a regex
  bool dot_all = false;
  static LongRun of(std::string_view re2_pattern);
  bool found_in(std::string_view text) const;
};

// The most newlines a match of the regex can hold, for a regex whose matches do not depend on
// where the text starts or ends (no `^` `$` `\A` `\z`): a character item that can match a
// newline (`\s`, `\W`, `\D`, `\p..`, a negated class, `.` under `(?s)`, `\n`, `\x..`...) counts
// its largest repetition; kManyNewlines for an unbounded one, an anchor, or anything it does not
// understand. Never below the true maximum. 0: every match lies within one line.
inline constexpr size_t kManyNewlines = SIZE_MAX;
// True when the regex may match case-insensitively somewhere (an `i` among any inline flags).
bool regex_caseless(std::string_view re2_pattern);
size_t regex_max_newlines(std::string_view re2_pattern);

// RE2's verdict (a search) on `text` for a regex of at most `lines` = regex_max_newlines() (not
// kManyNewlines) every match of which contains `needle` (lower-cased, no newline), with RE2 run
// only around the lines that hold the needle: from `lines` lines before each such line to
// `lines` lines after it. `folded` is `text` ASCII lower-cased (same size); `rare` is
// Pattern::rarest(needle). Worth it on long multi-line texts (script blocks), where the lines
// near a needed literal are a small part of the whole.
bool search_lines(const re2::RE2& re, std::string_view text, std::string_view folded, std::string_view needle,
                  uint32_t rare, size_t lines);

struct RegexAtoms {
  std::vector<std::string> needed;
  std::vector<std::string> any;
};
bool regex_atoms(const re2::RE2& re, RegexAtoms* out);

}  // namespace vigil::sigma
