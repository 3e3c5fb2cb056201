// Case files for the triage tests: a small language that describes an alert stream and what
// should become of each alert, so behaviour reads without C++ (testdata/cases/*.case).
// Parsing is pure; the parsed Case is a plain value. Test-only code.
//
//   # comment
//   every 5m 0h..96h   Wazuh: ClamAV database update @ mail        => routine
//   at 72h x40 over 2m Suricata: Alert - ET SCAN Nmap @ web,mail   => surfaced:attack
//   expect surfaced 1
//
// Times are offsets from 2022-01-01T00:00:00Z written as 90m, 72h, 3d or 72h30m. `every`
// repeats an alert from the first time to the second (inclusive start, exclusive end); `at`
// places one alert (or N spread evenly over a duration) on each listed host. Expectations:
// routine (an auto-closed routine group), closed (any auto-closed group), suppressed,
// surfaced:TAG / closed:TAG (a correlated incident with that status; alerts with the same tag
// share one incident, different tags never do), any (not checked).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vigil::triage::testing {

struct CaseAlert {
  int64_t time_s = 0;      // epoch seconds
  std::string name;        // "Sensor: Title"
  std::string host;
  std::string expect;      // as written
};

struct Case {
  std::string name;
  std::vector<CaseAlert> alerts;  // in file order (record numbers)
  int expect_surfaced = -1;       // -1 = not checked
};

constexpr int64_t kCaseEpoch = 1640995200;  // 2022-01-01T00:00:00Z

Result<Case> parse_case(std::string_view text, std::string name);
Result<Case> load_case(const std::string& path);
// Seconds in "90m", "72h", "3d", "72h30m"; false when malformed.
bool parse_offset(std::string_view s, int64_t* seconds);

}  // namespace vigil::triage::testing
