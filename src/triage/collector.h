// AlertCollector: the EventSink that turns records read from files into prepared alerts for an
// Engine, through a Profile, numbering records across inputs (files in order, records in file
// order), and later feeds them to the engine in time order. Owns the prepared alerts and the
// list of problems; borrows the Engine and Profile, which must outlive it. One thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "read/sink.h"
#include "triage/engine.h"
#include "triage/profile.h"

namespace vigil::triage {

class AlertCollector : public EventSink {
 public:
  AlertCollector(Engine& engine, const Profile& profile) : engine_(engine), profile_(profile) {}

  bool on_event(const Event& event, const RecordRef& ref) override;
  void on_issue(const ReadIssue& issue) override;

  // Call after each input with the number of record slots it used (records plus damaged ones),
  // so the next input's records are numbered after it.
  void end_input(uint64_t record_slots);

  // Feeds everything collected to the engine, ordered by time (ties keep input order), and
  // forgets it.
  void feed();
  // Hands everything collected so far to `other` (same engine), to be fed with its alerts.
  void move_into(AlertCollector& other);

  uint64_t alerts() const { return alerts_.size() + fed_; }
  uint64_t skipped() const { return skipped_; }     // records that are not alerts
  uint64_t bad() const { return bad_; }             // alert records that could not be read
  // Problems worth telling the user: read damage and unreadable alert records (first ones).
  const std::vector<std::string>& problems() const { return problems_; }
  uint64_t problem_count() const { return problem_count_; }

 private:
  static constexpr size_t kMaxProblems = 50;
  void note(std::string text);

  Engine& engine_;
  const Profile& profile_;
  MapScratch scratch_;
  std::vector<PreparedAlert> alerts_;
  uint64_t base_ = 0;
  uint64_t fed_ = 0;
  uint64_t skipped_ = 0;
  uint64_t bad_ = 0;
  uint64_t problem_count_ = 0;
  std::vector<std::string> problems_;
};

}  // namespace vigil::triage
