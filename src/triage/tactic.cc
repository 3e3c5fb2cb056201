#include "triage/tactic.h"

#include <array>

#include "core/text.h"

namespace vigil::triage {

namespace {

struct TacticInfo {
  std::string_view id;
  std::string_view name;
};

constexpr std::array<TacticInfo, kTacticCount> kTactics = {{
    {"TA0043", "Reconnaissance"},
    {"TA0042", "Resource Development"},
    {"TA0001", "Initial Access"},
    {"TA0002", "Execution"},
    {"TA0003", "Persistence"},
    {"TA0004", "Privilege Escalation"},
    {"TA0005", "Defense Evasion"},
    {"TA0112", "Defense Impairment"},
    {"TA0006", "Credential Access"},
    {"TA0007", "Discovery"},
    {"TA0008", "Lateral Movement"},
    {"TA0009", "Collection"},
    {"TA0011", "Command and Control"},
    {"TA0010", "Exfiltration"},
    {"TA0040", "Impact"},
}};

// Words that name an attack stage in the titles of common sensors' rules. Only phrases whose
// meaning is unambiguous are listed; a title matching none gets no tactic.
struct Keyword {
  std::string_view word;
  Tactic tactic;
};
constexpr Keyword kKeywords[] = {
    {"scan", Tactic::kReconnaissance},
    {"nmap", Tactic::kReconnaissance},
    {"port sweep", Tactic::kReconnaissance},
    {"brute force", Tactic::kCredentialAccess},
    {"bruteforce", Tactic::kCredentialAccess},
    {"password spray", Tactic::kCredentialAccess},
    {"credential dump", Tactic::kCredentialAccess},
    {"multiple failed logins", Tactic::kCredentialAccess},
    {"multiple authentication failures", Tactic::kCredentialAccess},
    {"sudo", Tactic::kPrivilegeEscalation},
    {"changed uid", Tactic::kPrivilegeEscalation},
    {"privilege escalation", Tactic::kPrivilegeEscalation},
    {"web attack", Tactic::kInitialAccess},
    {"sql injection", Tactic::kInitialAccess},
    {"xss", Tactic::kInitialAccess},
    {"exploit", Tactic::kInitialAccess},
    {"shellshock", Tactic::kInitialAccess},
    {"directory traversal", Tactic::kInitialAccess},
    {"webshell", Tactic::kExecution},
    {"web shell", Tactic::kExecution},
    {"reverse shell", Tactic::kExecution},
    {"command injection", Tactic::kExecution},
    {"lateral movement", Tactic::kLateralMovement},
    {"psexec", Tactic::kLateralMovement},
    {"exfiltration", Tactic::kExfiltration},
    {"dns tunnel", Tactic::kExfiltration},
    {"command and control", Tactic::kCommandAndControl},
    {"c2 ", Tactic::kCommandAndControl},
    {"cnc", Tactic::kCommandAndControl},
    {"trojan", Tactic::kCommandAndControl},
    {"ransomware", Tactic::kImpact},
    {"log cleared", Tactic::kDefenseEvasion},
    {"audit log was cleared", Tactic::kDefenseEvasion},
};

std::string normalise(std::string_view text) {
  std::string out;
  for (char c : trim(text)) {
    if (c == '-' || c == '_' || c == ' ') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(ascii_lower(c));
    }
  }
  return out;
}

}  // namespace

int tactic_count(TacticSet s) { return __builtin_popcount(s); }

std::string_view tactic_id(Tactic t) { return kTactics[static_cast<int>(t)].id; }
std::string_view tactic_name(Tactic t) { return kTactics[static_cast<int>(t)].name; }

std::optional<Tactic> parse_tactic(std::string_view text) {
  text = trim(text);
  std::string norm = normalise(text);
  for (int i = 0; i < kTacticCount; ++i) {
    if (iequals(text, kTactics[i].id) || norm == to_lower(kTactics[i].name)) {
      return static_cast<Tactic>(i);
    }
  }
  if (norm == "stealth") return Tactic::kDefenseEvasion;  // TA0005's name since ATT&CK v19
  return std::nullopt;
}

TacticSet infer_tactics(std::string_view title) {
  TacticSet set = 0;
  for (const Keyword& k : kKeywords) {
    if (ifind(title, k.word) != std::string_view::npos) set |= tactic_bit(k.tactic);
  }
  return set;
}

TacticSet tactics_from_tags(const std::vector<std::string>& tags) {
  TacticSet set = 0;
  for (const std::string& tag : tags) {
    std::string_view t = tag;
    if (!istarts_with(t, "attack.")) continue;
    if (auto tactic = parse_tactic(t.substr(7))) set |= tactic_bit(*tactic);
  }
  return set;
}

std::vector<std::string> techniques_from_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const std::string& tag : tags) {
    std::string_view t = tag;
    if (!istarts_with(t, "attack.t") || t.size() < 12) continue;
    std::string id = "T";
    bool ok = true;
    for (char c : t.substr(8)) {
      ok &= (c >= '0' && c <= '9') || c == '.';
      id += c;
    }
    if (ok) out.push_back(id);
  }
  return out;
}

std::string describe_tactics(TacticSet s) {
  std::string out;
  for (int i = 0; i < kTacticCount; ++i) {
    if (!has_tactic(s, static_cast<Tactic>(i))) continue;
    if (!out.empty()) out += ", ";
    out += kTactics[i].name;
  }
  return out;
}

int chain_length(TacticSet s) {
  int n = tactic_count(s);
  return n > 1 ? n - 1 : 0;
}

}  // namespace vigil::triage
