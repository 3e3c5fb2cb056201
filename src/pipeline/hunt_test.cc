// End-to-end hunt: files -> readers -> Sigma -> ordered detections, on the bundled demo scenario
// and (when ../shared is present) on the SigmaHQ regression cases and the EVTX attack samples.
#include "pipeline/hunt.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"
#include "pipeline/hunt_output.h"
#include "read/evtx/chunk_builder.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
const std::string kSource = VIGIL_SOURCE_DIR;
const std::string kShared = VIGIL_SHARED_DIR;

class Collect : public HuntListener {
 public:
  explicit Collect(const sigma::RuleSet& rules) : rules_(rules) {}
  void on_start(const std::vector<std::string>& inputs, uint64_t) override { inputs_ = inputs; }
  void on_detection(const Detection& d) override {
    std::string line;
    detection_json(d, rules_, inputs_, line);
    lines.push_back(line);
    dets.push_back(d);
  }
  void on_issue(const std::string& text) override { issues.push_back(text); }
  std::vector<std::string> lines, issues;
  std::vector<Detection> dets;

 private:
  const sigma::RuleSet& rules_;
  std::vector<std::string> inputs_;
};

sigma::RuleSet load(const std::vector<std::string>& paths, sigma::LoadReport* report) {
  return sigma::RuleSet::load(paths, {}, report);
}

TEST(Hunt, DemoScenarioFindsEveryAttackStepAndOrderIsStable) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  ASSERT_TRUE(report.refused.empty()) << report.refused[0].path << ": " << report.refused[0].reason;
  HuntOptions one;
  one.threads = 1;
  Collect a(rules);
  auto st = run_hunt(rules, {kSource + "/demo/logs"}, one, a);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_TRUE(a.issues.empty());
  EXPECT_EQ(st->files, 3u);
  EXPECT_GT(st->events, 5000u);

  std::map<std::string, int> by_title;
  for (const auto& d : a.dets) {
    by_title[d.correlation ? rules.correlations()[d.rule].title : rules.rules()[d.rule].title]++;
  }
  // The three discovery commands within minutes make one correlation detection.
  EXPECT_EQ(by_title["Burst Of Domain Discovery Commands"], 1);
  // Every step of the intrusion is detected once.
  for (const char* t : {"Office Application Starts a Command Shell",
                        "PowerShell Download Cradle", "Whoami Lists All Privileges",
                        "Domain Admins Group Enumeration", "Domain Controller Discovery With Nltest",
                        "LSASS Memory Dump Through Comsvcs", "PsExec Service Installed",
                        "Active Directory Database Copied With Ntdsutil", "File Upload With Curl",
                        "Security Event Log Cleared"}) {
    EXPECT_EQ(by_title[t], 1) << t;
  }
  // Routine activity is detected too (that is triage's job to close): daily tasks on 5 hosts.
  EXPECT_EQ(by_title["Scheduled Task Created From The Command Line"], 10);

  HuntOptions two = one;
  two.threads = 2;
  Collect b(rules);
  ASSERT_TRUE(run_hunt(rules, {kSource + "/demo/logs"}, two, b).ok());
  EXPECT_EQ(a.lines, b.lines);
}

// A pipe (what `vigil hunt <(zcat x.gz)` or standard input gives) is read as a stream, its format
// and compression told from its bytes: the same detections as from the file.
TEST(Hunt, PipeGivesTheDetectionsOfTheFile) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  const std::string file = kSource + "/demo/logs/contoso-sysmon.jsonl.gz";
  Collect from_file(rules);
  ASSERT_TRUE(run_hunt(rules, {file}, {}, from_file).ok());
  ASSERT_FALSE(from_file.dets.empty());

  fs::path fifo = fs::temp_directory_path() / ("vigil-hunt-pipe-" + std::to_string(::getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ifstream in(file, std::ios::binary);
    std::ofstream out(fifo, std::ios::binary);  // blocks until the hunt opens the pipe
    out << in.rdbuf();
  });
  Collect from_pipe(rules);
  auto st = run_hunt(rules, {fifo.string()}, {}, from_pipe);
  writer.join();
  fs::remove(fifo);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_TRUE(from_pipe.issues.empty());
  ASSERT_EQ(from_pipe.dets.size(), from_file.dets.size());
  for (size_t i = 0; i < from_file.dets.size(); ++i) {
    EXPECT_EQ(from_pipe.dets[i].rule, from_file.dets[i].rule);
    EXPECT_EQ(from_pipe.dets[i].record_index, from_file.dets[i].record_index);
    EXPECT_EQ(from_pipe.dets[i].fields, from_file.dets[i].fields);
  }
}

