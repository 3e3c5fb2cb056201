#include "serve/ingest_body.h"

#include "core/event.h"
#include "read/read_path.h"
#include "read/source.h"

namespace vigil::serve {
namespace {

class BodySink : public EventSink {
 public:
  BodySink(const RecordIntake& intake, const BodyLimits& limits, BodyResult& result,
           RecordBatch& batch)
      : intake_(intake), limits_(limits), result_(result), batch_(batch) {}

  bool on_event(const Event& event, const RecordRef& ref) override {
    if (++records_ > limits_.max_records) {
      too_many_ = true;
      return false;
    }
    Status taken = intake_(event, batch_);
    if (taken.ok()) {
      ++result_.taken;
    } else {
      reject(ref.line, ref.offset, taken.message());
    }
    return true;
  }
  void on_issue(const ReadIssue& issue) override {
    ++records_;
    reject(issue.line, issue.offset, issue.message);
  }
  bool too_many() const { return too_many_; }

 private:
  void reject(uint64_t line, uint64_t offset, std::string message) {
    ++result_.rejected;
    if (result_.issues.size() < limits_.max_issues_listed) {
      result_.issues.push_back({line, offset, std::move(message)});
    }
  }

  const RecordIntake& intake_;
  const BodyLimits& limits_;
  BodyResult& result_;
  RecordBatch& batch_;
  size_t records_ = 0;
  bool too_many_ = false;
};

}  // namespace

Result<BodyResult> split_body(std::string body, const RecordIntake& intake,
                              const BodyLimits& limits, RecordBatch& batch) {
  BodyResult result;
  BodySink sink(intake, limits, result, batch);
  ReadOptions options;
  options.format = Format::kJson;  // never sniffed: a CSV body must not pass as records
  options.max_record_bytes = limits.max_record_bytes;
  Status status = read_source(memory_source(std::move(body)), "body", sink, options);
  if (sink.too_many()) {
    return LimitError("body holds more than " + std::to_string(limits.max_records) + " records");
  }
  if (!status.ok()) return status;
  return result;
}

}  // namespace vigil::serve
