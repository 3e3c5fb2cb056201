// Text forms of EVTX values.
//
// The forms follow what evtx_dump prints, because that is the layout Vigil's EVTX events copy
// and what analysts' existing JSON exports look like: integers in decimal, HexInt32/64 and size_t
// as lower-case 0x-prefixed hex without padding, GUIDs upper-case without braces, SIDs in S-1-5-...
// form, FILETIME and SYSTEMTIME as ISO 8601 UTC with microseconds, binary as upper-case hex.
// Floats use the shortest text that reads back to the same value (std::to_chars), with ".0" added
// to integral values so they still read as floats.
//
// Everything formats into a caller's std::string with fixed-size stack buffers; the only loops
// over input length are binary hex and SID sub-authorities, both bounded by the value's size.
#include "read/evtx/value_text.h"

#include <charconv>
#include <cstring>

#include "read/evtx/format.h"
#include "read/evtx/utf16.h"

namespace vigil::evtx {
namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr char kLowerHex[] = "0123456789abcdef";


void append_hex_prefixed(uint64_t v, std::string& out) {
  char buf[18];
  char* end = buf + sizeof buf;
  char* p = end;
  do {
    *--p = kLowerHex[v & 15];
    v >>= 4;
  } while (v);
  *--p = 'x';
  *--p = '0';
  out.append(p, static_cast<size_t>(end - p));
}

template <typename T>
void append_number(T v, std::string& out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <typename F>
void append_float(F v, std::string& out) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  out += s;
  if (s.find_first_of(".eEn") == std::string_view::npos) out += ".0";  // 1 -> 1.0; not inf/nan
}

void put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10 % 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// Civil date from days since 1970-01-01 (proleptic Gregorian), by 400-year eras.
void civil_from_days(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2);
}

void append_datetime(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                     unsigned second, unsigned micros, std::string& out) {
  if (year >= 0 && year <= 9999) {
    char buf[4];
    put2(buf, static_cast<unsigned>(year / 100));
    put2(buf + 2, static_cast<unsigned>(year % 100));
    out.append(buf, 4);
  } else {
    append_number(year, out);
  }
  char buf[] = "-00-00T00:00:00.000000Z";
  put2(buf + 1, month);
  put2(buf + 4, day);
  put2(buf + 7, hour);
  put2(buf + 10, minute);
  put2(buf + 13, second);
  for (int i = 21; i >= 16; --i) {
    buf[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  out.append(buf, sizeof buf - 1);
}

void append_filetime(uint64_t ft, std::string& out) {
  uint64_t seconds = ft / 10000000;  // since 1601-01-01
  unsigned micros = static_cast<unsigned>(ft % 10000000 / 10);
  int64_t days = static_cast<int64_t>(seconds / 86400) - 134774;  // 1601 -> 1970
  unsigned rem = static_cast<unsigned>(seconds % 86400);
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  append_datetime(y, m, d, rem / 3600, rem / 60 % 60, rem % 60, micros, out);
}

void append_guid(const uint8_t* g, bool braces, std::string& out) {
  static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  char buf[38];
  size_t n = 0;
  if (braces) buf[n++] = '{';
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[n++] = '-';
    buf[n++] = kUpperHex[g[kOrder[i]] >> 4];
    buf[n++] = kUpperHex[g[kOrder[i]] & 15];
  }
  if (braces) buf[n++] = '}';
  out.append(buf, n);
}

bool append_sid(const uint8_t* p, size_t size, std::string& out) {
  if (size < 8) return false;
  unsigned subs = p[1];
  if (8 + 4ull * subs > size) return false;
  uint64_t authority = 0;
  for (int i = 2; i < 8; ++i) authority = (authority << 8) | p[i];
  out += "S-";
  append_number(static_cast<unsigned>(p[0]), out);
  out += '-';
  append_number(authority, out);
  for (unsigned i = 0; i < subs; ++i) {
    out += '-';
    append_number(load_u32(p + 8 + 4 * i), out);
  }
  return true;
}

void append_binary(const uint8_t* p, size_t size, std::string& out) {
  size_t old = out.size();
  out.resize(old + 2 * size);
  char* d = out.data() + old;
  for (size_t i = 0; i < size; ++i) {
    d[2 * i] = kUpperHex[p[i] >> 4];
    d[2 * i + 1] = kUpperHex[p[i] & 15];
  }
}

}  // namespace

