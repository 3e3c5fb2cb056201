// UTF-16LE to UTF-8 conversion for EVTX strings, with an ASCII fast path (8 code units per step).
// Functions write into caller-provided memory (an Event's arena or a scratch string) and never
// allocate on their own. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"

namespace vigil::evtx {

// Number of UTF-16 code units before the first NUL unit (or `units` if there is none).
size_t utf16_length(const uint8_t* src, size_t units);

// Like utf16_length, then without trailing ASCII whitespace (evtx_dump trims string values so).
size_t utf16_value_length(const uint8_t* src, size_t units);

// Converts `units` code units at `src` (little-endian, any alignment) into `dst`, which must hold
// 3 * units bytes. Unpaired surrogates become U+FFFD. Returns one past the last byte written.
char* utf16_to_utf8(const uint8_t* src, size_t units, char* dst);

// Converts into the event's arena: exactly `units` bytes when the text is ASCII (the common
// case), 3 * units otherwise. The view lives until ev.clear().
std::string_view utf16_to_arena(Event& ev, const uint8_t* src, size_t units);

// Appends the conversion to `out`.
void utf16_append(const uint8_t* src, size_t units, std::string& out);

}  // namespace vigil::evtx