// A listener the writer of a live pipe can wait on: it counts detections, correlations and
// pauses, and wakes the writer at each.
class LiveWatch : public Collect {
 public:
  using Collect::Collect;
  void on_detection(const Detection& d) override {
    std::lock_guard<std::mutex> lock(mu);
    Collect::on_detection(d);
    if (d.correlation) ++correlations;
    cv.notify_all();
  }
  void on_pause() override {
    std::lock_guard<std::mutex> lock(mu);
    ++pauses;
    cv.notify_all();
  }
  std::mutex mu;
  std::condition_variable cv;
  int pauses = 0, correlations = 0;
};

// Hunts over a FIFO while `write` feeds it from another thread (the pipe stays open until `write`
// returns); the FIFO is made for the call and removed after it.
Result<HuntStats> hunt_fifo(const sigma::RuleSet& rules, size_t threads, HuntListener& listener,
                            const std::function<void(std::ofstream&)>& write) {
  static int calls = 0;
  const fs::path fifo = fs::temp_directory_path() /
                        ("vigil-hunt-live-" + std::to_string(::getpid()) + "-" + std::to_string(++calls));
  fs::remove(fifo);
  if (::mkfifo(fifo.c_str(), 0600) != 0) return IoError("mkfifo " + fifo.string());
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);  // blocks until the hunt opens the pipe
    write(out);
  });
  HuntOptions opt;
  opt.threads = threads;
  auto st = run_hunt(rules, {fifo.string()}, opt, listener);
  writer.join();
  fs::remove(fifo);
  return st;
}

// A live pipe (`tail -f log | vigil hunt -`): a detection is reported while the writer still
// holds the pipe open, not when it closes (the reader once waited for a full 1 MiB block, and the
// hunt handed detections on only every 4,096 of them).
TEST(Hunt, ALivePipeReportsBeforeItsWriterCloses) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  ASSERT_TRUE(report.refused.empty());
  const std::string cleared =
      R"({"Event":{"System":{"EventID":1102,"Channel":"Security","Computer":"dc01",)"
      R"("TimeCreated":{"#attributes":{"SystemTime":"2026-11-03T12:18:11Z"}}}}})"
      "\n";
  const std::string quiet =
      R"({"Event":{"System":{"EventID":4624,"Channel":"Security","Computer":"dc01"}}})"
      "\n";

  LiveWatch watch(rules);
  bool seen_while_open = false, paused_while_open = false;
  auto st = hunt_fifo(rules, 2, watch, [&](std::ofstream& out) {
    for (int i = 0; i < 10; ++i) out << quiet;
    out << cleared << std::flush;
    std::unique_lock<std::mutex> lock(watch.mu);
    seen_while_open = watch.cv.wait_for(lock, std::chrono::seconds(10), [&] { return !watch.dets.empty(); });
    paused_while_open = watch.cv.wait_for(lock, std::chrono::seconds(10), [&] { return watch.pauses > 0; });
    lock.unlock();
    out << quiet << cleared;  // more after the pause, then the end of the stream
  });
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_TRUE(seen_while_open);
  EXPECT_TRUE(paused_while_open);
  EXPECT_TRUE(watch.issues.empty());
  EXPECT_EQ(st->events, 13u);
  ASSERT_EQ(watch.dets.size(), 2u);
  EXPECT_EQ(watch.dets[0].record_index, 10u);
  EXPECT_EQ(watch.dets[1].record_index, 12u);
}

