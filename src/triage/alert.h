// Alert: one security alert as triage sees it, whatever raised it (Vigil's own Sigma detections,
// Wazuh, Suricata, AIT CSV, generic CSV/JSON). A borrowed view: every string_view points into the
// caller's record and must stay valid only for the Engine::add call. No thread rules (plain data).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "triage/tactic.h"

namespace vigil::triage {

// What an alert is about. Host is the machine the sensor watched (agent, sensor host, Computer);
// the IPs are the flow's ends when the sensor saw a network connection.
enum class EntityKind : uint8_t {
  kHost,
  kHostIp,  // the watched host's own address
  kUser,
  kSrcIp,
  kDstIp,
  kProcess,
  kFile,
  kHash,
  kUrl,
};
inline constexpr int kEntityKinds = 9;
std::string_view entity_kind_name(EntityKind k);  // "host", "host_ip", "user", "src_ip", ...
std::optional<EntityKind> parse_entity_kind(std::string_view name);

// ATT&CK techniques kept per alert: SigmaHQ rules tag up to ~10 (Net.EXE Execution names 10).
inline constexpr int kMaxTechniques = 12;

// A Sigma rule `level` on the 0..100 severity scale: informational 10, low 30, medium 50,
// high 75, critical 95; -1 for anything else.
int severity_from_level(std::string_view level);

struct Alert {
  int64_t time_us = 0;          // when the alert fired, microseconds since the Unix epoch (UTC)
  uint64_t record = 0;          // 0-based input record number (files in order, records in order)
  std::string_view sensor;      // who raised it: "Wazuh", "Suricata", "AMiner", "Vigil"...
  std::string_view rule_id;     // the signature's id; empty = the title identifies the signature
  std::string_view title;       // human-readable signature name
  std::string_view category;    // the sensor's grouping of the signature, if any
  int severity = -1;            // 0 (info) .. 100 (critical); -1 when the sensor gives none
  TacticSet tactics = 0;        // ATT&CK tactics the sensor names (0 = none named)
  std::array<std::string_view, kMaxTechniques> techniques{};  // "T1110"...; empty slots unused
  std::array<std::string_view, kEntityKinds> entities{};      // by EntityKind; empty = absent

  std::string_view entity(EntityKind k) const { return entities[static_cast<int>(k)]; }
  void set_entity(EntityKind k, std::string_view v) { entities[static_cast<int>(k)] = v; }
};

}  // namespace vigil::triage
