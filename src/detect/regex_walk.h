// walk_regex: one reading of RE2 pattern syntax for the analyses that bound what a regex can match
// (regex_min_size, regex_max_newlines). The walk parses; a RegexFold says what each part is worth.
// Pure: nothing outlives the call; a fold belongs to its caller and serves one walk at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::sigma {

// One member of a character class as written: a byte, an escape (`\d`, `\x41`, `\p{Greek}`; `c`
// is the character after the backslash), or a POSIX class (`[:alpha:]`).
struct ClassMember {
  enum Kind : uint8_t { kByte, kEscape, kPosix };
  Kind kind = kByte;
  char c = 0;
};

// One item, the thing a repetition applies to.
struct RegexItem {
  enum Kind : uint8_t {
    kLiteral,    // one character: a byte, or a UTF-8 sequence (c: its first byte)
    kDot,        // .
    kAssertion,  // zero-width: ^ $ \A \z \b \B (c: ^ $ A z b B)
    kEscape,     // any other escape, with its argument: \d \n \x41 \p{Greek} \101 \. (c: d n x p 1 .)
    kClass,      // [...]
  };
  Kind kind = kLiteral;
  char c = 0;
  bool negated = false;                  // kClass: [^...]
  std::span<const ClassMember> members;  // kClass, in order (valid during the call only)
};

// A repetition's counts: `*` is {0, kUnbounded}, `{2,5}` {2, 5}; an item without one is {1, 1}.
// Counts written larger than kCap read as kCap.
struct RegexCount {
  static constexpr size_t kUnbounded = SIZE_MAX;
  static constexpr size_t kCap = size_t{1} << 32;
  size_t least = 1;
  size_t most = 1;
};

// What one analysis makes of the parts. Values are sizes; 0 is the empty regex's, and every
// concatenation starts from it.
class RegexFold {
 public:
  // An item's value, or nullopt when the analysis cannot answer for it (the walk then stops).
  virtual std::optional<size_t> item(const RegexItem& item) = 0;
  virtual size_t repeat(size_t value, RegexCount count) = 0;  // an item and its repetition
  virtual size_t then(size_t sum, size_t next) = 0;           // a concatenation so far, and one more
  virtual size_t either(size_t a, size_t b) = 0;              // two alternatives

 protected:
  ~RegexFold() = default;
};

// The fold of the whole of `pattern`; nullopt when the fold gave up, or the pattern holds what
// the walk does not read (\Q quoting, a repetition of nothing, an unclosed group, class or `\x{`,
// a repetition right after a flag group like `(?i)`, a `)` with no `(`).
std::optional<size_t> walk_regex(std::string_view pattern, RegexFold& fold);

// True when some `(?` in `pattern` is followed by flag letters among which is `flag` — anywhere,
// even inside a class or in `(?-i)`: it errs towards yes.
bool regex_flag_anywhere(std::string_view pattern, char flag);

}  // namespace vigil::sigma