// A correlation over a live pipe is reported when its condition holds, not when the stream ends
// (which `tail -f` never does): demo/rules' discovery burst (whoami /all, the Domain Admins group,
// nltest /dclist by one user on one computer within ten minutes) while the writer holds the pipe.
TEST(Hunt, ALivePipeReportsACorrelationWhenItHolds) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  ASSERT_TRUE(report.refused.empty());
  ASSERT_EQ(rules.correlations().size(), 1u);
  auto process = [](const char* time, const char* image, const char* command_line) {
    return std::string(R"({"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational",)") +
           R"("Computer":"ws03.contoso.local","TimeCreated":{"#attributes":{"SystemTime":")" + time +
           R"("}}},"EventData":{"Image":")" + image + R"(","CommandLine":")" + command_line +
           R"(","User":"CONTOSO\bob"}}})" + "\n";
  };
  const std::string burst = process("2026-11-03T12:02:51Z", R"(C:\\Windows\\System32\\whoami.exe)", "whoami /all") +
                            process("2026-11-03T12:03:06Z", R"(C:\\Windows\\System32\\net.exe)",
                                    R"(net group \"domain admins\" /domain)") +
                            process("2026-11-03T12:03:12Z", R"(C:\\Windows\\System32\\nltest.exe)",
                                    "nltest /dclist:contoso.local");

  LiveWatch watch(rules);
  bool seen_while_open = false;
  auto st = hunt_fifo(rules, 1, watch, [&](std::ofstream& out) {
    out << burst << std::flush;
    std::unique_lock<std::mutex> lock(watch.mu);
    seen_while_open = watch.cv.wait_for(lock, std::chrono::seconds(10), [&] { return watch.correlations > 0; });
  });
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_TRUE(seen_while_open);
  EXPECT_TRUE(watch.issues.empty());
  EXPECT_EQ(st->events, 3u);
  EXPECT_EQ(st->correlation_detections, 1u);  // once: the stream's end adds no second report
  ASSERT_EQ(watch.correlations, 1);
  const Detection& corr = watch.dets.back();
  ASSERT_TRUE(corr.correlation);
  EXPECT_EQ(corr.computer, "ws03.contoso.local");
  EXPECT_EQ(corr.events.size(), 3u);
  EXPECT_EQ(corr.record_index, 2u);
}

TEST(Hunt, LevelAndTimeFilters) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  HuntOptions opt;
  opt.min_level = level_rank("critical");
  Collect c(rules);
  ASSERT_TRUE(run_hunt(rules, {kSource + "/demo/logs"}, opt, c).ok());
  EXPECT_EQ(c.dets.size(), 2u);  // comsvcs and ntdsutil
  HuntOptions window;
  window.from_us = 1793689200000000;  // 2026-11-03T06:00:00Z: day two only
  Collect w(rules);
  ASSERT_TRUE(run_hunt(rules, {kSource + "/demo/logs"}, window, w).ok());
  size_t tasks = 0;
  for (const auto& d : w.dets) {
    EXPECT_GE(d.time_us, *window.from_us);
    tasks += rules.rules()[d.rule].title == "Scheduled Task Created From The Command Line";
  }
  EXPECT_EQ(tasks, 5u);  // one per workstation on day two
}

TEST(Hunt, MissingInputIsAnErrorNotACrash) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  Collect c(rules);
  auto st = run_hunt(rules, {"/nonexistent/vigil/input"}, {}, c);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(c.issues.empty());
}

