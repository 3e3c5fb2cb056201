// Pattern and encoding unit tests, plus a differential test of the wildcard matcher against a
// plain recursive definition over many generated patterns and texts.
#include "detect/pattern.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/text.h"
#include "detect/modifiers.h"

namespace vigil::sigma {
namespace {

// The definition: * any run, ? one byte (ASCII test alphabet), else equal ignoring ASCII case.
bool reference(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') return reference(p.substr(1), t) || (!t.empty() && reference(p, t.substr(1)));
  if (t.empty()) return false;
  if (p[0] != '?' && ascii_lower(p[0]) != ascii_lower(t[0])) return false;
  return reference(p.substr(1), t.substr(1));
}

TEST(Pattern, AgreesWithRecursiveDefinition) {
  std::mt19937 rng(7);
  const char alphabet[] = {'a', 'b', 'A', '*', '?'};
  const char text_alphabet[] = {'a', 'b', 'B'};
  int checked = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string p, t;
    for (int k = rng() % 7; k > 0; --k) p += alphabet[rng() % 5];
    for (int k = rng() % 9; k > 0; --k) t += text_alphabet[rng() % 3];
    Pattern pat(parse_sigma_string(p), false);
    ASSERT_EQ(pat.match(t), reference(p, t)) << "pattern '" << p << "' text '" << t << "'";
    ++checked;
  }
  EXPECT_EQ(checked, 20000);
}

// The same on folded text (the matcher's fast path, whose literal search looks for the needle's
// rarest byte first), with bytes of different rarity and longer texts.
TEST(Pattern, FoldedAgreesWithRecursiveDefinition) {
  std::mt19937 rng(9);
  const char alphabet[] = {'a', 'z', 'Q', '.', '\\', '*', '?', 'e'};
  const char text_alphabet[] = {'a', 'Z', 'q', '.', '\\', 'e', 'E'};
  for (int i = 0; i < 20000; ++i) {
    std::string p, t;
    for (int k = rng() % 8; k > 0; --k) p += alphabet[rng() % std::size(alphabet)];
    for (int k = rng() % 24; k > 0; --k) t += text_alphabet[rng() % std::size(text_alphabet)];
    Pattern pat(parse_sigma_string(p), false);
    std::string low = t;
    fold_ascii(low.data(), low.size());
    // parse_sigma_string reads a backslash before * ? or \ as an escape; the reference does not,
    // so compare only patterns without backslashes against it.
    if (p.find('\\') == std::string::npos) {
      ASSERT_EQ(pat.match_folded(low), reference(p, t)) << "pattern '" << p << "' text '" << t << "'";
    }
    ASSERT_EQ(pat.match_folded(low), pat.match(t)) << "pattern '" << p << "' text '" << t << "'";
  }
}

TEST(Pattern, Escapes) {
  EXPECT_EQ(describe(parse_sigma_string("a\\*b")), "a\\*b");
  std::string plain;
  EXPECT_TRUE(is_plain(parse_sigma_string("C:\\\\Windows\\System32"), &plain));
  EXPECT_EQ(plain, "C:\\Windows\\System32");
  EXPECT_FALSE(is_plain(parse_sigma_string("C:\\\\*"), &plain));
}

TEST(Pattern, CasedAndUtf8) {
  EXPECT_TRUE(Pattern(parse_sigma_string("ab?"), false).match("ABé"));
  EXPECT_FALSE(Pattern(parse_sigma_string("ab?"), false).match("ABéx"));
  EXPECT_FALSE(Pattern(parse_sigma_string("Ab*"), true).match("ab"));
}

TEST(Encodings, Base64AndUtf16) {
  EXPECT_EQ(base64_encode("http://"), "aHR0cDovLw==");
  EXPECT_EQ(base64_offsets("http://"), (std::vector<std::string>{"aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"}));
  EXPECT_EQ(utf16_encode("cmd", false, false), std::string("c\0m\0d\0", 6));
  EXPECT_EQ(utf16_encode("cmd", true, false), std::string("\0c\0m\0d", 6));
  EXPECT_EQ(utf16_encode("c", false, true), std::string("\xFF\xFE" "c\0", 4));
}

// fold_ascii works sixteen and eight bytes at a time: every byte value, at every length and
// alignment, must come out as ascii_lower makes it (the bytes around it untouched).
TEST(FoldAscii, AgreesWithBytewiseLowering) {
  std::mt19937 rng(11);
  std::string all(256, '\0');
  for (int c = 0; c < 256; ++c) all[static_cast<size_t>(c)] = static_cast<char>(c);
  for (int round = 0; round < 2000; ++round) {
    std::string text = all;
    std::shuffle(text.begin(), text.end(), rng);
    const size_t from = rng() % 40, size = rng() % 200;
    std::string got = text, want = text;
    fold_ascii(got.data() + from, size);
    for (size_t i = from; i < from + size; ++i) want[i] = ascii_lower(want[i]);
    ASSERT_EQ(got, want) << "from " << from << " size " << size;
  }
}

}  // namespace
}  // namespace vigil::sigma

namespace vigil::sigma {
namespace {

// literal_score: 3 per shell punctuation byte, 2 per quote/bracket/%/$/+ and per control or
// non-ASCII byte, 1 for any other byte.
TEST(LiteralScore, ScoresEachByteByItsClass) {
  const std::string_view punct = "`^|;<>~!?*&@#", quote = "\"'()[]%$+";
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    int want = 1;
    if (c < 0x20 || c >= 0x80) want = 2;
    if (punct.find(ch) != std::string_view::npos) want = 3;
    if (quote.find(ch) != std::string_view::npos) want = 2;
    EXPECT_EQ(literal_score(std::string_view(&ch, 1)), want) << "byte " << c;
  }
  EXPECT_EQ(literal_score("cmd.exe /c"), 10);
  EXPECT_EQ(literal_score("a|b"), 5);
  EXPECT_EQ(literal_score("\"x\""), 5);
  EXPECT_EQ(literal_score("\xc3\xa9"), 4);  // é: two non-ASCII bytes
  EXPECT_EQ(literal_score(""), 0);
}

}  // namespace
}  // namespace vigil::sigma
