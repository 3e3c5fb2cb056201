// Verdicts: the state file round trip, and the replay that shows verdicts teaching — benign
// items shrink as false-positive verdicts accumulate, the attack keeps surfacing, suppressions
// never hide another signature or another host, and a confirmed alert type surfaces again.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/event.h"
#include "triage/case_file.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"
#include "triage/verdict.h"

namespace vigil::triage {
namespace {

namespace fs = std::filesystem;

// Three routine days, benign admin sessions on mail (day 2 and day 3), an attack on web (day 4).
constexpr const char* kReplay = R"(
every 5m 0h..96h      Wazuh: ClamAV database update @ mail,web,vpn => routine
at 30h                Wazuh: sshd: authentication success. @ mail => any
at 30h                Wazuh: PAM: Login session opened. @ mail => any
at 30h1m              Wazuh: First time user executed sudo. @ mail => any
at 58h                Wazuh: Backup agent reported a configuration change @ vpn => any
at 58h                AMiner: New service_start parameter combination in Audit logs. @ vpn => any
at 72h x3 over 1m     Wazuh: sshd: insecure connection attempt (scan). @ web,mail,vpn => any
at 72h1m x2 over 1m   Wazuh: Common web attack. @ web => any
at 72h40m             Wazuh: Successful sudo to ROOT executed. @ web => any
)";

Snapshot run(const testing::Case& c, const TriageState& state) {
  Engine engine;
  engine.apply_state(state);
  auto p = Profile::builtin("aitads");
  AlertCollector collector(engine, *p);
  Event ev;
  for (size_t i = 0; i < c.alerts.size(); ++i) {
    std::string time = std::to_string(c.alerts[i].time_s);
    ev.clear();
    ev.add_string("time", time);
    ev.add_string("name", c.alerts[i].name);
    ev.add_string("host", c.alerts[i].host);
    RecordRef ref;
    ref.index = i;
    collector.on_event(ev, ref);
  }
  collector.feed();
  return engine.snapshot();
}

// Every incident and group as id:status, in snapshot order.
std::vector<std::string> render_ids(const Snapshot& s) {
  std::vector<std::string> out;
  for (const Incident& inc : s.incidents) out.push_back(inc.id + ":" + status_name(inc.status));
  return out;
}

bool has_attack(const Snapshot& s) {
  for (const Incident& inc : s.incidents) {
    if (inc.status != IncidentStatus::kSurfaced) continue;
    for (const AlertGroup& g : inc.groups) {
      if (g.title == "Successful sudo to ROOT executed.") return true;
    }
  }
  return false;
}

const Incident* first_benign(const Snapshot& s) {
  for (const Incident& inc : s.incidents) {
    if (inc.status == IncidentStatus::kSurfaced && inc.first_us < (testing::kCaseEpoch + 70 * 3600) * 1000000LL) {
      return &inc;
    }
  }
  return nullptr;
}

TEST(VerdictTest, ReplayShrinksBenignItems) {
  auto c = testing::parse_case(kReplay, "replay");
  ASSERT_TRUE(c.ok()) << c.status().message();
  TriageState state;
  std::vector<size_t> benign_per_round;
  for (int round = 0; round < 4; ++round) {
    Snapshot s = run(*c, state);
    EXPECT_TRUE(has_attack(s)) << "round " << round;
    size_t benign = 0;
    for (const Incident& inc : s.incidents) {
      benign += inc.status == IncidentStatus::kSurfaced && inc.first_us < (testing::kCaseEpoch + 70 * 3600) * 1000000LL;
    }
    benign_per_round.push_back(benign);
    state.record_incidents(s);
    const Incident* b = first_benign(s);
    if (b == nullptr) break;
    ASSERT_TRUE(state.add_verdict(b->id, Verdict::kFalsePositive, "planned admin work", 0).ok());
  }
  std::string rounds;
  for (size_t b : benign_per_round) rounds += std::to_string(b) + " ";
  RecordProperty("benign_per_round", rounds);
  ASSERT_GE(benign_per_round.size(), 2u);
  EXPECT_GE(benign_per_round.front(), 2u);
  EXPECT_EQ(benign_per_round.back(), 0u);
  for (size_t i = 1; i < benign_per_round.size(); ++i) EXPECT_LT(benign_per_round[i], benign_per_round[i - 1]);
  // The suppressed alerts are still accounted for, as suppressed groups.
  Snapshot final_run = run(*c, state);
  EXPECT_GT(final_run.suppressed, 0u);
}

TEST(VerdictTest, SuppressionIsScopedToSignatureAndHost) {
  auto c = testing::parse_case(kReplay, "replay");
  ASSERT_TRUE(c.ok());
  TriageState state;
  Snapshot s = run(*c, state);
  state.record_incidents(s);
  const Incident* b = first_benign(s);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(state.add_verdict(b->id, Verdict::kFalsePositive, "admin", 0).ok());
  // The same signatures on another host, and another signature on the same host, at day 3.5.
  std::string more = std::string(kReplay) +
                     "at 84h Wazuh: sshd: authentication success. @ db => surfaced:other\n"
                     "at 84h Wazuh: PAM: Login session opened. @ db => surfaced:other\n"
                     "at 86h Wazuh: Dovecot brute force attack (multiple auth failures). @ mail => any\n"
                     "at 86h Wazuh: PAM: Multiple failed logins in a small period of time. @ mail => any\n";
  auto c2 = testing::parse_case(more, "scoped");
  ASSERT_TRUE(c2.ok());
  Snapshot s2 = run(*c2, state);
  bool other_host = false, other_signature = false;
  for (const Incident& inc : s2.incidents) {
    if (inc.status != IncidentStatus::kSurfaced) continue;
    for (const AlertGroup& g : inc.groups) {
      other_host |= g.host == "db";
      other_signature |= g.title.rfind("Dovecot brute force", 0) == 0;
    }
  }
  EXPECT_TRUE(other_host);
  EXPECT_TRUE(other_signature);
}

TEST(VerdictTest, ConfirmedTypesSurfaceWhenTheyRecur) {
  // A lone rare return is too weak to surface, until an analyst confirmed that type malicious.
  constexpr const char* kStream = R"(
every 5m 0h..96h   Wazuh: ClamAV database update @ mail => routine
at 2h              Wazuh: Web server 500 error code (Internal Error). @ web => any
at 6h              Wazuh: Web server 500 error code (Internal Error). @ web => any
at 80h             Wazuh: Web server 500 error code (Internal Error). @ web => any
)";
  auto c = testing::parse_case(kStream, "confirm");
  ASSERT_TRUE(c.ok());
  TriageState state;
  Snapshot s = run(*c, state);
  EXPECT_EQ(s.surfaced, 0u);
  state.record_incidents(s);
  std::string id;
  for (const Incident& inc : s.incidents) {
    if (!inc.groups.empty() && inc.groups[0].title.rfind("Web server 500", 0) == 0) id = inc.id;
  }
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(state.add_verdict(id, Verdict::kTruePositive, "web shell", 0).ok());
  Snapshot again = run(*c, state);
  EXPECT_GE(again.surfaced, 1u);
  bool confirmed = false;
  for (const Incident& inc : again.incidents) {
    for (const Factor& f : inc.factors) confirmed |= f.name == "confirmed";
  }
  EXPECT_TRUE(confirmed);
}

