// Matching with a log-source index.
//
// Most of a rule set is tied to one Windows channel and a few event IDs (1,400 SigmaHQ rules are
// process_creation = Sysmon 1 or Security 4688), and most events fall in one such bucket. So
// rules are filed once by (lower-cased channel, event ID) — a rule with several variants is filed
// under each, carrying that variant's field renames — and an event costs two field reads and two
// hash lookups before any rule runs; it then meets only its bucket, the channel's any-event-ID
// rules, the product-wide Windows rules and the ungated ones. Non-Windows events meet the
// non-Windows rules, checked against the event's hint fields once per event. The hit list is
// sorted so both matchers report the same order. Scratch strings keep their capacity, so the
// steady state allocates nothing.
#include "detect/matcher.h"

#include <algorithm>

#include "core/text.h"

namespace vigil::sigma {

RuleIndex::RuleIndex(const RuleSet& set) {
  const auto& rules = set.rules();
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const Gate& g = rules[i].gate;
    switch (g.kind) {
      case Gate::Kind::kAny: any_.push_back(i); break;
      case Gate::Kind::kOther: other_.push_back(i); break;
      case Gate::Kind::kNever: break;
      case Gate::Kind::kWindows:
        if (g.variants.empty()) {
          windows_any_.push_back({i, nullptr});
          break;
        }
        for (const SourceVariant& v : g.variants) {
          for (const std::string& ch : v.channels) {
            ChannelRules& cr = channels_[ch];
            if (v.event_ids.empty()) {
              cr.any_event_id.push_back({i, v.renames.get()});
              continue;
            }
            for (int64_t eid : v.event_ids) {
              auto& list = cr.by_event_id[eid];
              if (list.empty() || list.back().rule != i) list.push_back({i, v.renames.get()});
            }
          }
        }
        break;
    }
  }
}

const RuleIndex::ChannelRules* RuleIndex::channel(std::string_view lower_channel) const {
  auto it = channels_.find(lower_channel);
  return it == channels_.end() ? nullptr : &it->second;
}

Matcher::Matcher(const RuleSet& rules, std::shared_ptr<const RuleIndex> index)
    : rules_(rules), index_(index ? std::move(index) : std::make_shared<const RuleIndex>(rules)) {
  channel_.reserve(256);
  ctx_.memo.resize(rules.field_count());
}

void Matcher::run(const RuleIndex::Entry& e, std::vector<uint32_t>* hits) {
  ctx_.renames = e.renames;
  if (rules_.rules()[e.rule].matches(ctx_)) hits->push_back(e.rule);
}

bool Matcher::hints_admit(const Gate& g) {
  const std::string* want[3] = {&g.product, &g.service, &g.category};
  for (int k = 0; k < 3; ++k) {
    if (!want[k]->empty() && !hints_[k].empty() && !iequals(hints_[k], *want[k])) return false;
  }
  return true;
}

void Matcher::match(const Event& event, std::vector<uint32_t>* hits) {
  hits->clear();
  ctx_.event = &event;
  ++ctx_.epoch;  // forget the previous event's field lookups
  const RuleIndex& idx = *index_;
  for (uint32_t r : idx.any()) run({r, nullptr}, hits);
  std::string_view channel = LogSourceMap::channel_of(event);
  if (!channel.empty()) {
    for (const auto& e : idx.windows_any()) run(e, hits);
    channel_.assign(channel);
    for (char& c : channel_) c = ascii_lower(c);
    if (const RuleIndex::ChannelRules* cr = idx.channel(channel_)) {
      for (const auto& e : cr->any_event_id) run(e, hits);
      int64_t eid;
      if (!cr->by_event_id.empty() && event.field("EventID").as_int(&eid)) {
        auto it = cr->by_event_id.find(eid);
        if (it != cr->by_event_id.end()) {
          for (const auto& e : it->second) run(e, hits);
        }
      }
    }
  } else if (!idx.other().empty()) {
    for (int k = 0; k < 3; ++k) hints_[k] = rules_.logsources().hint_of(event, k, hint_scratch_[k]);
    for (uint32_t r : idx.other()) {
      if (hints_admit(rules_.rules()[r].gate)) run({r, nullptr}, hits);
    }
  }
  std::sort(hits->begin(), hits->end());
  hits->erase(std::unique(hits->begin(), hits->end()), hits->end());
}

void ReferenceMatcher::match(const Event& event, std::vector<uint32_t>* hits) {
  hits->clear();
  ctx_.event = &event;
  const auto& rules = rules_.rules();
  for (uint32_t i = 0; i < rules.size(); ++i) {
    const Renames* renames = nullptr;
    if (!rules_.logsources().admits(rules[i].gate, event, &renames)) continue;
    ctx_.renames = renames;
    if (rules[i].matches(ctx_)) hits->push_back(i);
  }
}

}  // namespace vigil::sigma
