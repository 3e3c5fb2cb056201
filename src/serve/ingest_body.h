// IngestBody: turns what a sender posted (a JSON array of objects, or JSON lines; gzip or zstd
// compressed or plain) into records, keeps those a profile accepts and reports the others.
// Pure function of its input; safe to call from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "serve/intake.h"
#include "serve/record_batch.h"

namespace vigil::serve {

struct BodyIssue {
  uint64_t line = 0;    // 1-based line where the damaged record starts
  uint64_t offset = 0;  // its byte offset in the (decompressed) body
  std::string message;
};

struct BodyLimits {
  size_t max_records = 1'000'000;
  size_t max_record_bytes = 1 << 20;
  size_t max_issues_listed = 100;  // further issues are counted, not described
};

struct BodyResult {
  uint64_t taken = 0;     // records the intake accepted (raw events may yield no alert)
  uint64_t rejected = 0;
  std::vector<BodyIssue> issues;  // at most max_issues_listed
};

// Reads `body` with the JSON reader (read/json_reader.h) and hands each record to `intake`,
// which appends what it yields to `batch`. Damaged records (including text that is not JSON at
// all) and refused ones are counted and described in the result. Fails as a whole only when the
// body holds more than max_records.
Result<BodyResult> split_body(std::string body, const RecordIntake& intake,
                              const BodyLimits& limits, RecordBatch& batch);

}  // namespace vigil::serve
