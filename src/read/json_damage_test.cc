// Property and differential tests of JSON framing:
//  * damage stays local: bytes mutated inside some records never cost an untouched record, in
//    JSON Lines and in the pretty-printed (evtx_dump) layout alike;
//  * the two framings agree: the same records written pretty-printed and as JSON Lines read back
//    to the same Events.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "read/read_path.h"
#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using testing::RecordingSink;

struct Indexed : EventSink {
  bool on_event(const Event& ev, const RecordRef& ref) override {
    delivered.insert(ref.index);
    rendered.push_back(testing::render_typed(ev));
    plain.push_back(testing::render_typed(ev, /*mark_unsigned=*/false));
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
  std::set<uint64_t> delivered;
  std::vector<std::string> rendered;
  std::vector<std::string> plain;
  size_t issues = 0;
};

std::string record(int i, bool pretty) {
  std::string id = std::to_string(i);
  if (!pretty) {
    return R"({"Event":{"System":{"EventID":)" + id + R"(,"Computer":"host-)" + id +
           R"("},"EventData":{"CommandLine":"cmd /c \"x )" + id + R"(\"","List":[1,2.5,null,true]}}})";
  }
  return "{\n  \"Event\": {\n    \"System\": {\n      \"EventID\": " + id +
         ",\n      \"Computer\": \"host-" + id +
         "\"\n    },\n    \"EventData\": {\n      \"CommandLine\": \"cmd /c \\\"x " + id +
         "\\\"\",\n      \"List\": [\n        1,\n        2.5,\n        null,\n        true\n"
         "      ]\n    }\n  }\n}";
}

// Mutates one byte (never into or out of a line break) somewhere inside `text`.
void mutate(std::string& text, std::mt19937& rng) {
  static const char kBytes[] = "\"{}[],:\\x 0";
  std::uniform_int_distribution<size_t> pos(0, text.size() - 1);
  std::uniform_int_distribution<size_t> pick(0, sizeof kBytes - 2);
  for (int tries = 0; tries < 100; ++tries) {
    size_t p = pos(rng);
    if (text[p] == '\n') continue;
    int op = static_cast<int>(rng() % 3);
    if (op == 0) {
      text[p] = kBytes[pick(rng)];
    } else if (op == 1) {
      text.erase(p, 1);
    } else {
      text.insert(p, 1, kBytes[pick(rng)]);
    }
    return;
  }
}

void check_damage_stays_local(bool pretty) {
  std::mt19937 rng(pretty ? 7 : 11);
  size_t issues = 0, mutated = 0;
  for (int round = 0; round < 40; ++round) {
    const int kRecords = 60;
    std::set<int> damaged;
    std::string text;
    for (int i = 0; i < kRecords; ++i) {
      std::string r = record(i, pretty);
      if (i > 1 && rng() % 5 == 0) {  // the first records stay intact so the layout is seen
        mutate(r, rng);
        damaged.insert(i);
      }
      text += r + "\n";
    }
    Indexed sink;
    ReadOptions opts;
    opts.format = Format::kJson;
    ASSERT_TRUE(read_source(memory_source(text), "mem", sink, opts).ok());
    issues += sink.issues;
    mutated += damaged.size();
    for (int i = 0; i < kRecords; ++i) {
      if (damaged.count(i)) continue;
      // Untouched records are all there, with their own content.
      bool found = false;
      for (const auto& r : sink.rendered) {
        found = found || r.find("\"host-" + std::to_string(i) + "\"") != std::string::npos;
      }
      EXPECT_TRUE(found) << "round " << round << ": record " << i << " lost\n" << text;
    }
    if (!pretty) {
      // One line, one record slot: indexes are line numbers, damaged lines included.
      for (int i = 0; i < kRecords; ++i) {
        if (!damaged.count(i)) {
          EXPECT_TRUE(sink.delivered.count(static_cast<uint64_t>(i)));
        }
      }
      EXPECT_LE(sink.delivered.size() + sink.issues, static_cast<size_t>(kRecords));
    }
  }
  // Many mutations break their record (about half land harmlessly inside a string).
  EXPECT_GT(issues, mutated / 4) << issues << " issues for " << mutated << " mutated records";
}

TEST(JsonDamage, StaysLocalInJsonLines) { check_damage_stays_local(false); }
TEST(JsonDamage, StaysLocalInPrettyPrintedStreams) { check_damage_stays_local(true); }

TEST(JsonFramings, PrettyAndLinesAgree) {
  std::string pretty, lines, array = "[\n";
  for (int i = 0; i < 500; ++i) {
    pretty += record(i, true) + "\n";
    lines += record(i, false) + "\n";
    array += (i ? ",\n" : "") + record(i, true);
  }
  array += "\n]\n";
  Indexed a, b, c;
  ASSERT_TRUE(read_source(memory_source(pretty), "pretty", a, {}).ok());
  ASSERT_TRUE(read_source(memory_source(lines), "lines", b, {}).ok());
  ASSERT_TRUE(read_source(memory_source(array), "array", c, {}).ok());
  EXPECT_EQ(a.rendered.size(), 500u);
  EXPECT_EQ(a.rendered, b.rendered);
  EXPECT_EQ(a.rendered, c.rendered);
}

TEST(JsonFramingsRealData, EvtxDumpRecordsSurviveARoundTripThroughJsonLines) {
  const std::string root = testing::shared_dir() + "/data/sigma-regression";
  if (!fs::exists(root)) GTEST_SKIP() << "needs ../shared (data/sigma-regression)";
  Indexed original;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() == ".json") {
      ASSERT_TRUE(read_path(e.path().string(), original, {}).ok());
    }
  }
  ASSERT_GT(original.rendered.size(), 100u);
  std::string jsonl;
  for (const auto& r : original.plain) jsonl += r + "\n";
  Indexed reread;
  ASSERT_TRUE(read_source(memory_source(jsonl), "jsonl", reread, {}).ok());
  EXPECT_EQ(reread.issues, 0u);
  EXPECT_EQ(reread.rendered, original.rendered);
}

}  // namespace
}  // namespace vigil
