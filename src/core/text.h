// Small text helpers shared by every stage: ASCII case folding, trimming, number parsing.
// All functions are pure and allocation-free unless they return std::string.
// Thread-safe: no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline bool istarts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && iequals(s.substr(0, p.size()), p);
}

inline bool iends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && iequals(s.substr(s.size() - p.size()), p);
}

std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s);
// ASCII case-insensitive substring search; returns npos when absent.
size_t ifind(std::string_view hay, std::string_view needle);

// Whole-string decimal (or 0x-prefixed hex) integer; false on any stray character or overflow.
bool parse_int(std::string_view s, int64_t* out);
bool parse_double(std::string_view s, double* out);

// Appends `s` escaped for XML or HTML text: & < > always, " when `quotes` (attribute values),
// and C0 controls other than tab, LF and CR (which XML 1.0 cannot carry, not even as character
// references) as U+FFFD.
void xml_escape(std::string_view s, bool quotes, std::string& out);

}  // namespace vigil
