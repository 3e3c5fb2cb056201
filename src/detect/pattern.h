// Pattern: one Sigma string value compiled for matching — literal text with `*` (any run) and `?`
// (one character) wildcards, escapes already resolved, plus windash "any dash" slots.
// Built once at rule load (immutable after), then matched from any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::sigma {

// A Sigma string before compilation: the unit every value modifier transforms.
struct Piece {
  enum Kind : uint8_t { kLit, kStar, kOne, kDash };
  Kind kind = kLit;
  std::string text;  // kLit only
};
using SigmaString = std::vector<Piece>;

// Parses a rule's raw string with Sigma escapes: `\*` `\?` are literal, `\\` is one backslash,
// any other backslash is literal; unescaped `*` `?` are wildcards.
SigmaString parse_sigma_string(std::string_view raw);
// A plain literal (no wildcard interpretation), e.g. an encoded value.
SigmaString literal_string(std::string_view text);
// True when the string holds only literal text; `out` receives it concatenated.
bool is_plain(const SigmaString& s, std::string* out);
// Adds a leading and/or trailing `*` (idempotent).
void add_wildcards(SigmaString& s, bool leading, bool trailing);
// Human-readable form with wildcards re-escaped (for messages and rule listings).
std::string describe(const SigmaString& s);

// How rare a literal is guessed to be in log text: one point per byte, more for bytes seldom seen
// in logs (`^|;<>... and non-ASCII). A literal prefilter ignores literals scoring under
// kMinLiteralScore: they would be found in nearly every event.
int literal_score(std::string_view literal);
inline constexpr int kMinLiteralScore = 3;

// Lower-cases ASCII letters in place (other bytes unchanged), as Vigil compares text; eight bytes
// at a time.
void fold_ascii(char* text, size_t size);

// The dash characters windash makes interchangeable: - / and the en, em and horizontal-bar dashes.
extern const std::string_view kDashes[5];

class Pattern {
 public:
  Pattern() = default;
  Pattern(const SigmaString& s, bool cased);

  bool match(std::string_view text) const { return match_impl(text, cased_); }
  // `text` is already ASCII lower-cased: bytes compare exactly (only for case-insensitive patterns).
  bool match_folded(std::string_view text) const { return match_impl(text, true); }
  bool cased() const { return cased_; }
  // The first occurrence of `needle` in `hay`, both already ASCII lower-cased, or npos; `rare`
  // is rarest(needle), worked out once per needle.
  static size_t search(std::string_view hay, std::string_view needle, uint32_t rare) {
    return find(hay, needle, rare, 0, true);
  }
  static uint32_t rarest(std::string_view needle) { return rarest_byte(needle); }
  // The literal pieces (lower-cased unless cased): the input a literal prefilter would index.
  std::vector<std::string_view> literals() const;
  // True when the pattern is one literal matched whole (no wildcard); `out` receives it.
  bool exact(std::string_view* out) const {
    if (shape_ != Shape::kExact) return false;
    *out = lit_;
    return true;
  }

 private:
  enum class Shape : uint8_t { kExact, kPrefix, kSuffix, kContains, kAny, kGeneral };
  struct Token {
    Piece::Kind kind;
    std::string text;
    uint32_t rare = 0;  // kLit: the index of the byte find() looks for (rarest_byte)
  };
  bool match_impl(std::string_view text, bool exact) const;
  static bool eq(std::string_view a, std::string_view b, bool exact);
  // The first occurrence of `needle` in `hay` at or after `from`; `rare` is rarest_byte(needle).
  static size_t find(std::string_view hay, std::string_view needle, size_t rare, size_t from, bool exact);
  static uint32_t rarest_byte(std::string_view needle);
  // Matches one star-free segment at `pos`; returns its length or npos.
  size_t match_segment(size_t first, size_t last, std::string_view text, size_t pos, bool exact) const;
  bool match_general(std::string_view text, bool exact) const;

  Shape shape_ = Shape::kExact;
  bool cased_ = false;
  std::string lit_;             // the literal for the fast shapes
  uint32_t lit_rare_ = 0;       // kContains: rarest_byte(lit_)
  std::vector<Token> tokens_;   // kGeneral
};

}  // namespace vigil::sigma