// Each SigmaHQ regression case's rule fires on its own .json and on its own .evtx, with every
// SigmaHQ rule loaded at once.
void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A small EVTX file is one work unit planned from its size alone (no open while planning); the
// unit then reports what opening the file finds. A large file is opened while planning. Either
// way each header note and each unreadable file is reported once, and every record is read.
TEST(Hunt, EvtxHeaderNotesOnceWhetherPlannedFromSizeOrOpened) {
  sigma::LoadReport report;
  auto rules = load({kSource + "/demo/rules"}, &report);
  evtx::testing::ChunkBuilder b;
  b.record(
      1,
      [](evtx::testing::ChunkBuilder& w) {
        w.open("Event", false);
        w.u8(0x02);
        w.open("Data", false);
        w.u8(0x02);
        w.subst(0, evtx::kValUInt16);
        w.u8(0x04);
        w.u8(0x04);
      },
      {{evtx::kValUInt16, {7, 0}}});
  std::vector<uint8_t> one = b.file();
  one[evtx::kFhChecksum] ^= 0xff;  // "file header checksum mismatch; reading the chunks anyway"
  std::vector<uint8_t> two = one;  // a second copy of the chunk: two chunk slots
  two.insert(two.end(), one.begin() + evtx::kFileHeaderBlock, one.end());
  fs::path dir = fs::temp_directory_path() / ("vigil_hunt_plan_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto put = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    write_text(dir / name, std::string(bytes.begin(), bytes.end()));
  };
  put("a-one-chunk.evtx", one);
  put("b-two-chunks.evtx", two);
  put("c-too-small.evtx", std::vector<uint8_t>(one.begin(), one.begin() + 64));
  for (size_t per : {1, 8}) {  // 1: b is two units (opened while planning); 8: one unit
    for (size_t threads : {1, 2}) {
      HuntOptions opt;
      opt.threads = threads;
      opt.evtx_chunks_per_unit = per;
      Collect c(rules);
      auto st = run_hunt(rules, {dir.string()}, opt, c);
      ASSERT_TRUE(st.ok()) << st.status().message();
      EXPECT_EQ(st->events, 3u) << "per " << per;
      EXPECT_EQ(st->issues, c.issues.size());
      std::map<std::string, int> seen;
      for (const auto& i : c.issues) {
        for (const char* f : {"a-one-chunk", "b-two-chunks", "c-too-small"}) {
          if (i.find(f) != std::string::npos) ++seen[f];
        }
      }
      EXPECT_EQ(seen["a-one-chunk"], 1) << "per " << per;
      EXPECT_EQ(seen["b-two-chunks"], 1) << "per " << per;
      EXPECT_EQ(seen["c-too-small"], 1) << "per " << per;
      EXPECT_EQ(c.issues.size(), 3u);
      for (const auto& i : c.issues) {
        if (i.find("c-too-small") == std::string::npos) {
          EXPECT_NE(i.find("checksum mismatch"), std::string::npos) << i;
        } else {
          EXPECT_NE(i.find("too small"), std::string::npos) << i;
        }
      }
    }
  }
  fs::remove_all(dir);
}

// Sigma's `generate`: a rule used by a correlation is reported on its own only when a
// correlation using it says `generate: true`; the correlation's detection names its group, and
// its computer when grouped by Computer.
// The JSON Lines writer renders by hand and reuses what repeats (a rule's members, the time to
// the second, the fields, the source); its lines must be what JsonWriter writes member by member.
std::string reference_json(const Detection& d, const sigma::RuleSet& rules,
                           const std::vector<std::string>& inputs) {
  std::string out;
  JsonWriter w(out);
  const auto& r = rules.rules()[0];
  const auto& c = rules.correlations()[0];
  auto text = [](const Detection& x) { return x.has_time ? format_time_us(x.time_us) : std::string(); };
  w.begin_object();
  w.field("timestamp", text(d)).field("rule_id", d.correlation ? c.id : r.id);
  w.field("rule_title", d.correlation ? c.title : r.title).field("level", d.correlation ? c.level : r.level);
  w.key("tags").begin_array();
  for (const std::string& tag : d.correlation ? c.tags : r.tags) w.value(tag);
  w.end_array();
  w.field("computer", d.computer).field("channel", d.channel);
  int64_t id;
  if (!d.event_id.empty() && parse_int(d.event_id, &id)) {
    w.field("event_id", id);
  } else {
    w.field("event_id", d.event_id);
  }
  auto source = [&](uint32_t i) { return i < inputs.size() ? inputs[i] : std::string(); };
  w.field("record_id", d.record_id).field("source", source(d.input)).field("record_index", d.record_index);
  w.key("fields").begin_object();
  for (const auto& [k, v] : d.fields) w.field(k, v);
  w.end_object();
  if (d.correlation) {
    w.field("correlation", true).field("first_timestamp", format_time_us(d.first_us));
    w.key("group").begin_array();
    for (const std::string& g : d.group) w.value(g);
    w.end_array();
    w.field("value", d.value).field("event_count", d.event_count);
    w.key("events").begin_array();
    for (const auto& [input, index] : d.events) {
      w.begin_object().field("source", source(input)).field("record_index", index).end_object();
    }
    w.end_array();
  }
  w.end_object();
  return out;
}

