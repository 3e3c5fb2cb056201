// Sigma wildcard matching.
//
// A Sigma value is literal text with `*` and `?`. Almost every value in SigmaHQ has one of four
// shapes — exact, prefix (`abc*`), suffix (`*abc`) or contains (`*abc*`) — so those are kept as a
// single lower-cased literal and matched with one comparison or one scan. Everything else goes
// to the general matcher: the pattern is cut at its stars into segments; a segment (literals,
// `?`, dash slots) matches at a given position in at most one way, because `?` is exactly one
// UTF-8 character and the five dashes are prefix-free. With deterministic segments the classic
// greedy rule is exact: anchor the first segment at the start, take each middle segment at its
// leftmost occurrence, and the last one at the end. Worst case O(text x pattern), no recursion,
// no allocation. Case folding is ASCII only (the pattern is folded once, the text on the fly),
// the same as the rest of Vigil; `cased` turns it off.
#include "detect/pattern.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstring>

#include "core/text.h"

namespace vigil::sigma {

const std::string_view kDashes[5] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};

namespace {

void push_lit(SigmaString& s, char c) {
  if (s.empty() || s.back().kind != Piece::kLit) s.push_back({Piece::kLit, {}});
  s.back().text.push_back(c);
}

size_t utf8_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

// A byte gets 0x20 when its high bit is clear and it lies in 'A'..'Z', both tests done by
// carries in the 7-bit lanes of a 64-bit word.
void fold_ascii(char* p, size_t n) {
  constexpr uint64_t kLanes = 0x0101010101010101ull;
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen bytes at a time: a byte is upper-case when byte - 'A' is at most 25 unsigned.
  const __m128i a = _mm_set1_epi8('A'), span = _mm_set1_epi8(25), bit = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i off = _mm_sub_epi8(x, a);
    const __m128i upper = _mm_cmpeq_epi8(_mm_min_epu8(off, span), off);
    x = _mm_or_si128(x, _mm_and_si128(upper, bit));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), x);
  }
#endif
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, 8);
    const uint64_t low7 = x & (0x7F * kLanes);
    const uint64_t ge_a = low7 + (0x80 - 'A') * kLanes;      // high bit: byte >= 'A'
    const uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * kLanes;  // high bit: byte > 'Z'
    const uint64_t upper = ge_a & ~gt_z & ~x & (0x80 * kLanes);
    x |= upper >> 2;
    std::memcpy(p + i, &x, 8);
  }
  for (; i < n; ++i) p[i] = ascii_lower(p[i]);
}

// Per byte: 3 for shell punctuation, 2 for quotes, brackets and the like and for control and
// non-ASCII bytes, 1 for the rest. A table, since the index scores every literal of every rule.
struct ScoreTable {
  uint8_t score[256];
  constexpr ScoreTable() : score() {
    for (int c = 0; c < 256; ++c) score[c] = (c >= 0x80 || c < 0x20) ? 2 : 1;
    for (char c : std::string_view("`^|;<>~!?*&@#")) score[static_cast<unsigned char>(c)] = 3;
    for (char c : std::string_view("\"'()[]%$+")) score[static_cast<unsigned char>(c)] = 2;
  }
};
constexpr ScoreTable kScores;

int literal_score(std::string_view literal) {
  int s = 0;
  for (char ch : literal) s += kScores.score[static_cast<unsigned char>(ch)];
  return s;
}

SigmaString parse_sigma_string(std::string_view raw) {
  SigmaString out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[i + 1];
      if (n == '*' || n == '?' || n == '\\') {
        push_lit(out, n);
        ++i;
        continue;
      }
      push_lit(out, c);
    } else if (c == '*') {
      if (out.empty() || out.back().kind != Piece::kStar) out.push_back({Piece::kStar, {}});
    } else if (c == '?') {
      out.push_back({Piece::kOne, {}});
    } else {
      push_lit(out, c);
    }
  }
  return out;
}

SigmaString literal_string(std::string_view text) {
  SigmaString out;
  if (!text.empty()) out.push_back({Piece::kLit, std::string(text)});
  return out;
}

bool is_plain(const SigmaString& s, std::string* out) {
  if (out) out->clear();
  for (const Piece& p : s) {
    if (p.kind != Piece::kLit) return false;
    if (out) out->append(p.text);
  }
  return true;
}

void add_wildcards(SigmaString& s, bool leading, bool trailing) {
  if (leading && (s.empty() || s.front().kind != Piece::kStar)) {
    s.insert(s.begin(), Piece{Piece::kStar, {}});
  }
  if (trailing && (s.empty() || s.back().kind != Piece::kStar)) s.push_back({Piece::kStar, {}});
}