TEST(VerdictTest, StateRoundTrip) {
  auto c = testing::parse_case(kReplay, "replay");
  ASSERT_TRUE(c.ok());
  TriageState state;
  Snapshot s = run(*c, state);
  state.record_incidents(s);
  const Incident* b = first_benign(s);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(state.add_verdict(b->id, Verdict::kFalsePositive, "tab\there \"quoted\"", 1642213952000000).ok());
  EXPECT_EQ(state.add_verdict("INC-00000000", Verdict::kTruePositive, "", 0).code(), Code::kNotFound);
  fs::path path = fs::temp_directory_path() / ("vigil_state_" + std::to_string(::getpid()) + ".json");
  ASSERT_TRUE(state.save(path.string()).ok());
  auto back = TriageState::load(path.string());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->to_json(), state.to_json());
  ASSERT_EQ(back->verdicts().size(), 1u);
  EXPECT_EQ(back->verdicts()[0].reason, "tab\there \"quoted\"");
  EXPECT_EQ(back->verdicts()[0].recorded_us, 1642213952000000);
  EXPECT_EQ(back->suppressions().size(), b->groups.size());
  fs::remove(path);
  // Missing file: empty state. Broken file: an error naming the file.
  auto none = TriageState::load((fs::temp_directory_path() / "vigil_no_such_state.json").string());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->catalog().empty());
  EXPECT_FALSE(TriageState::from_json("{\"verdicts\":[{\"incident\":\"x\",\"verdict\":\"maybe\"}]}").ok());
  EXPECT_FALSE(TriageState::from_json("not json").ok());
}