TEST(HuntOutput, JsonLinesAreWhatJsonWriterWrites) {
  fs::path dir = fs::temp_directory_path() / ("vigil-hunt-json-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_text(dir / "a.yml", R"(title: "Quote \" and tab\t"
id: 5f0c1d2e-0000-4000-8000-000000000001
name: a
tags: [attack.t1003, "x\"y"]
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4625}
  condition: selection
level: high
)");
  write_text(dir / "c.yml", R"(title: Many
correlation:
  type: event_count
  rules: [a]
  group-by: [Computer]
  timespan: 5m
  condition: {gte: 3}
level: critical
)");
  sigma::LoadReport report;
  sigma::RuleSet rules = load({dir.string()}, &report);
  ASSERT_EQ(rules.rules().size(), 1u);
  ASSERT_EQ(rules.correlations().size(), 1u);
  const std::vector<std::string> inputs = {"C:\\logs\\a \"b\".evtx", "/var/log/x.evtx"};

  std::vector<Detection> dets;
  Detection d;
  d.computer = "dc01";
  d.channel = "Security";
  d.event_id = "4625";
  d.record_id = 42;
  d.record_index = 7;
  d.has_time = true;
  d.time_us = 1762164000123456;  // 2025-11-03T10:00:00.123456Z
  d.fields = {{"CommandLine", "cmd /c \"echo\"\n\x01"}, {"User", "bob"}};
  dets.push_back(d);
  d.time_us += 1;  // same second, same fields: the reused parts
  dets.push_back(d);
  d.time_us += 5000000;  // another second
  d.fields[1].second = "alice";
  dets.push_back(d);
  d.input = 1;
  d.event_id = "not a number";
  d.time_us = -1;  // 1969-12-31T23:59:59.999999Z
  dets.push_back(d);
  d.time_us = -86400000000;  // a whole second before the epoch
  dets.push_back(d);
  d.has_time = false;
  d.fields.clear();
  d.input = 9;  // no such input: empty source
  dets.push_back(d);
  d.has_time = true;
  d.time_us = 253402300799999999;  // 9999-12-31T23:59:59.999999Z
  dets.push_back(d);
  // Key fields named by a version, as the hunt's detections carry them: rendered once per
  // version; fields without one are compared with the last. And a date that changes at midnight.
  d.has_time = true;
  d.time_us = 1762214399999999;  // 2025-11-03T23:59:59.999999Z
  d.input = 0;
  d.fields = {{"Image", "C:\\a.exe"}};
  d.fields_version = next_fields_version();
  dets.push_back(d);
  d.time_us += 1;  // 2025-11-04T00:00:00.000000Z
  dets.push_back(d);
  d.fields = {{"Image", "C:\\b.exe"}, {"User", "x"}};
  d.fields_version = next_fields_version();
  dets.push_back(d);
  d.fields_version = 0;
  dets.push_back(d);
  d.fields = {{"Image", "C:\\a.exe"}};
  dets.push_back(d);
  d.fields_version = next_fields_version();
  dets.push_back(d);
  Detection corr;
  corr.correlation = true;
  corr.has_time = true;
  corr.time_us = 1762164300000000;
  corr.first_us = 1762164000000000;
  corr.group = {"dc01"};
  corr.value = 3.5;
  corr.event_count = 3;
  corr.events = {{0, 1}, {1, 2}};
  corr.fields = {{"Computer", "dc01"}};
  dets.push_back(corr);
  dets.push_back(dets[0]);  // after a correlation, the rule's members again

  char* buf = nullptr;
  size_t size = 0;
  FILE* mem = open_memstream(&buf, &size);
  ASSERT_NE(mem, nullptr);
  auto writer = make_detection_writer(HuntFormat::kJsonl, mem, rules, &inputs);
  writer->begin();
  for (const Detection& x : dets) writer->write(x);
  writer->end();
  std::fclose(mem);
  std::string written(buf, size);
  std::free(buf);

  std::string want;
  for (const Detection& x : dets) {
    std::string line;
    detection_json(x, rules, inputs, line);
    EXPECT_EQ(line, reference_json(x, rules, inputs));
    want += line + "\n";
  }
  EXPECT_EQ(written, want);
  EXPECT_NE(written.find("\"timestamp\":\"1969-12-31T23:59:59.999999Z\""), std::string::npos);
  EXPECT_NE(written.find("\"timestamp\":\"2025-11-04T00:00:00.000000Z\""), std::string::npos);
  fs::remove_all(dir);
}