void split_array(uint8_t type, const uint8_t* data, size_t size, std::vector<ValueItem>& items) {
  items.clear();
  uint8_t base = type & ~kValArrayFlag;
  if (base == kValString || base == kValAnsiString) {
    size_t unit = base == kValString ? 2 : 1;
    size_t start = 0;
    for (size_t i = 0; i + unit <= size; i += unit) {
      bool nul = unit == 2 ? (data[i] == 0 && data[i + 1] == 0) : data[i] == 0;
      if (nul) {
        items.push_back({data + start, static_cast<uint32_t>(i - start)});
        start = i + unit;
      }
    }
    if (start + unit <= size) items.push_back({data + start, static_cast<uint32_t>(size - start)});
    return;
  }
  if (base == kValSid) {
    size_t off = 0;
    while (size - off >= 8) {
      size_t n = 8 + 4ull * data[off + 1];
      if (n > size - off) break;
      items.push_back({data + off, static_cast<uint32_t>(n)});
      off += n;
    }
    return;
  }
  size_t width = base == kValSizeT ? (size % 8 == 0 ? 8 : 4) : value_fixed_size(base);
  if (width == 0) {  // no item structure known (binary...): one item
    items.push_back({data, static_cast<uint32_t>(size)});
    return;
  }
  for (size_t off = 0; off + width <= size; off += width) {
    items.push_back({data + off, static_cast<uint32_t>(width)});
  }
}


bool append_value_text(uint8_t type, const uint8_t* data, size_t size, bool guid_braces,
                       std::string& out) {
  size_t width = value_fixed_size(type);
  if (width != 0 && size < width) {  // value shorter than its type: show the bytes
    append_binary(data, size, out);
    return true;
  }
  switch (type) {
    case kValInt8:
    case kValInt16:
    case kValInt32:
    case kValInt64:
    case kValUInt8:
    case kValUInt16:
    case kValUInt32:
    case kValUInt64: {
      int64_t s = 0;
      uint64_t u = 0;
      read_integer(type, data, size, &s, &u);
      if (value_is_signed(type)) {
        append_number(s, out);
      } else {
        append_number(u, out);
      }
      return true;
    }
    case kValBool: {
      bool any = false;
      for (size_t i = 0; i < size && i < 8; ++i) any |= data[i] != 0;
      out += any ? "true" : "false";
      return true;
    }
    case kValReal32: {
      float f;
      std::memcpy(&f, data, 4);
      append_float(f, out);
      return true;
    }
    case kValReal64: {
      double d;
      std::memcpy(&d, data, 8);
      append_float(d, out);
      return true;
    }
    case kValGuid:
      append_guid(data, guid_braces, out);
      return true;
    case kValSizeT:
      append_hex_prefixed(size >= 8 ? load_u64(data) : size >= 4 ? load_u32(data) : 0, out);
      return true;
    case kValHexInt32:
      append_hex_prefixed(load_u32(data), out);
      return true;
    case kValHexInt64:
      append_hex_prefixed(load_u64(data), out);
      return true;
    case kValFileTime:
      append_filetime(load_u64(data), out);
      return true;
    case kValSystemTime: {
      unsigned year = load_u16(data), month = load_u16(data + 2), day = load_u16(data + 6);
      unsigned hour = load_u16(data + 8), minute = load_u16(data + 10);
      unsigned second = load_u16(data + 12), millis = load_u16(data + 14);
      append_datetime(year, month % 100, day % 100, hour % 100, minute % 100, second % 100,
                      (millis % 1000) * 1000, out);
      return true;
    }
    case kValSid:
      if (!append_sid(data, size, out)) append_binary(data, size, out);
      return true;
    case kValBinary:
    case kValEvtHandle:
    case kValEvtXml:
      append_binary(data, size, out);
      return true;
    default:
      return false;
  }
}

void append_ansi(const uint8_t* data, size_t size, std::string& out) {
  // Windows-1252 0x80..0x9f; the rest of the high half is Latin-1.
  static constexpr uint16_t k1252[32] = {
      0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
      0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
      0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};
  size_t n = 0;
  while (n < size && data[n] != 0) ++n;
  while (n > 0 && (data[n - 1] == ' ' || (data[n - 1] >= '\t' && data[n - 1] <= '\r'))) --n;
  for (size_t i = 0; i < n; ++i) {
    uint32_t c = data[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    if (c < 0xa0) c = k1252[c - 0x80];
    if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
}

uint32_t value_length(uint8_t type, const uint8_t* data, uint32_t size) {
  if (type == kValString) return static_cast<uint32_t>(2 * utf16_value_length(data, size / 2));
  if (type == kValAnsiString) {
    uint32_t n = 0;
    while (n < size && data[n] != 0) ++n;
    while (n > 0 && (data[n - 1] == ' ' || (data[n - 1] >= '\t' && data[n - 1] <= '\r'))) --n;
    return n;
  }
  return size;
}

}  // namespace vigil::evtx