TEST(VerdictTest, SetSuppressionsAndConfirmationsTeachAsVerdictsDo) {
  // A service keeps suppressions as rows of its own and hands the engine the live ones: a state
  // given exactly a verdict's suppressions must triage as the state that holds the verdict.
  auto c = testing::parse_case(kReplay, "replay");
  ASSERT_TRUE(c.ok());
  TriageState judged;
  Snapshot s = run(*c, judged);
  judged.record_incidents(s);
  const Incident* b = first_benign(s);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(judged.add_verdict(b->id, Verdict::kFalsePositive, "admin", 0).ok());
  ASSERT_FALSE(judged.suppressions().empty());

  TriageState rows;
  rows.set_suppressions(judged.suppressions());
  Snapshot with_verdict = run(*c, judged);
  Snapshot with_rows = run(*c, rows);
  EXPECT_EQ(render_ids(with_rows), render_ids(with_verdict));
  EXPECT_GT(with_rows.suppressed, 0u);
  // Emptied again, the suppressed types are back as before any verdict.
  rows.set_suppressions({});
  Snapshot cleared = run(*c, rows);
  EXPECT_EQ(cleared.suppressed, 0u);
  EXPECT_EQ(render_ids(cleared), render_ids(s));

  // Confirmations likewise: the keys of a true-positive verdict, set directly.
  TriageState confirmed;
  confirmed.set_confirmed(judged.catalog().front().keys);
  EXPECT_EQ(confirmed.confirmed(), judged.catalog().front().keys);
  EXPECT_TRUE(confirmed.suppressions().empty());
}

TEST(VerdictTest, AlertTypesAsJson) {
  KeyRef key{"Vigil", "rule \"1\"", "ws03\\x"};
  std::string json = key_json(key);
  EXPECT_EQ(json, R"({"sensor":"Vigil","rule":"rule \"1\"","host":"ws03\\x"})");
  auto back = parse_key_json(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, key);
  std::vector<KeyRef> keys = {key, {"Wazuh", "5715", "mail"}};
  auto list = parse_keys_json(keys_json(keys));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, keys);
  EXPECT_EQ(parse_keys_json("[]")->size(), 0u);
  EXPECT_EQ(parse_key_json(R"({"sensor":"x","host":"y"})").status().code(), Code::kCorrupt);
  EXPECT_EQ(parse_key_json("[1]").status().code(), Code::kCorrupt);
  EXPECT_EQ(parse_keys_json(R"({"sensor":"x"})").status().code(), Code::kCorrupt);
  EXPECT_EQ(parse_keys_json(R"([{"sensor":"x"}])").status().code(), Code::kCorrupt);
  EXPECT_EQ(parse_keys_json("not json").status().code(), Code::kCorrupt);
}

}  // namespace
}  // namespace vigil::triage