TEST(Hunt, CorrelationBaseRulesAreReportedOnlyWhenGenerated) {
  fs::path dir = fs::temp_directory_path() / ("vigil-hunt-corr-" + std::to_string(::getpid()));
  fs::create_directories(dir / "rules");
  const char* base = R"(
logsource: {product: windows, service: security}
detection:
  selection: {EventID: %ID%}
  condition: selection
level: low
)";
  auto rule = [&](const std::string& name, const std::string& id) {
    std::string text = "title: " + name + "\nname: " + name + "\n" + base;
    text.replace(text.find("%ID%"), 4, id);
    write_text(dir / "rules" / (name + ".yml"), text);
  };
  rule("failed_logon", "4625");
  rule("logon", "4624");
  write_text(dir / "rules" / "brute.yml", R"(title: Many failed logons
correlation:
  type: event_count
  rules: [failed_logon]
  group-by: [Computer, TargetUserName]
  timespan: 5m
  condition: {gte: 3}
level: high
)");
  write_text(dir / "rules" / "brute_then_logon.yml", R"(title: Failed logons then one that works
correlation:
  type: temporal_ordered
  rules: [failed_logon, logon]
  group-by: [TargetUserName]
  timespan: 10m
  generate: false
level: critical
)");
  std::string events;
  auto event = [&](int id, int second, const std::string& user) {
    events += R"({"Event":{"System":{"Channel":"Security","EventID":)" + std::to_string(id) +
              R"(,"Computer":"dc01","TimeCreated":{"#attributes":{"SystemTime":"2026-11-03T10:00:)" +
              (second < 10 ? "0" : "") + std::to_string(second) + R"(Z"}}},"EventData":{"TargetUserName":")" +
              user + "\"}}}\n";
  };
  for (int i = 0; i < 3; ++i) event(4625, 10 + i, "bob");
  event(4624, 20, "bob");
  write_text(dir / "events.jsonl", events);

  sigma::LoadReport report;
  auto rules = load({(dir / "rules").string()}, &report);
  ASSERT_TRUE(report.refused.empty()) << report.refused[0].path << ": " << report.refused[0].reason;
  Collect c(rules);
  auto st = run_hunt(rules, {(dir / "events.jsonl").string()}, {}, c);
  ASSERT_TRUE(st.ok()) << st.status().message();

  // The same with `generate: true` on the count correlation: its rule is reported too.
  std::string brute_rule = "title: Many failed logons\ncorrelation:\n  type: event_count\n  rules: [failed_logon]\n"
                           "  group-by: [Computer, TargetUserName]\n  timespan: 5m\n  condition: {gte: 3}\n"
                           "  generate: true\nlevel: high\n";
  write_text(dir / "rules" / "brute.yml", brute_rule);
  sigma::LoadReport report2;
  auto generated = load({(dir / "rules").string()}, &report2);
  Collect g(generated);
  ASSERT_TRUE(run_hunt(generated, {(dir / "events.jsonl").string()}, {}, g).ok());
  fs::remove_all(dir);
  std::map<std::string, int> generated_titles;
  for (const auto& d : g.dets) {
    generated_titles[d.correlation ? generated.correlations()[d.rule].title : generated.rules()[d.rule].title]++;
  }
  EXPECT_EQ(generated_titles["failed_logon"], 3);
  EXPECT_EQ(generated_titles["logon"], 0);  // its only correlation still does not generate it
  EXPECT_EQ(generated_titles["Many failed logons"], 1);

  std::map<std::string, int> titles;
  const Detection* brute = nullptr;
  for (const auto& d : c.dets) {
    titles[d.correlation ? rules.correlations()[d.rule].title : rules.rules()[d.rule].title]++;
    if (d.correlation && rules.correlations()[d.rule].title == "Many failed logons") brute = &d;
  }
  // Neither correlation generates its rules, so no base hit is reported on its own.
  EXPECT_EQ(titles["failed_logon"], 0);
  EXPECT_EQ(titles["logon"], 0);
  EXPECT_EQ(titles["Many failed logons"], 1);
  EXPECT_EQ(titles["Failed logons then one that works"], 1);
  EXPECT_EQ(st->correlation_detections, 2u);
  ASSERT_NE(brute, nullptr);
  EXPECT_EQ(brute->computer, "dc01");
  EXPECT_EQ(brute->event_count, 3u);
  ASSERT_EQ(brute->fields.size(), 2u);
  EXPECT_EQ(brute->fields[1].second, "bob");

}

