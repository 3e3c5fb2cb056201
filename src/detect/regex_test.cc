// regex_min_size: fixed cases, and a randomized check against RE2 itself — over many generated
// regexes and texts, no match RE2 finds is shorter than the bound.
#include "detect/regex.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>

namespace vigil::sigma {
namespace {

TEST(RegexMinSize, Cases) {
  EXPECT_EQ(regex_min_size(".{1000,}"), 1000u);
  EXPECT_EQ(regex_min_size("(?i).{1000,}"), 1000u);
  EXPECT_EQ(regex_min_size("^.{10,20}$"), 10u);
  EXPECT_EQ(regex_min_size("abc"), 3u);
  EXPECT_EQ(regex_min_size("ab?c*d+"), 2u);
  EXPECT_EQ(regex_min_size("a|bcd"), 1u);
  EXPECT_EQ(regex_min_size("(?:ab|cde){3}"), 6u);
  EXPECT_EQ(regex_min_size("(?P<x>[a-z]{4})\\.exe"), 8u);
  EXPECT_EQ(regex_min_size("[\\]a-z]{2}\\d\\s\\b"), 4u);
  EXPECT_EQ(regex_min_size("[[:alpha:]]x"), 2u);
  EXPECT_EQ(regex_min_size("\\x{41}\\x41\\pL\\p{Greek}"), 4u);
  EXPECT_EQ(regex_min_size("é"), 1u);    // one character, however case folding spells it
  EXPECT_EQ(regex_min_size("a{,5}"), 5u);  // not a count for RE2: the literal "a{,5}"
  EXPECT_EQ(regex_min_size("a{2}?b"), 3u);
  EXPECT_EQ(regex_min_size("(a|)b"), 1u);
  EXPECT_EQ(regex_min_size(""), 0u);
  // Not understood: no bound.
  EXPECT_EQ(regex_min_size("\\Qabc\\E"), 0u);
  EXPECT_EQ(regex_min_size("(abc"), 0u);
}

TEST(RegexMinSize, NeverAboveAMatchRe2Finds) {
  const char* pieces[] = {"a", "b", "é", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "(?:a|bb)",
                          "(x|)", "^", "$", "\\b", "(?i)", "\\x{62}", "K", "s"};
  const char* quants[] = {"", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?"};
  const char alphabet[] = {'a', 'A', 'b', 'B', '1', ' ', 'x', 's', 'k'};
  std::mt19937 rng(11);
  int matched = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string pattern;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      pattern += pieces[rng() % std::size(pieces)];
      pattern += quants[rng() % std::size(quants)];  // RE2 refuses some (a quantified flag)
    }
    RE2 re("(" + pattern + ")", RE2::Quiet);
    if (!re.ok()) continue;
    const size_t bound = regex_min_size(pattern);
    for (int t = 0; t < 20; ++t) {
      std::string text;
      const int len = static_cast<int>(rng() % 12);
      for (int k = 0; k < len; ++k) {
        if (rng() % 10 == 0) {
          text += "\xc3\xa9";  // é
        } else if (rng() % 15 == 0) {
          text += "\xe2\x84\xaa";  // KELVIN SIGN, which (?i)k matches in three bytes
        } else {
          text += alphabet[rng() % std::size(alphabet)];
        }
      }
      re2::StringPiece m;
      if (!RE2::PartialMatch(text, re, &m)) continue;
      ++matched;
      ASSERT_GE(m.size(), bound) << "pattern " << pattern << " text '" << text << "'";
    }
  }
  EXPECT_GT(matched, 30000);
}

}  // namespace
}  // namespace vigil::sigma
