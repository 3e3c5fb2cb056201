#include "serve/event_detector.h"

#include <chrono>

#include "core/fields.h"
#include "core/json_writer.h"
#include "detect/correlation.h"
#include "serve/alert_json.h"
#include "triage/alert.h"

namespace vigil::serve {
namespace {

constexpr size_t kMaxCorrelateBytes = 4096;  // as hunt keeps a field's text

}  // namespace

const std::string& EventDetector::field_map() {
  static const std::string map = [] {
    std::string m = "time=time,sensor=sensor,rule=rule,title=title,category=category,severity=severity,"
                    "tactic=tactics,technique=techniques";
    for (int k = 0; k < triage::kEntityKinds; ++k) {
      std::string_view kind = triage::entity_kind_name(static_cast<triage::EntityKind>(k));
      m.append(",").append(kind).append("=").append(kind);
    }
    return m;
  }();
  return map;
}

EventDetector::EventDetector(sigma::RuleSet rules)
    : rules_(std::move(rules)),
      max_key_fields_(detection_hunt_options().max_key_fields),
      correlate_fields_(sigma::CorrelationEngine::input_fields(rules_)) {
  sigma::CorrelationEngine uses(rules_);
  correlation_only_.resize(rules_.rules().size());
  for (size_t r = 0; r < correlation_only_.size(); ++r) {
    correlation_only_[r] = uses.correlation_only(static_cast<uint32_t>(r));
  }
}

std::unique_ptr<EventDetector::Worker> EventDetector::take_worker() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto worker = std::move(idle_.back());
      idle_.pop_back();
      return worker;
    }
  }
  return std::make_unique<Worker>(rules_);
}

void EventDetector::give_back(std::unique_ptr<Worker> worker) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(worker));
}

Status EventDetector::detect(const Event& event, RecordBatch& batch) {
  auto worker = take_worker();
  Worker& w = *worker;
  w.matcher.match(event, &w.hits);
  if (!w.hits.empty()) {
    std::optional<int64_t> time = event_time_us(event);
    int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    w.event_json.clear();
    write_json(event, w.event_json);
    for (uint32_t hit : w.hits) {
      const sigma::Rule& rule = rules_.rules()[hit];
      // The same detection, and the same alert of it, as `vigil triage -r` makes.
      Detection d = make_detection(event, rule, hit, time, RecordRef{}, max_key_fields_);
      if (!d.has_time) d.time_us = now;
      triage::Alert alert = w.alerts.convert(d, 0);
      w.record.clear();
      JsonWriter out(w.record);
      out.begin_object();
      write_alert_fields(out, alert);
      out.field("level", rule.level);
      for (int k = 0; k < triage::kEntityKinds; ++k) {
        auto kind = static_cast<triage::EntityKind>(k);
        if (!alert.entity(kind).empty()) out.field(triage::entity_kind_name(kind), alert.entity(kind));
      }
      out.key("event").raw(w.event_json);
      if (!correlate_fields_[hit].empty()) {
        out.key("correlate").begin_object();
        for (const std::string& name : correlate_fields_[hit]) {
          Value v = event.field(name);
          if (!v || v.is_null()) continue;
          std::string scratch;
          std::string_view text = v.text(scratch);
          out.field(name, text.substr(0, kMaxCorrelateBytes));
        }
        out.end_object();
      }
      if (correlation_only_[hit]) out.field("standalone", false);
      out.end_object();
      batch.add(w.record, kProfile, alert.time_us);
    }
  }
  give_back(std::move(worker));
  return Status::Ok();
}

}  // namespace vigil::serve