std::string describe(const SigmaString& s) {
  std::string out;
  for (const Piece& p : s) {
    switch (p.kind) {
      case Piece::kStar: out += '*'; break;
      case Piece::kOne: out += '?'; break;
      case Piece::kDash: out += "<dash>"; break;
      case Piece::kLit:
        for (char c : p.text) {
          if (c == '*' || c == '?') out += '\\';
          out += c;
        }
        break;
    }
  }
  return out;
}

Pattern::Pattern(const SigmaString& s, bool cased) : cased_(cased) {
  for (const Piece& p : s) {
    Token t{p.kind, p.text};
    if (!cased_) t.text = to_lower(t.text);
    if (t.kind == Piece::kStar && !tokens_.empty() && tokens_.back().kind == Piece::kStar) continue;
    tokens_.push_back(std::move(t));
  }
  auto is = [&](size_t i, Piece::Kind k) { return i < tokens_.size() && tokens_[i].kind == k; };
  size_t n = tokens_.size();
  if (n == 0) {
    shape_ = Shape::kExact;
  } else if (n == 1 && is(0, Piece::kLit)) {
    shape_ = Shape::kExact;
    lit_ = tokens_[0].text;
  } else if (n == 1 && is(0, Piece::kStar)) {
    shape_ = Shape::kAny;
  } else if (n == 2 && is(0, Piece::kLit) && is(1, Piece::kStar)) {
    shape_ = Shape::kPrefix;
    lit_ = tokens_[0].text;
  } else if (n == 2 && is(0, Piece::kStar) && is(1, Piece::kLit)) {
    shape_ = Shape::kSuffix;
    lit_ = tokens_[1].text;
  } else if (n == 3 && is(0, Piece::kStar) && is(1, Piece::kLit) && is(2, Piece::kStar)) {
    shape_ = Shape::kContains;
    lit_ = tokens_[1].text;
    lit_rare_ = rarest_byte(lit_);
  } else {
    shape_ = Shape::kGeneral;
    for (Token& t : tokens_) {
      if (t.kind == Piece::kLit) t.rare = rarest_byte(t.text);
    }
    return;
  }
  tokens_.clear();
}

std::vector<std::string_view> Pattern::literals() const {
  std::vector<std::string_view> out;
  if (shape_ != Shape::kGeneral) {
    if (!lit_.empty()) out.push_back(lit_);
    return out;
  }
  for (const Token& t : tokens_) {
    if (t.kind == Piece::kLit) out.push_back(t.text);
  }
  return out;
}

bool Pattern::eq(std::string_view text, std::string_view lit, bool exact) {
  if (text.size() != lit.size()) return false;
  if (exact) return text == lit;
  for (size_t i = 0; i < lit.size(); ++i) {
    if (ascii_lower(text[i]) != lit[i]) return false;
  }
  return true;
}

namespace {

// How common a byte is in log text, roughly (higher = more common): lower-case letters by
// English frequency, then the separators of paths and command lines. Used to pick the byte of a
// needle that memchr should look for: the rarer, the fewer false starts.
struct ByteRanks {
  uint8_t rank[256] = {};
  constexpr ByteRanks() {
    for (int c = 0; c < 256; ++c) rank[c] = c >= 0x80 ? 8 : 20;  // other punctuation: rare
    const std::string_view by_frequency = "etaoinsrhldcumfpgwybvkxjqz";
    for (size_t i = 0; i < by_frequency.size(); ++i) {
      rank[static_cast<uint8_t>(by_frequency[i])] = static_cast<uint8_t>(200 - 4 * i);
    }
    for (int c = '0'; c <= '9'; ++c) rank[c] = 150;
    for (char c : std::string_view(" \\.:/-_\n")) rank[static_cast<uint8_t>(c)] = 240;
    for (char c : std::string_view("\"'=,;()")) rank[static_cast<uint8_t>(c)] = 120;
  }
};
constexpr ByteRanks kRanks;

}  // namespace

uint32_t Pattern::rarest_byte(std::string_view needle) {
  uint32_t pick = 0;
  for (uint32_t k = 1; k < needle.size(); ++k) {
    if (kRanks.rank[static_cast<uint8_t>(needle[k])] < kRanks.rank[static_cast<uint8_t>(needle[pick])]) pick = k;
  }
  return pick;
}

