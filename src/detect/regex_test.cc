// regex_min_size, LongRun and line-bound search: fixed cases, and randomized checks against RE2
// itself — no match RE2 finds is shorter than the bound, LongRun gives RE2's verdict on random
// bytes, and search_lines RE2's verdict on random multi-line texts.
#include "detect/regex.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <cctype>
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

TEST(LongRun, RecognisesOnlyThePlainForm) {
  EXPECT_EQ(LongRun::of(".{1000,}").min, 1000u);
  EXPECT_EQ(LongRun::of("(?i).{1000,}").min, 1000u);
  EXPECT_EQ(LongRun::of(".{5}").min, 5u);
  EXPECT_EQ(LongRun::of(".{5,9}").min, 5u);
  EXPECT_TRUE(LongRun::of("(?is).{5,}").dot_all);
  EXPECT_FALSE(LongRun::of("(?i).{5,}").dot_all);
  for (const char* other : {"^.{5,}", ".{5,}$", "a.{5,}", ".{5,}a", "(.{5,})", ".{,5}", ".{x}",
                            "(?U).{5,}", ".{5", "\\.{5,}", ".{5,}?"}) {
    EXPECT_EQ(LongRun::of(other).min, 0u) << other;
  }
}

// Random bytes, valid and broken UTF-8 and newlines among them: found_in() says what RE2 says.
TEST(LongRun, AgreesWithRe2) {
  const char* patterns[] = {".{3,}", "(?s).{3,}", ".{1,4}", "(?i).{5,}", ".{2}", "(?s).{6}"};
  const unsigned char bytes[] = {'a', 'b', '\n', '\r', 0x00, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2,
                                 0xC3, 0xA9, 0xDF, 0xE0, 0xE2, 0x82, 0xAC, 0xED, 0xA0, 0xEF, 0xF0,
                                 0x9F, 0x98, 0x80, 0xF4, 0x8F, 0xF5, 0xFF, 0x90};
  std::mt19937 rng(5);
  int hits = 0, misses = 0;
  for (const char* p : patterns) {
    RE2 re(p);
    ASSERT_TRUE(re.ok()) << p;
    const LongRun run = LongRun::of(re.pattern());
    ASSERT_GT(run.min, 0u) << p;
    for (int i = 0; i < 20000; ++i) {
      std::string text;
      const int len = static_cast<int>(rng() % 14);
      for (int k = 0; k < len; ++k) text += static_cast<char>(bytes[rng() % std::size(bytes)]);
      const bool want = RE2::PartialMatch(text, re);
      ASSERT_EQ(run.found_in(text), want) << p << " on " << ::testing::PrintToString(text);
      (want ? hits : misses)++;
    }
  }
  EXPECT_GT(hits, 10000);
  EXPECT_GT(misses, 10000);
}

TEST(RegexMaxNewlines, Cases) {
  const std::pair<const char*, size_t> cases[] = {
      {"(Get-Item|gci).{1,64}-Path.{1,64}\\\\(currentcontrolset|run)", 0}, {"abc", 0}, {"a.b", 0},
      {"(?i)a\\d+b", 0}, {"[a-z\\]]{2}\\w\\S", 0}, {"(?P<x>a)\\.exe", 0}, {"(?i:ab)c", 0}, {"\\ba\\B", 0},
      {"[]a]", 0}, {"\\w+`(\\w+|-|.)`[\\w+|\\s]", 1}, {"a\\sb", 1}, {"a\\s?b", 1}, {"a\\s{2}b", 2},
      {"a\\s{1,3}b", 3}, {"(a\\sb){3}", 3}, {"a|\\s\\s", 2}, {"a\\nb", 1}, {"a\\x0ab", 1}, {"a\\012b", 1},
      {"a\\Wb", 1}, {"a\\Db", 1}, {"a\\pCb", 1}, {"a\\p{Cc}b", 1}, {"(?s)a.b", 1}, {"(?s:a)b.c", 1},
      {"a[^x]b", 1}, {"a[\\t-\\r]b", 1}, {"a[\\s]b", 1}, {"a\nb", 1},
      {"a\\s*b", kManyNewlines}, {"a\\s+b", kManyNewlines}, {"a\\s{2,}b", kManyNewlines},
      {"(a\\s)*", kManyNewlines}, {"(?s)a.*b", kManyNewlines}, {"a[^x]+b", kManyNewlines},
      {"^ab", kManyNewlines}, {"ab$", kManyNewlines}, {"\\Aab", kManyNewlines}, {"ab\\z", kManyNewlines},
      {"a\\Qb\\E", kManyNewlines}, {"a[[:space:]]b", kManyNewlines}, {"[a", kManyNewlines}, {"(ab", kManyNewlines}};
  for (const auto& [pattern, want] : cases) EXPECT_EQ(regex_max_newlines(pattern), want) << pattern;
}

