// Hunt output: writes detections as an 80-column table, CSV, a JSON array or JSON Lines.
// A writer owns nothing but its formatting state; it reads the RuleSet and input list it is
// given, which must outlive it. Single-threaded: call from the thread that receives detections.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "detect/ruleset.h"
#include "pipeline/hunt.h"

namespace vigil {

enum class HuntFormat { kTable, kCsv, kJson, kJsonl };
bool parse_hunt_format(std::string_view name, HuntFormat* out);

class DetectionWriter {
 public:
  virtual ~DetectionWriter() = default;
  virtual void begin() {}
  virtual void write(const Detection& d) = 0;
  // Completes the output; a writer may hold written detections until then (JSON: up to 64 KiB
  // of them, unless the output is a terminal).
  virtual void end() {}
  // Writes out every detection held so far and flushes the stream (the input paused).
  virtual void flush() = 0;
};

// `inputs` is HuntStats::inputs as it grows (read at write time). `width` applies to the table.
std::unique_ptr<DetectionWriter> make_detection_writer(HuntFormat format, FILE* out,
                                                       const sigma::RuleSet& rules,
                                                       const std::vector<std::string>* inputs,
                                                       size_t width = 80);

// One detection as a JSON object (the JSONL line, without newline).
void detection_json(const Detection& d, const sigma::RuleSet& rules,
                    const std::vector<std::string>& inputs, std::string& out);

}  // namespace vigil
