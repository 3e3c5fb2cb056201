// ATT&CK tactics: the enterprise tactics in kill-chain order, their ids and names, and a small
// keyword table that guesses tactics from an alert title when a sensor gives none.
// Pure functions over constant tables; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::triage {

// Declared in the order an intrusion usually unfolds (the ATT&CK enterprise matrix order), so a
// lower value is an earlier stage. ATT&CK v19 split Defense Evasion (TA0005) into Stealth, which
// keeps TA0005 (so older data and newer Sigma tags meet on one id), and Defense Impairment
// (TA0112: disabling logging and security tools).
enum class Tactic : uint8_t {
  kReconnaissance,
  kResourceDevelopment,
  kInitialAccess,
  kExecution,
  kPersistence,
  kPrivilegeEscalation,
  kDefenseEvasion,     // TA0005; v19 name Stealth
  kDefenseImpairment,  // TA0112 (v19)
  kCredentialAccess,
  kDiscovery,
  kLateralMovement,
  kCollection,
  kCommandAndControl,
  kExfiltration,
  kImpact,
};
inline constexpr int kTacticCount = 15;

// A set of tactics, one bit per Tactic value.
using TacticSet = uint16_t;
inline constexpr TacticSet tactic_bit(Tactic t) { return TacticSet(1u << static_cast<int>(t)); }
inline bool has_tactic(TacticSet s, Tactic t) { return (s & tactic_bit(t)) != 0; }
int tactic_count(TacticSet s);

std::string_view tactic_id(Tactic t);    // "TA0004"
std::string_view tactic_name(Tactic t);  // "Privilege Escalation"

// Accepts an id ("TA0004"), a name in any case with spaces, dashes or underscores
// ("privilege-escalation", "Privilege Escalation", v19's "stealth"); nullopt otherwise.
std::optional<Tactic> parse_tactic(std::string_view text);

// Tactics suggested by well-known words in an alert title ("scan", "brute force", "sudo"...).
// Used only when the sensor itself names no tactic; returns 0 when no word matches.
TacticSet infer_tactics(std::string_view title);

// Sigma-style tags ("attack.privilege_escalation", "attack.t1059.001", "attack.g0032"): the
// tactics they name, and the technique ids in upper case ("T1059.001"); other tags are ignored.
TacticSet tactics_from_tags(const std::vector<std::string>& tags);
std::vector<std::string> techniques_from_tags(const std::vector<std::string>& tags);

// "Reconnaissance, Privilege Escalation" in kill-chain order.
std::string describe_tactics(TacticSet s);

// Number of kill-chain transitions in `s`: how many distinct tactics follow an earlier one.
// 0 or 1 tactic -> 0; {Recon, Initial Access, Privilege Escalation} -> 2.
int chain_length(TacticSet s);

}  // namespace vigil::triage
