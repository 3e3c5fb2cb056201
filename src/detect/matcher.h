// Matcher: runs a RuleSet over events, one event at a time, and reports the indices of the rules
// that fire. RuleIndex (immutable, shareable across threads) sends each Windows event only to the
// rules of its (Channel, EventID); ReferenceMatcher tries every rule through its gate, with no
// index — the plain semantics the fast path is tested against. A Matcher or ReferenceMatcher is
// per thread (it owns scratch buffers); the RuleSet and RuleIndex are shared read-only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/event.h"
#include "detect/ruleset.h"

namespace vigil::sigma {

class RuleIndex {
 public:
  explicit RuleIndex(const RuleSet& rules);

  struct Entry {
    uint32_t rule;
    const Renames* renames;  // the variant's renames, null = none
  };
  struct ChannelRules {
    std::unordered_map<int64_t, std::vector<Entry>> by_event_id;
    std::vector<Entry> any_event_id;
  };
  // `lower_channel` must be lower-case.
  const ChannelRules* channel(std::string_view lower_channel) const;
  const std::vector<Entry>& windows_any() const { return windows_any_; }
  const std::vector<uint32_t>& other() const { return other_; }
  const std::vector<uint32_t>& any() const { return any_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, ChannelRules, Hash, std::equal_to<>> channels_;
  std::vector<Entry> windows_any_;
  std::vector<uint32_t> other_;
  std::vector<uint32_t> any_;
};

class Matcher {
 public:
  // Builds its own index unless one (built from the same RuleSet) is given.
  explicit Matcher(const RuleSet& rules, std::shared_ptr<const RuleIndex> index = nullptr);
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Clears `hits` and appends the indices (into rules.rules()) of every rule that fires, ascending.
  void match(const Event& event, std::vector<uint32_t>* hits);
  const std::shared_ptr<const RuleIndex>& index() const { return index_; }

 private:
  void run(const RuleIndex::Entry& e, std::vector<uint32_t>* hits);
  bool hints_admit(const Gate& g);

  const RuleSet& rules_;
  std::shared_ptr<const RuleIndex> index_;
  EvalContext ctx_;
  std::string channel_;  // lower-cased channel of the current event
  std::string hint_scratch_[3];
  std::string_view hints_[3];
};

class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(const RuleSet& rules) : rules_(rules) { ctx_.fold_once = false; }
  void match(const Event& event, std::vector<uint32_t>* hits);

 private:
  const RuleSet& rules_;
  EvalContext ctx_;
};

}  // namespace vigil::sigma
