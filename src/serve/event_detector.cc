#include "serve/event_detector.h"

#include <chrono>

#include "core/fields.h"
#include "core/time.h"
#include "serve/json_writer.h"
#include "triage/alert.h"
#include "triage/tactic.h"

namespace vigil::serve {
namespace {

// Where each entity kind is usually found in Windows and Sysmon events (first present wins);
// FieldResolver maps the names onto evtx_dump, ECS and flat layouts.
struct EntitySource {
  const char* kind;
  std::vector<const char*> fields;
};
const std::vector<EntitySource>& entity_sources() {
  static const std::vector<EntitySource> sources = {
      {"host", {"Computer", "Hostname", "host.name"}},
      {"user", {"User", "TargetUserName", "SubjectUserName", "AccountName"}},
      {"src_ip", {"SourceIp", "IpAddress", "SourceAddress"}},
      {"dst_ip", {"DestinationIp", "DestAddress"}},
      {"process", {"Image", "NewProcessName", "ProcessName"}},
      {"file", {"TargetFilename", "ImageLoaded"}},
      {"hash", {"Hashes", "Hash"}},
  };
  return sources;
}

}  // namespace

const char* EventDetector::field_map() {
  return "time=time,sensor=sensor,rule=rule,title=title,severity=severity,tactic=tactics,"
         "technique=techniques,host=host,user=user,src_ip=src_ip,dst_ip=dst_ip,process=process,"
         "file=file,hash=hash";
}

EventDetector::EventDetector(sigma::RuleSet rules) : rules_(std::move(rules)) {}

std::unique_ptr<sigma::Matcher> EventDetector::take_matcher() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto matcher = std::move(idle_.back());
      idle_.pop_back();
      return matcher;
    }
  }
  return std::make_unique<sigma::Matcher>(rules_);
}

void EventDetector::give_back(std::unique_ptr<sigma::Matcher> matcher) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(matcher));
}

Status EventDetector::detect(const Event& event, RecordBatch& batch) {
  std::vector<uint32_t> hits;
  auto matcher = take_matcher();
  matcher->match(event, &hits);
  give_back(std::move(matcher));
  if (hits.empty()) return Status::Ok();

  auto time = event_time_us(event);
  int64_t time_us = time ? *time
                         : std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  std::string scratch, event_json, record;
  write_json(event, event_json);
  for (uint32_t hit : hits) {
    const sigma::Rule& rule = rules_.rules()[hit];
    record.clear();
    JsonWriter w(record);
    w.begin_object();
    w.field("time", format_time_us(time_us)).field("sensor", "Vigil");
    w.field("rule", rule.id.empty() ? rule.title : rule.id).field("title", rule.title);
    w.field("level", rule.level);
    int severity = triage::severity_from_level(rule.level);
    if (severity >= 0) w.field("severity", severity);
    w.key("tactics").begin_array();
    triage::TacticSet tactics = triage::tactics_from_tags(rule.tags);
    for (int t = 0; t < triage::kTacticCount; ++t) {
      auto tactic = static_cast<triage::Tactic>(t);
      if (triage::has_tactic(tactics, tactic)) w.value(triage::tactic_name(tactic));
    }
    w.end_array();
    w.key("techniques").begin_array();
    for (const auto& technique : triage::techniques_from_tags(rule.tags)) w.value(technique);
    w.end_array();
    for (const auto& source : entity_sources()) {
      for (const char* name : source.fields) {
        Value v = event.field(name);
        if (!v || v.is_null() || v.is_container()) continue;
        std::string_view text = v.text(scratch);
        if (text.empty() || text == "-") continue;
        w.field(source.kind, text);
        break;
      }
    }
    w.key("event").raw(event_json);
    w.end_object();
    batch.add(record, kProfile);
  }
  return Status::Ok();
}

}  // namespace vigil::serve
