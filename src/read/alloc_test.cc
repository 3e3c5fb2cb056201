// Steady-state reading must not allocate per record: this binary counts every operator new and
// checks that reading 20x more records costs no more allocations than reading the few first.
#include <gtest/gtest.h>


#include "core/alloc_counter.h"
#include "read/read_path.h"

namespace vigil {
namespace {

class NullSink : public EventSink {
 public:
  bool on_event(const Event& ev, const RecordRef&) override {
    nodes += ev.node_count();
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
  size_t nodes = 0, issues = 0;
};

std::string jsonl(int records) {
  std::string s;
  for (int i = 0; i < records; ++i) {
    s += R"({"EventID":4688,"Channel":"Security","Data":{"CommandLine":"cmd.exe /c \"echo )" +
         std::to_string(i % 10) + R"(\"","Ratio":0.5,"Flags":[1,2,3],"Ok":true,"None":null}})" +
         "\n";
  }
  return s;
}

std::string csv(int rows) {
  std::string s = "time,name,ip,host,short\n";
  for (int i = 0; i < rows; ++i) {
    s += "16422139" + std::to_string(10 + i % 90) +
         ",\"Wazuh: \"\"quoted\"\" rule\",10.0.0.1,mail,W-Sys\r\n";
  }
  return s;
}

// Allocations made while reading `text` (the input string itself is built before counting).
uint64_t allocations_reading(const std::string& text) {
  std::string copy = text;
  auto source = memory_source(std::move(copy));
  NullSink sink;
  uint64_t before = allocation_count();
  EXPECT_TRUE(read_source(std::move(source), "mem", sink, {}).ok());
  uint64_t used = allocation_count() - before;
  EXPECT_EQ(sink.issues, 0u);
  return used;
}

TEST(ReadAllocations, JsonLinesDoNotAllocatePerRecord) {
  uint64_t few = allocations_reading(jsonl(500));
  uint64_t many = allocations_reading(jsonl(10000));
  EXPECT_LE(many, few + 4) << "few=" << few << " many=" << many;
}

TEST(ReadAllocations, CsvRowsDoNotAllocatePerRow) {
  uint64_t few = allocations_reading(csv(500));
  uint64_t many = allocations_reading(csv(10000));
  EXPECT_LE(many, few + 4) << "few=" << few << " many=" << many;
}

}  // namespace
}  // namespace vigil