// A file that cannot be split (JSON lines here; a .gz or a pipe alike) hands its detections
// over in parts as it is read, so memory does not grow with the file: progress is reported
// several times before the file ends, and the output is what one piece would give.
TEST(Hunt, AnUnsplittableFileStreamsItsDetections) {
  fs::path dir = fs::temp_directory_path() / ("vigil-hunt-parts-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  write_text(dir / "evil.yml", R"(title: Evil binary
logsource: {product: windows, service: security}
detection:
  selection: {EventID: 4688, NewProcessName|endswith: '\evil.exe'}
  condition: selection
level: high
)");
  std::string events;
  const int kEvents = 10'000;
  for (int i = 0; i < kEvents; ++i) {
    events += R"({"Event":{"System":{"Channel":"Security","EventID":4688,"Computer":"pc)" + std::to_string(i) +
              R"("},"EventData":{"NewProcessName":"C:\\t\\evil.exe"}}})" + std::string("\n");
  }
  write_text(dir / "events.jsonl", events);
  sigma::LoadReport report;
  auto rules = load({(dir / "evil.yml").string()}, &report);
  ASSERT_TRUE(report.refused.empty());
  struct Progress : Collect {
    using Collect::Collect;
    void on_progress(const HuntStats& stats, uint64_t) override { events_seen.push_back(stats.events); }
    std::vector<uint64_t> events_seen;
  };
  for (size_t threads : {1, 2}) {
    HuntOptions options;
    options.threads = threads;
    Progress got(rules);
    auto st = run_hunt(rules, {(dir / "events.jsonl").string()}, options, got);
    ASSERT_TRUE(st.ok()) << st.status().message();
    ASSERT_EQ(got.dets.size(), static_cast<size_t>(kEvents));
    for (int i = 0; i < kEvents; ++i) ASSERT_EQ(got.dets[i].record_index, static_cast<uint64_t>(i));
    EXPECT_EQ(st->events, static_cast<uint64_t>(kEvents));
    EXPECT_EQ(st->files, 1u);
    ASSERT_GE(got.events_seen.size(), 3u) << threads;  // two parts of 4,096 and the rest
    EXPECT_LT(got.events_seen.front(), static_cast<uint64_t>(kEvents));
    EXPECT_EQ(got.events_seen.back(), static_cast<uint64_t>(kEvents));
  }
  fs::remove_all(dir);
}

