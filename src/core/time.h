// Time: parsing and printing of timestamps as microseconds since the Unix epoch (UTC).
// Accepts ISO 8601 / RFC 3339 and the common log spellings ("2020-06-09 22:50:54.123",
// "...Z", "...+02:00"); FILETIME conversion for EVTX. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

// Days since 1970-01-01 for a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

std::optional<int64_t> parse_time_us(std::string_view s);
// "2025-10-24T23:34:34.640670Z" (always 6 fractional digits, UTC).
std::string format_time_us(int64_t us);
// Windows FILETIME (100 ns ticks since 1601) to Unix microseconds.
inline int64_t filetime_to_us(uint64_t ft) {
  return static_cast<int64_t>(ft / 10) - 11644473600LL * 1000000LL;
}

}  // namespace vigil
