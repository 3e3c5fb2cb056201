// Sinks shared by the fuzz targets: they touch every value a real consumer would touch (so a bad
// string length or offset is read under the sanitizers) and count what arrives.
// Plain values owned by one LLVMFuzzerTestOneInput call; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "read/evtx/evtx_file.h"
#include "read/sink.h"

namespace vigil::fuzz {

// Stops the process when an invariant the code promises does not hold: libFuzzer then keeps the
// input as a crasher, the replay test fails on it.
[[noreturn]] void invariant_failed(const char* what);

class TouchSink : public EventSink {
 public:
  bool on_event(const Event& ev, const RecordRef& ref) override {
    ++events;
    for (uint32_t i = 0; i < ev.node_count(); ++i) {
      Value v(&ev, i);
      // Scalars only: text() of a container writes its whole subtree as JSON.
      if (!v.is_container()) bytes += v.text(scratch_).size();
      bytes += v.key().size();
    }
    // The field resolver, as rules use it (layout detection, dotted and flat names).
    for (const char* name : {"EventID", "Image", "CommandLine", "process.command_line", "a"}) {
      bytes += ev.field(name).valid();
    }
    return true;
  }
  void on_issue(const ReadIssue& issue) override {
    ++issues;
    bytes += issue.message.size() + issue.source.size();
  }
  uint64_t events = 0, issues = 0, bytes = 0;

 private:
  std::string scratch_;
};

class TouchXmlSink : public evtx::XmlSink {
 public:
  bool on_xml(std::string_view xml, const RecordRef& ref) override {
    ++records;
    if (!xml.empty()) sum += static_cast<unsigned char>(xml.front()) + xml.back() + xml.size();
    return true;
  }
  void on_issue(const ReadIssue& issue) override { ++issues; }
  uint64_t records = 0, issues = 0, sum = 0;
};

}  // namespace vigil::fuzz