TEST(HuntRegression, EveryCaseFiresFromJsonAndEvtx) {
  const std::string root = kShared + "/data/sigma-regression/regression_data";
  if (!fs::exists(root)) GTEST_SKIP() << "needs ../shared (data/sigma-regression)";
  std::vector<std::string> folders;
  for (const char* f : {"rules", "rules-emerging-threats", "rules-threat-hunting",
                        "rules-compliance", "rules-dfir"}) {
    if (fs::exists(kShared + "/data/sigma/" + f)) folders.push_back(kShared + "/data/sigma/" + f);
  }
  sigma::LoadReport report;
  auto rules = load(folders, &report);
  ASSERT_GT(rules.rules().size(), 3000u);

  // case folder -> expected rule id
  std::map<std::string, std::string> expected;
  for (auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename() != "info.yml") continue;
    std::ifstream in(e.path());
    std::string line;
    bool in_meta = false;
    while (std::getline(in, line)) {
      if (line.rfind("rule_metadata", 0) == 0) in_meta = true;
      auto pos = line.find("- id: ");
      if (in_meta && pos != std::string::npos) {
        expected[e.path().parent_path().string()] = line.substr(pos + 6);
        break;
      }
    }
  }
  ASSERT_GT(expected.size(), 100u);
  size_t json_ok = 0, evtx_ok = 0, evtx_cases = 0;
  std::vector<std::string> misses;
  for (const auto& [dir, id] : expected) {
    for (const char* ext : {".json", ".evtx"}) {
      std::vector<std::string> files;
      for (auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ext) files.push_back(e.path().string());
      }
      if (files.empty()) continue;
      if (std::string(ext) == ".evtx") ++evtx_cases;
      Collect c(rules);
      HuntOptions opt;
      opt.threads = 1;
      ASSERT_TRUE(run_hunt(rules, files, opt, c).ok());
      bool fired = false;
      for (const auto& d : c.dets) fired |= !d.correlation && rules.rules()[d.rule].id == id;
      if (fired) {
        (std::string(ext) == ".json" ? json_ok : evtx_ok)++;
      } else {
        misses.push_back(dir + " (" + ext + ")");
      }
    }
  }
  for (const auto& m : misses) ADD_FAILURE() << "rule did not fire: " << m;
  RecordProperty("json_fired", static_cast<int>(json_ok));
  RecordProperty("evtx_fired", static_cast<int>(evtx_ok));
  EXPECT_EQ(evtx_ok, evtx_cases);
}

// The parallel scan over the EVTX attack samples prints exactly what the serial scan prints.
TEST(HuntRegression, ParallelEvtxScanMatchesSerial) {
  const std::string root = kShared + "/data/evtx";
  if (!fs::exists(root)) GTEST_SKIP() << "needs ../shared (data/evtx)";
  sigma::LoadReport report;
  auto rules = load({kShared + "/data/sigma/rules/windows"}, &report);
  HuntOptions one, two;
  one.threads = 1;
  two.threads = 2;
  two.evtx_chunks_per_unit = 1;  // many small units: the strongest ordering check
  Collect a(rules), b(rules);
  auto sa = run_hunt(rules, {root}, one, a);
  auto sb = run_hunt(rules, {root}, two, b);
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_GT(sa->events, 10000u);
  EXPECT_GT(a.lines.size(), 1000u);
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(sa->events, sb->events);
}

}  // namespace
}  // namespace vigil
