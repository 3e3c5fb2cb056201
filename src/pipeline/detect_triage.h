// Detection triage: Vigil's own Sigma detections as triage alerts, so raw events (EVTX, JSON) go
// through detection and triage in one pass. DetectionAlerts turns one Detection into an Alert;
// DetectionTriage is the HuntListener that does it for a whole hunt and feeds an Engine in time
// order. Both borrow the RuleSet (and the Engine), which must outlive them; one thread each
// (run_hunt calls its listener from the calling thread only).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detect/ruleset.h"
#include "pipeline/hunt.h"
#include "triage/alert.h"
#include "triage/engine.h"

namespace vigil {

// Engine options for Sigma detections: the defaults of triage::EngineOptions plus the prior that
// a rule's level is, and a capture's lone evidence surfaced (lone_evidence; see detect_triage.cc
// and docs/windows-triage.md). CLI --set applies on top.
triage::EngineOptions detection_engine_options();
// That prior alone, set in `options` (the rest left as given): for an engine whose other options
// come from elsewhere (the service running Sigma rules).
void add_level_prior(triage::EngineOptions& options);

// Hunt options for triage: the whole of hunt's key-field list (and the rule's `fields:`) is kept
// with a detection, since entities are read from it (see make_detection in pipeline/hunt.h).
HuntOptions detection_hunt_options();

class DetectionAlerts {
 public:
  explicit DetectionAlerts(const sigma::RuleSet& rules);

  // The alert for `d` (record = its number among the run's detections). The alert's strings
  // point into the RuleSet, `d` and this object: valid until the next call.
  triage::Alert convert(const Detection& d, uint64_t record);

 private:
  struct RuleFacts {
    bool ready = false;
    int severity = -1;
    triage::TacticSet tactics = 0;
    std::vector<std::string> techniques;
    std::string category;
  };
  const RuleFacts& facts(const Detection& d);

  const sigma::RuleSet& rules_;
  std::vector<RuleFacts> rule_facts_, correlation_facts_;
  std::string user_, process_, file_, hash_, src_ip_, dst_ip_;
};

// Collects a hunt's detections as prepared alerts (strings interned by the engine, so nothing
// else of a detection is kept) and, at finish(), feeds them to the engine sorted by event time,
// ties in detection order. Sorting at the end rather than streaming per file: the files of one
// capture (Security, Sysmon, PowerShell...) overlap in time, and detections are few. Issues and
// progress are forwarded to `forward` when given, and every detection is passed on to it too.
class DetectionTriage : public HuntListener {
 public:
  DetectionTriage(const sigma::RuleSet& rules, triage::Engine& engine,
                  HuntListener* forward = nullptr);

  void on_start(const std::vector<std::string>& inputs, uint64_t bytes_total) override;
  void on_detection(const Detection& d) override;
  void on_issue(const std::string& text) override;
  void on_progress(const HuntStats& stats, uint64_t bytes_total) override;

  // Feeds everything collected to the engine; call once, after run_hunt.
  void finish();

  uint64_t detections() const { return next_record_; }
  // Detections whose event had no readable time: placed at the time of the detection before
  // them in input order (or the first timed one).
  uint64_t untimed() const { return untimed_; }

 private:
  DetectionAlerts alerts_;
  triage::Engine& engine_;
  HuntListener* forward_;
  std::vector<triage::PreparedAlert> pending_;
  std::vector<size_t> waiting_for_time_;  // untimed before any timed detection
  int64_t last_time_us_ = 0;
  bool have_time_ = false;
  uint64_t next_record_ = 0;
  uint64_t untimed_ = 0;
};

}  // namespace vigil
