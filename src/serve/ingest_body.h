// IngestBody: splits what a sender posted (a JSON array of objects, or JSON lines) into records,
// checks each one (a valid JSON object that a profile accepts) and keeps the good ones.
// Pure function of its input plus a caller-owned parser; call from any thread with its own parser.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "serve/classifier.h"
#include "serve/json_event.h"
#include "serve/record_batch.h"

namespace vigil::serve {

struct BodyIssue {
  uint64_t index = 0;  // 0-based record number in the body (array element or non-blank line)
  uint64_t line = 0;   // 1-based line for JSON lines, 0 for array elements
  std::string message;
};

struct BodyLimits {
  size_t max_records = 1'000'000;
  size_t max_record_bytes = 1 << 20;
  size_t max_issues_listed = 100;  // further issues are counted, not described
};

struct BodyResult {
  uint64_t rejected = 0;
  std::vector<BodyIssue> issues;  // at most max_issues_listed
};

// Appends each record of `body` that `classify` accepts to `batch` under the profile it names
// (lines as sent, array elements minified). Fails as a whole only when the body is not an array
// or lines of JSON at all, or holds more than max_records.
Result<BodyResult> split_body(std::string_view body, const RecordClassifier& classify,
                              const BodyLimits& limits, JsonEventParser& parser, Event& scratch,
                              RecordBatch& batch);

}  // namespace vigil::serve
