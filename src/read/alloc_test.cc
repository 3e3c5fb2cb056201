// Steady-state reading must not allocate per record: this binary counts every operator new and
// checks that reading 20x more records costs no more allocations than reading the few first.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "read/read_path.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

// GCC cannot see that these replacements are the allocation functions it warns about pairing.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Every replaceable form is replaced, so allocation and release always pair through malloc/free
// (simdjson allocates with the nothrow array form, and sanitizers check the pairing).
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

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
  uint64_t before = g_allocations.load();
  EXPECT_TRUE(read_source(std::move(source), "mem", sink, {}).ok());
  uint64_t used = g_allocations.load() - before;
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
