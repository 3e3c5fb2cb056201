// Value formatting for EVTX substitution values: the text form of every value type (numbers,
// GUID, SID, FILETIME/SYSTEMTIME, hex ints, binary, floats) as evtx_dump writes it, and the
// splitting of array values into items. Pure functions over raw little-endian bytes; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "read/evtx/format.h"

namespace vigil::evtx {

struct ValueItem {
  const uint8_t* data;
  uint32_t size;
};

// Splits an array value (type with the 0x80 bit) into its items: NUL-separated strings, or
// fixed-size (variable for SIDs) records of the base type. A trailing partial item is dropped.
void split_array(uint8_t type, const uint8_t* data, size_t size, std::vector<ValueItem>& items);

// Bytes of a value that count: strings end at their first NUL and lose trailing whitespace (as
// evtx_dump shows them), so renderers need not scan them again; other types keep their size.
uint32_t value_length(uint8_t type, const uint8_t* data, uint32_t size);

// Whether a scalar value of `type` is a JSON number or boolean in the evtx_dump layout.
inline bool value_is_integer(uint8_t type) {
  return (type >= kValInt8 && type <= kValUInt64) || type == kValBool;
}
inline bool value_is_signed(uint8_t type) {
  return type == kValInt8 || type == kValInt16 || type == kValInt32 || type == kValInt64;
}

// Bytes of a fixed-size scalar type; 0 for variable-size types (strings, SID, binary...).
inline size_t value_fixed_size(uint8_t base) {
  switch (base) {
    case kValInt8:
    case kValUInt8:
      return 1;
    case kValInt16:
    case kValUInt16:
      return 2;
    case kValInt32:
    case kValUInt32:
    case kValReal32:
    case kValBool:
    case kValHexInt32:
      return 4;
    case kValInt64:
    case kValUInt64:
    case kValReal64:
    case kValFileTime:
    case kValHexInt64:
      return 8;
    case kValGuid:
    case kValSystemTime:
      return 16;
    default:
      return 0;
  }
}

// Reads an integer value (any width up to 8 bytes, zero/sign extended by type). False if
// `size` does not fit the type.
inline bool read_integer(uint8_t type, const uint8_t* data, size_t size, int64_t* as_signed,
                         uint64_t* as_unsigned) {
  size_t width = type == kValBool ? size : value_fixed_size(type);
  if (width == 0 || size < width || width > 8) return false;
  uint64_t raw = 0;
  switch (width) {  // fixed sizes, so no call to memcpy (little-endian host, as everywhere)
    case 1:
      raw = data[0];
      break;
    case 2: {
      uint16_t v;
      std::memcpy(&v, data, 2);
      raw = v;
      break;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, data, 4);
      raw = v;
      break;
    }
    case 8:
      std::memcpy(&raw, data, 8);
      break;
    default:
      std::memcpy(&raw, data, width);
  }
  if (value_is_signed(type) && width < 8 && (raw >> (8 * width - 1)) & 1) {
    raw |= ~0ull << (8 * width);  // sign-extend
  }
  *as_unsigned = raw;
  *as_signed = static_cast<int64_t>(raw);
  return true;
}

// Appends the text form of a scalar value that is not a string: numbers in decimal, floats in
// shortest round-trip form, booleans as true/false, binary as upper-case hex, GUID as
// 8-4-4-4-12 upper-case hex (in braces when `guid_braces`), SID as S-R-A-S..., FILETIME and
// SYSTEMTIME as 2025-10-24T23:34:34.640670Z, hex ints and size_t as 0x... lower case.
// Strings (UTF-16 and ANSI) are handled by the caller. Returns false for unknown types.
bool append_value_text(uint8_t type, const uint8_t* data, size_t size, bool guid_braces,
                       std::string& out);

// Windows-1252 ANSI bytes (up to the first NUL, trailing whitespace dropped) to UTF-8.
void append_ansi(const uint8_t* data, size_t size, std::string& out);

}  // namespace vigil::evtx