size_t Pattern::find(std::string_view hay, std::string_view needle, size_t rare, size_t from, bool exact) {
  if (needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (exact) {
    // memchr for the needle's rarest byte, then compare in place: glibc's memmem sets up a
    // 256-entry shift table on every call, which costs more than the search itself on the
    // short values and few occurrences of log text.
    if (from > hay.size() || hay.size() - from < needle.size()) return std::string_view::npos;
    const size_t pick = rare;
    const char* const base = hay.data();
    const char* const stop = base + (hay.size() - needle.size()) + pick + 1;  // last place for the byte
    for (const char* p = base + from + pick; p < stop;) {
      const void* hit = std::memchr(p, needle[pick], static_cast<size_t>(stop - p));
      if (!hit) return std::string_view::npos;
      const char* start = static_cast<const char*>(hit) - pick;
      // The first and last bytes settle most false starts without a call.
      const size_t n = needle.size();
      if (start[0] == needle[0] && start[n - 1] == needle[n - 1] &&
          (n <= 2 || std::memcmp(start + 1, needle.data() + 1, n - 2) == 0)) {
        return static_cast<size_t>(start - base);
      }
      p = static_cast<const char*>(hit) + 1;
    }
    return std::string_view::npos;
  }
  if (hay.size() < needle.size()) return std::string_view::npos;
  const char first = needle[0];
  const size_t last_start = hay.size() - needle.size();
  for (size_t i = from; i <= last_start; ++i) {
    if (ascii_lower(hay[i]) != first) continue;
    if (eq(hay.substr(i, needle.size()), needle, false)) return i;
  }
  return std::string_view::npos;
}

size_t Pattern::match_segment(size_t first, size_t last, std::string_view text, size_t pos, bool exact) const {
  const size_t start = pos;
  for (size_t k = first; k < last; ++k) {
    const Token& t = tokens_[k];
    switch (t.kind) {
      case Piece::kLit:
        if (pos + t.text.size() > text.size() || !eq(text.substr(pos, t.text.size()), t.text, exact)) {
          return std::string_view::npos;
        }
        pos += t.text.size();
        break;
      case Piece::kOne:
        if (pos >= text.size()) return std::string_view::npos;
        pos += utf8_len(static_cast<unsigned char>(text[pos]));
        if (pos > text.size()) return std::string_view::npos;
        break;
      case Piece::kDash: {
        bool hit = false;
        for (std::string_view d : kDashes) {
          if (text.substr(pos, d.size()) == d) {
            pos += d.size();
            hit = true;
            break;
          }
        }
        if (!hit) return std::string_view::npos;
        break;
      }
      case Piece::kStar:
        return std::string_view::npos;  // segments never hold stars
    }
  }
  return pos - start;
}

bool Pattern::match_general(std::string_view text, bool exact) const {
  const size_t n = tokens_.size();
  size_t pos = 0;
  size_t k = 0;
  bool after_star = false;
  while (k < n) {
    if (tokens_[k].kind == Piece::kStar) {
      after_star = true;
      ++k;
      continue;
    }
    size_t end = k;
    while (end < n && tokens_[end].kind != Piece::kStar) ++end;
    const bool last = end == n;
    if (!after_star) {
      size_t len = match_segment(k, end, text, pos, exact);
      if (len == std::string_view::npos) return false;
      pos += len;
      if (last) return pos == text.size();
    } else if (last) {
      // Anchored at the end: try each start from the leftmost admissible one.
      for (size_t s = pos; s <= text.size(); ++s) {
        size_t len = match_segment(k, end, text, s, exact);
        if (len != std::string_view::npos && s + len == text.size()) return true;
      }
      return false;
    } else {
      size_t s = pos;
      for (;;) {
        if (tokens_[k].kind == Piece::kLit) {
          s = find(text, tokens_[k].text, tokens_[k].rare, s, exact);
          if (s == std::string_view::npos) return false;
        }
        if (s > text.size()) return false;
        size_t len = match_segment(k, end, text, s, exact);
        if (len != std::string_view::npos) {
          pos = s + len;
          break;
        }
        ++s;
      }
    }
    k = end;
  }
  return after_star || pos == text.size();
}

bool Pattern::match_impl(std::string_view text, bool exact) const {
  switch (shape_) {
    case Shape::kExact:
      return eq(text, lit_, exact);
    case Shape::kPrefix:
      return text.size() >= lit_.size() && eq(text.substr(0, lit_.size()), lit_, exact);
    case Shape::kSuffix:
      return text.size() >= lit_.size() && eq(text.substr(text.size() - lit_.size()), lit_, exact);
    case Shape::kContains:
      return find(text, lit_, lit_rare_, 0, exact) != std::string_view::npos;
    case Shape::kAny:
      return true;
    case Shape::kGeneral:
      return match_general(text, exact);
  }
  return false;
}

}  // namespace vigil::sigma
