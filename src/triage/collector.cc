// AlertCollector: map each record as it is read (its Event dies with the callback), keep only
// the compact interned form, and sort once at the end — alert files are often several
// time-sorted runs appended, and sorting 600 k small records costs a few milliseconds.
#include "triage/collector.h"

#include <algorithm>

namespace vigil::triage {

bool AlertCollector::on_event(const Event& event, const RecordRef& ref) {
  Alert alert;
  std::string why;
  switch (profile_.map(event, alert, scratch_, &why)) {
    case Profile::Outcome::kAlert:
      alert.record = base_ + ref.index;
      alerts_.push_back(engine_.prepare(alert));
      break;
    case Profile::Outcome::kSkip:
      ++skipped_;
      break;
    case Profile::Outcome::kBad: {
      ++bad_;
      std::string where(ref.source);
      where.append(ref.line ? ":" : " record ");
      where.append(std::to_string(ref.line ? ref.line : ref.index));
      where.append(": ");
      where.append(why);
      note(std::move(where));
      break;
    }
  }
  return true;
}

void AlertCollector::on_issue(const ReadIssue& issue) { note(issue.describe()); }

void AlertCollector::note(std::string text) {
  ++problem_count_;
  if (problems_.size() < kMaxProblems) problems_.push_back(std::move(text));
}

void AlertCollector::end_input(uint64_t record_slots) { base_ += record_slots; }

void AlertCollector::move_into(AlertCollector& other) {
  other.alerts_.insert(other.alerts_.end(), alerts_.begin(), alerts_.end());
  alerts_.clear();
}

void AlertCollector::feed() {
  // Time, then input record number: the order the alerts were written in breaks ties.
  std::sort(alerts_.begin(), alerts_.end(), [](const PreparedAlert& a, const PreparedAlert& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.record < b.record;
  });
  for (const PreparedAlert& a : alerts_) engine_.add(a);
  fed_ += alerts_.size();
  alerts_.clear();
  alerts_.shrink_to_fit();
}

}  // namespace vigil::triage