TEST(RegexCaseless, Cases) {
  for (const char* yes : {"(?i)abc", "a(?i:b)", "(?si)a", "(?-i)a"}) EXPECT_TRUE(regex_caseless(yes)) << yes;
  for (const char* no : {"abc", "(?s)a", "(?P<is>a)", "(?:i)", "[?i]"}) EXPECT_FALSE(regex_caseless(no)) << no;
}

// Random regexes, each with a needed literal, on random multi-line texts: wherever
// regex_max_newlines gives a bound, search_lines within it gives RE2's verdict on the whole text.
TEST(RegexMaxNewlines, SearchLinesAgreesWithRe2) {
  const char* pieces[] = {"a", "b", "é", ".", "[ab]", "[^a]", "\\d", "\\w", "\\s", "\\S", "(?:a|bb)", "(x|)",
                          "^", "$", "\\b", "(?i)", "(?s)", "\\x{62}", "K", "\\W", "[\\n]", "(?m)", "\\n"};
  const char* quants[] = {"", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "*?"};
  const char alphabet[] = {'a', 'A', 'b', 'B', '1', ' ', 'x', '\n', '\n', 'z'};
  std::mt19937 rng(17);
  int bounded[3] = {}, hits = 0, misses = 0;
  for (int i = 0; i < 9000; ++i) {
    std::string pattern;
    const int n = static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      pattern += pieces[rng() % std::size(pieces)];
      pattern += quants[rng() % std::size(quants)];
    }
    pattern += rng() % 2 ? "zx" : "Zx";  // the needed literal "zx" (folded)
    for (int k = static_cast<int>(rng() % 3); k > 0; --k) {
      const std::string piece = pieces[rng() % std::size(pieces)];
      pattern += piece;
      // Not after a flag group, which RE2 lets a repetition apply to the item before (the x).
      if (!piece.starts_with("(?")) pattern += quants[rng() % std::size(quants)];
    }
    RE2 re("(?i:" + pattern + ")", RE2::Quiet);
    if (!re.ok()) continue;
    const size_t lines = regex_max_newlines(re.pattern());
    if (lines > 2) continue;
    ++bounded[lines];
    for (int t = 0; t < 30; ++t) {
      std::string text;
      const int len = static_cast<int>(rng() % 40);
      for (int k = 0; k < len; ++k) text += alphabet[rng() % std::size(alphabet)];
      if (rng() % 2) text.insert(rng() % (text.size() + 1), rng() % 2 ? "zx" : "ZX");
      std::string folded = text;
      for (char& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const bool want = RE2::PartialMatch(text, re);
      ASSERT_EQ(search_lines(re, text, folded, "zx", 0, lines), want)
          << re.pattern() << " on " << ::testing::PrintToString(text);
      (want ? hits : misses)++;
    }
  }
  EXPECT_GT(bounded[0], 300);
  EXPECT_GT(bounded[1], 300);
  EXPECT_GT(bounded[2], 50);
  EXPECT_GT(hits, 2000);
  EXPECT_GT(misses, 2000);
}

}  // namespace
}  // namespace vigil::sigma
