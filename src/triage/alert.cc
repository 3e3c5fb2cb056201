#include "triage/alert.h"

#include <array>

#include "triage/incident.h"

namespace vigil::triage {

namespace {
constexpr std::array<std::string_view, kEntityKinds> kEntityNames = {
    "host", "host_ip", "user", "src_ip", "dst_ip", "process", "file", "hash", "url"};
}

std::string_view entity_kind_name(EntityKind k) { return kEntityNames[static_cast<int>(k)]; }

std::optional<EntityKind> parse_entity_kind(std::string_view name) {
  for (int i = 0; i < kEntityKinds; ++i) {
    if (kEntityNames[i] == name) return static_cast<EntityKind>(i);
  }
  return std::nullopt;
}

int severity_from_level(std::string_view level) {
  if (level == "informational") return 10;
  if (level == "low") return 30;
  if (level == "medium") return 50;
  if (level == "high") return 75;
  if (level == "critical") return 95;
  return -1;
}

const char* status_name(IncidentStatus s) {
  switch (s) {
    case IncidentStatus::kSurfaced: return "surfaced";
    case IncidentStatus::kAutoClosed: return "auto-closed";
    case IncidentStatus::kSuppressed: return "suppressed";
  }
  return "auto-closed";
}

}  // namespace vigil::triage
