// Modifiers: turns one detection item — a key `Field|mod|mod...` and its YAML values — into a
// compiled FieldTest, applying every Sigma v2.1 value modifier in the order written.
// Pure functions; the Placeholders map is read-only and may be shared.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "detect/field_test.h"

namespace vigil::sigma {

// A YAML scalar as the rule wrote it: quoted strings stay strings; plain scalars that read as
// numbers, booleans or null keep that type.
struct RawValue {
  enum Kind : uint8_t { kString, kNumber, kBool, kNull };
  Kind kind = kString;
  std::string text;
};

// Placeholder name (without the % signs) -> the values it expands to (Sigma strings).
using Placeholders = std::map<std::string, std::vector<std::string>, std::less<>>;

// Why a detection item cannot be compiled: `category` is a short stable key for grouping
// (e.g. "modifier", "regex", "placeholder", "value"), `reason` a sentence for the user.
struct Refusal {
  std::string category;
  std::string reason;
};

// `key` is the map key ("" or "|all" for keyword lists); `values` the scalars under it.
// Returns false and fills `why` when the item is invalid or unsupported.
bool build_field_test(std::string_view key, const std::vector<RawValue>& values,
                      const Placeholders* placeholders, FieldTest* out, Refusal* why);

// Encodings used by the base64/utf16 modifiers (exposed for tests).
std::string base64_encode(std::string_view bytes);
std::vector<std::string> base64_offsets(std::string_view bytes);
std::string utf16_encode(std::string_view utf8, bool big_endian, bool bom);

}  // namespace vigil::sigma
