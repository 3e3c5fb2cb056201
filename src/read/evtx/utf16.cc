// UTF-16LE -> UTF-8.
//
// Nearly every string in a Windows event log is ASCII stored as UTF-16: each character is one
// byte of text and one zero byte. The fast path therefore takes eight code units (16 bytes) at a
// time, checks with one SIMD compare that none needs more than 7 bits, and narrows them with one
// pack instruction. The first unit that fails the test drops the loop into the general decoder
// (surrogate pairs, 2- and 3-byte sequences), which returns to the fast path only at the next
// call: mixed text is rare and short, so a simple scalar loop is the right trade for it.
// Unpaired surrogates are replaced by U+FFFD so the output is always valid UTF-8.
#include "read/evtx/utf16.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "read/evtx/format.h"

namespace vigil::evtx {
namespace {

// Converts the ASCII prefix; returns how many units were consumed (stops at the first unit
// >= 0x80, which the caller decodes the slow way).
inline size_t ascii_prefix(const uint8_t* src, size_t units, char* dst) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i high_mask = _mm_set1_epi16(static_cast<short>(0xff80));
  for (; i + 8 <= units; i += 8) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
    __m128i hi = _mm_and_si128(v, high_mask);
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(hi, _mm_setzero_si128())) != 0xffff) break;
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + i), _mm_packus_epi16(v, v));
  }
#endif
  for (; i < units; ++i) {
    uint16_t c = load_u16(src + 2 * i);
    if (c >= 0x80) break;
    dst[i] = static_cast<char>(c);
  }
  return i;
}

inline char* put_code_point(uint32_t cp, char* d) {
  if (cp < 0x80) {
    *d++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *d++ = static_cast<char>(0xc0 | (cp >> 6));
    *d++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    *d++ = static_cast<char>(0xe0 | (cp >> 12));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *d++ = static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    *d++ = static_cast<char>(0xf0 | (cp >> 18));
    *d++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    *d++ = static_cast<char>(0x80 | (cp & 0x3f));
  }
  return d;
}

}  // namespace

size_t utf16_length(const uint8_t* src, size_t units) {
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 8 <= units; i += 8) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i));
    int zero = _mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_setzero_si128()));
    if (zero) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(zero))) / 2;
  }
#endif
  for (; i < units; ++i) {
    if (src[2 * i] == 0 && src[2 * i + 1] == 0) return i;
  }
  return units;
}

size_t utf16_value_length(const uint8_t* src, size_t units) {
  size_t n = utf16_length(src, units);
  while (n > 0) {
    uint16_t c = load_u16(src + 2 * (n - 1));
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') break;
    --n;
  }
  return n;
}

char* utf16_to_utf8(const uint8_t* src, size_t units, char* dst) {
  size_t i = 0;
  char* d = dst;
  while (i < units) {
    size_t n = ascii_prefix(src + 2 * i, units - i, d);
    i += n;
    d += n;
    if (i >= units) break;
    uint32_t c = load_u16(src + 2 * i);
    ++i;
    if (c >= 0xd800 && c <= 0xdbff) {
      uint32_t lo = i < units ? load_u16(src + 2 * i) : 0;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        ++i;
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      c = 0xfffd;
    }
    d = put_code_point(c, d);
  }
  return d;
}

std::string_view utf16_to_arena(Event& ev, const uint8_t* src, size_t units) {
  if (units == 0) return {};
  char* dst = ev.allocate(units);
  size_t n = ascii_prefix(src, units, dst);
  if (n == units) return {dst, units};
  // Not ASCII: convert again into room for the worst case (3 bytes per unit).
  char* wide = ev.allocate(3 * units);
  std::memcpy(wide, dst, n);
  char* end = utf16_to_utf8(src + 2 * n, units - n, wide + n);
  return {wide, static_cast<size_t>(end - wide)};
}

void utf16_append(const uint8_t* src, size_t units, std::string& out) {
  size_t old = out.size();
  out.resize(old + 3 * units);
  char* end = utf16_to_utf8(src, units, out.data() + old);
  out.resize(static_cast<size_t>(end - out.data()));
}

}  // namespace vigil::evtx
