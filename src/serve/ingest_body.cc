#include "serve/ingest_body.h"

#include <simdjson.h>

#include "core/text.h"

namespace vigil::serve {
namespace {

class Collector {
 public:
  Collector(const RecordClassifier& classify, const BodyLimits& limits, BodyResult& result,
            RecordBatch& batch)
      : classify_(classify), limits_(limits), result_(result), batch_(batch) {}

  void reject(uint64_t index, uint64_t line, std::string message) {
    ++result_.rejected;
    if (result_.issues.size() < limits_.max_issues_listed) {
      result_.issues.push_back({index, line, std::move(message)});
    }
  }
  // Classifies the parsed record and keeps its text under the profile named.
  void offer(const Event& record, std::string_view text, uint64_t index, uint64_t line) {
    auto profile = classify_(record);
    if (profile.ok()) {
      batch_.add(text, *profile);
    } else {
      reject(index, line, profile.status().message());
    }
  }

 private:
  const RecordClassifier& classify_;
  const BodyLimits& limits_;
  BodyResult& result_;
  RecordBatch& batch_;
};

Result<BodyResult> split_array(std::string_view body, const RecordClassifier& classify,
                               const BodyLimits& limits, Event& scratch, RecordBatch& batch) {
  BodyResult result;
  Collector collector(classify, limits, result, batch);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto error = parser.parse(body.data(), body.size(), true).get(root);
  if (error) return Corrupt(std::string("body is not valid JSON: ") + simdjson::error_message(error));
  simdjson::dom::array items;
  if (root.get_array().get(items)) return Corrupt("body is not a JSON array");
  if (items.size() > limits.max_records) {
    return LimitError("body holds more than " + std::to_string(limits.max_records) + " records");
  }
  uint64_t index = 0;
  std::string minified;
  for (simdjson::dom::element item : items) {
    Status status = JsonEventParser::to_event(item, scratch);
    if (!status.ok()) {
      collector.reject(index++, 0, status.message());
      continue;
    }
    minified = simdjson::minify(item);
    if (minified.size() > limits.max_record_bytes) {
      collector.reject(index++, 0, "record larger than " + std::to_string(limits.max_record_bytes) + " bytes");
      continue;
    }
    collector.offer(scratch, minified, index++, 0);
  }
  return result;
}

Result<BodyResult> split_lines(std::string_view body, const RecordClassifier& classify,
                               const BodyLimits& limits, JsonEventParser& parser, Event& scratch,
                               RecordBatch& batch) {
  BodyResult result;
  Collector collector(classify, limits, result, batch);
  uint64_t index = 0;
  uint64_t line_number = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    ++line_number;
    std::string_view line = trim(body.substr(pos, end - pos));
    size_t readable = body.size() - static_cast<size_t>(line.data() - body.data());
    pos = end + 1;
    if (line.empty()) continue;
    if (index >= limits.max_records) {
      return LimitError("body holds more than " + std::to_string(limits.max_records) + " records");
    }
    if (line.size() > limits.max_record_bytes) {
      collector.reject(index++, line_number,
                       "record larger than " + std::to_string(limits.max_record_bytes) + " bytes");
      continue;
    }
    Status status = parser.parse(line, readable, scratch);
    if (!status.ok()) {
      collector.reject(index++, line_number, status.message());
      continue;
    }
    collector.offer(scratch, line, index++, line_number);
  }
  return result;
}

}  // namespace

Result<BodyResult> split_body(std::string_view body, const RecordClassifier& classify,
                              const BodyLimits& limits, JsonEventParser& parser, Event& scratch,
                              RecordBatch& batch) {
  std::string_view content = trim(body);
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content = trim(content.substr(3));
  if (content.empty()) return BodyResult{};
  if (content.front() == '[') return split_array(content, classify, limits, scratch, batch);
  if (content.front() == '{') return split_lines(content, classify, limits, parser, scratch, batch);
  return Corrupt("body is neither a JSON array nor JSON lines");
}

}  // namespace vigil::serve
