// Fuzz target: third-party alerts into triage. The first byte picks the profile (AIT-ADS CSV,
// Wazuh JSON, Suricata EVE JSON, a generic JSON map or a generic CSV map) or one of the two JSON
// documents triage reads back (a saved baseline, an analyst state file); the rest is the file.
// Alerts are read, mapped, fed to the engine in time order, and the snapshot is rendered as
// table, JSON and HTML, so hostile field values also reach every report.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_sinks.h"
#include "read/read_path.h"
#include "triage/collector.h"
#include "triage/engine.h"
#include "triage/profile.h"
#include "triage/report.h"
#include "triage/verdict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 7;
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  triage::Engine engine;
  if (mode == 5) {
    (void)engine.load_baseline(body);
    return 0;
  }
  if (mode == 6) {
    auto state = triage::TriageState::from_json(body);
    if (state.ok()) engine.apply_state(*state);
    return 0;
  }
  static const char* kGeneric =
      "time=ts,title=msg,host=host.name,src_ip=src,dst_ip=dst,user=user,severity=sev,"
      "tactic=tactic,sensor='fuzz'";
  Result<triage::Profile> profile = mode == 0   ? triage::Profile::builtin("aitads")
                                    : mode == 1 ? triage::Profile::builtin("wazuh")
                                    : mode == 2 ? triage::Profile::builtin("suricata")
                                                : triage::Profile::generic(kGeneric);
  if (!profile.ok()) fuzz::invariant_failed("a built-in profile was refused");
  ReadOptions opts;
  opts.format = mode == 0 || mode == 4 ? Format::kCsv : Format::kJson;
  opts.csv_columns = profile->csv_columns();
  opts.block_size = 4096;
  triage::AlertCollector collector(engine, *profile);
  ReadStats stats;
  Status st = read_source(memory_source(std::move(body)), "alerts", collector, opts, &stats);
  if (!st.ok()) return 0;  // e.g. a CSV without the profile's columns
  collector.end_input(stats.records + stats.damaged);
  collector.feed();
  triage::Snapshot snap = engine.snapshot(true, true);
  triage::ReportOptions ropts;
  size_t total = triage::render_table(snap, ropts).size() + triage::render_json(snap, ropts).size() +
                 triage::render_html(snap, ropts).size();
  if (total == 0) fuzz::invariant_failed("empty reports");
  return 0;
}
