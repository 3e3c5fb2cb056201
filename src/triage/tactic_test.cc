// ATT&CK tactic names, ids, title keywords and Sigma tags.
#include <gtest/gtest.h>

#include "triage/alert.h"
#include "triage/tactic.h"

namespace vigil::triage {
namespace {

TEST(TacticTest, ParsesIdsAndNames) {
  EXPECT_EQ(parse_tactic("TA0004"), Tactic::kPrivilegeEscalation);
  EXPECT_EQ(parse_tactic("privilege-escalation"), Tactic::kPrivilegeEscalation);
  EXPECT_EQ(parse_tactic("Privilege Escalation"), Tactic::kPrivilegeEscalation);
  EXPECT_EQ(parse_tactic("command_and_control"), Tactic::kCommandAndControl);
  EXPECT_EQ(parse_tactic(" Exfiltration "), Tactic::kExfiltration);
  EXPECT_FALSE(parse_tactic("TA9999").has_value());
  EXPECT_FALSE(parse_tactic("lunch").has_value());
  EXPECT_EQ(tactic_id(Tactic::kCommandAndControl), "TA0011");
}

// ATT&CK v19 (SigmaHQ tags since 2026): Defense Evasion became Stealth (same id) and Defense
// Impairment; both spellings must reach an id.
TEST(TacticTest, AttackV19SplitOfDefenseEvasion) {
  EXPECT_EQ(parse_tactic("stealth"), Tactic::kDefenseEvasion);
  EXPECT_EQ(parse_tactic("defense-evasion"), Tactic::kDefenseEvasion);
  EXPECT_EQ(parse_tactic("defense-impairment"), Tactic::kDefenseImpairment);
  EXPECT_EQ(parse_tactic("TA0112"), Tactic::kDefenseImpairment);
  EXPECT_EQ(tactic_id(Tactic::kDefenseImpairment), "TA0112");
  EXPECT_EQ(tactics_from_tags({"attack.stealth", "attack.defense-impairment", "attack.t1685.005"}),
            tactic_bit(Tactic::kDefenseEvasion) | tactic_bit(Tactic::kDefenseImpairment));
  EXPECT_EQ(chain_length(tactic_bit(Tactic::kDefenseEvasion) | tactic_bit(Tactic::kDefenseImpairment)), 1);
}

TEST(TacticTest, InfersFromTitlesOnlyOnClearWords) {
  EXPECT_EQ(infer_tactics("sshd: insecure connection attempt (scan)."), tactic_bit(Tactic::kReconnaissance));
  EXPECT_EQ(infer_tactics("Successful sudo to ROOT executed."), tactic_bit(Tactic::kPrivilegeEscalation));
  EXPECT_EQ(infer_tactics("Dovecot brute force attack (multiple auth failures)."),
            tactic_bit(Tactic::kCredentialAccess));
  EXPECT_EQ(infer_tactics("ClamAV database update"), 0);
  EXPECT_EQ(infer_tactics("Web server 400 error code."), 0);
}

TEST(TacticTest, ChainsAndDescriptions) {
  TacticSet s = tactic_bit(Tactic::kPrivilegeEscalation) | tactic_bit(Tactic::kReconnaissance) |
                tactic_bit(Tactic::kInitialAccess);
  EXPECT_EQ(chain_length(s), 2);
  EXPECT_EQ(chain_length(tactic_bit(Tactic::kExecution)), 0);
  EXPECT_EQ(describe_tactics(s), "Reconnaissance, Initial Access, Privilege Escalation");
}

TEST(TacticTest, SigmaTagsAndLevels) {
  std::vector<std::string> tags = {"attack.execution", "attack.t1059.001", "attack.privilege_escalation",
                                   "attack.g0032", "cve.2021.44228", "attack.T1003"};
  EXPECT_EQ(tactics_from_tags(tags), tactic_bit(Tactic::kExecution) | tactic_bit(Tactic::kPrivilegeEscalation));
  EXPECT_EQ(techniques_from_tags(tags), (std::vector<std::string>{"T1059.001", "T1003"}));
  EXPECT_EQ(severity_from_level("high"), 75);
  EXPECT_EQ(severity_from_level("informational"), 10);
  EXPECT_EQ(severity_from_level("severe"), -1);
}

}  // namespace
}  // namespace vigil::triage
