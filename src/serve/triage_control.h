// TriageControl: what the HTTP API asks of the live triage engine beyond reading the store —
// verdicts, suppressions, and waiting until the published incidents have caught up. The
// service's TriageHost implements it; API tests substitute a recording fake. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "serve/store.h"

namespace vigil::serve {

struct VerdictRequest {
  std::string incident_id;
  std::string verdict;  // true_positive | false_positive | benign
  std::string reason;
  std::string analyst;
};

struct VerdictOutcome {
  int64_t verdict_id = 0;
  std::string incident_status;               // the incident's status after the verdict
  std::optional<SuppressionRow> suppression;  // created by the verdict, if any
};

class TriageControl {
 public:
  virtual ~TriageControl() = default;
  // Stores the verdict durably, teaches the engine and republishes the incident before
  // returning. kNotFound for an unknown incident; kInvalidArgument for a bad verdict.
  virtual Result<VerdictOutcome> give_verdict(const VerdictRequest& request) = 0;
  // `spec` is a JSON object in the engine's suppression language; kInvalidArgument if refused.
  virtual Result<SuppressionRow> add_suppression(const std::string& spec, const std::string& reason) = 0;
  // False when no live suppression has that id.
  virtual Result<bool> remove_suppression(int64_t id) = 0;
  // Waits until every alert committed before the call is reflected in the store's incidents.
  virtual Status sync(std::chrono::milliseconds timeout) = 0;
  // Highest alert seq the engine has taken in.
  virtual int64_t processed_seq() const = 0;
};

}  // namespace vigil::serve
