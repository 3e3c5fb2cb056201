// Matching: route, scan, wake, confirm.
//
// Route. Two field reads (Channel, EventID) place the event in a route of the RuleIndex
// (rule_index.h): the rules its log source admits, minus those that cannot fire on its event ID.
// While consecutive events share channel and ID — the common case in a log — not even a hash
// lookup is needed.
//
// Scan and wake. The route's rules with a trigger set are looked at only when a trigger literal
// occurs in the event: one vectorscan pass over the event's values (prefilter.h) yields the
// literals seen, and each names, by its position in the route's database, the rules it wakes.
// Most events wake a handful of rules out of hundreds; an event that shows no trigger literal
// costs the scan and nothing else.
//
// Confirm. A woken rule's whole requirement (all its ANDed literals, its event ID tests) is
// checked against what the scan saw — a small formula over stamps — and only the survivors, plus
// the route's rules that have no trigger set, run the real Sigma evaluation. Every verdict comes
// from that evaluation, so the result is the ReferenceMatcher's exactly; the prefilter only
// decides what need not be tried. Stamps instead of clearing keep the steady state free of
// allocation.
#include "detect/matcher.h"

#include "core/fields.h"
#include "core/text.h"

namespace vigil::sigma {

Matcher::Matcher(const RuleSet& rules, std::shared_ptr<const RuleIndex> index)
    : rules_(rules),
      index_(index ? std::move(index) : rules.index()),
      scan_(index_->requirements(), index_->database_count(), rules.field_count(), index_->unscanned()) {
  channel_.reserve(256);
  channel_raw_.reserve(256);
  ctx_.memo.resize(rules.field_count());
  group_stamp_.assign(rules.rules().size(), 0);
  evaluations_.assign(rules.rules().size(), 0);
  woken_.reserve(rules.rules().size());
  // The field ids rules read EventID and Channel by, spelled exactly so (see prime()).
  auto note = [&](const Detection& d) {
    d.for_each_test([&](const FieldTest& t) {
      if (t.field_id == kNoField) return;
      if (t.field == "EventID") eventid_field_ = t.field_id;
      if (t.field == "Channel") channel_field_ = t.field_id;
    });
  };
  for (const Rule& r : rules.rules()) {
    note(r.detection);
    for (const auto& f : r.filters) note(*f);
  }
}

// Routing has resolved EventID and Channel already: their memo slots get those values, so a rule
// that tests them (most Security rules test EventID first) does not resolve them again. The memo
// holds what EvalContext::field(name) gives without renames, which is Event::field(name).
void Matcher::prime(uint32_t field, Value value) {
  if (field >= ctx_.memo.size()) return;
  ctx_.memo[field].value = value;
  ctx_.memo[field].epoch = ctx_.epoch;
}

void Matcher::run(const RuleIndex::Entry& e, std::vector<uint32_t>* hits) {
  if (e.check_hints && !hints_admit(rules_.rules()[e.rule].gate)) return;
  ctx_.renames = e.renames;
  ++evaluations_[e.rule];
  if (rules_.rules()[e.rule].matches(ctx_)) hits->push_back(e.rule);
}

bool Matcher::hints_admit(const Gate& g) {
  if (!hints_ready_) {
    for (int k = 0; k < 3; ++k) hints_[k] = rules_.logsources().hint_of(*ctx_.event, k, hint_scratch_[k]);
    hints_ready_ = true;
  }
  const std::string* want[3] = {&g.product, &g.service, &g.category};
  for (int k = 0; k < 3; ++k) {
    if (!want[k]->empty() && !hints_[k].empty() && !iequals(hints_[k], *want[k])) return false;
  }
  return true;
}

const RuleIndex::Route& Matcher::route_of(Value channel_value, const int64_t* event_id) {
  // LogSourceMap::channel_of, keeping the value for the memo.
  prime(channel_field_, channel_value);
  const std::string_view channel = channel_value.is_string() ? channel_value.str() : std::string_view();
  const bool same_id = (event_id != nullptr) == last_has_id_ && (!event_id || *event_id == last_id_);
  if (last_route_ && same_id && (channel == channel_raw_ || iequals(channel, channel_))) return *last_route_;
  channel_raw_.assign(channel);
  channel_.assign(channel);
  for (char& c : channel_) c = ascii_lower(c);
  last_has_id_ = event_id != nullptr;
  last_id_ = event_id ? *event_id : 0;
  last_route_ = &index_->route(channel_, event_id);
  lane_count_ = std::min(last_route_->lanes.size(), LiteralScan::kMaxLanes);
  scan_ok_ = lane_count_ > 0;
  for (size_t k = 0; k < lane_count_; ++k) {
    lanes_[k] = {index_->database(*last_route_, k), last_route_->lanes[k].database, last_route_->lanes[k].base};
    scan_ok_ = scan_ok_ && lanes_[k].db != nullptr;
  }
  return *last_route_;
}

void Matcher::wake_and_confirm(const RuleIndex::Route& route, const int64_t* event_id,
                               std::vector<uint32_t>* hits) {
  if (++stamp_ == 0) {
    std::fill(group_stamp_.begin(), group_stamp_.end(), 0);
    stamp_ = 1;
  }
  woken_.clear();
  auto wake = [&](uint32_t group) {
    if (group_stamp_[group] != stamp_) {
      group_stamp_[group] = stamp_;
      woken_.push_back(group);
    }
  };
  for (uint32_t pos : scan_.seen_positions()) {
    for (uint32_t w = route.wake_first[pos]; w < route.wake_first[pos + 1]; ++w) wake(route.wake[w]);
  }
  for (uint32_t cls : scan_.unsafe_classes()) {
    auto it = std::lower_bound(route.class_wakes.begin(), route.class_wakes.end(),
                               std::pair<uint32_t, uint32_t>(cls, 0));
    for (; it != route.class_wakes.end() && it->first == cls; ++it) wake(it->second);
  }
  stats_.woken += woken_.size();
  const Requirements& req = index_->requirements();
  auto seen = [&](uint32_t lit) { return scan_.seen(lit); };
  auto unsafe = [&](uint32_t cls) { return scan_.unsafe(cls); };
  for (uint32_t g : woken_) {
    const RuleIndex::Group& group = route.groups[g];
    if (!group.woken_holds && !req.holds(group.rule, seen, unsafe, event_id)) continue;
    ++stats_.confirmed;
    for (uint32_t k = 0; k < group.count; ++k) run(route.triggered[group.first + k], hits);
  }
}

void Matcher::match(const Event& event, std::vector<uint32_t>* hits) {
  hits->clear();
  scanned_ = false;
  ++stats_.events;
  if (rules_.rules().empty()) return;
  ctx_.event = &event;
  ++ctx_.epoch;  // forget the previous event's field lookups
  hints_ready_ = false;
  int64_t eid = 0;
  Value eid_value, channel_value;
  FieldResolver::resolve_routing(event, &eid_value, &channel_value);
  const int64_t* event_id = eid_value.as_int(&eid) ? &eid : nullptr;
  prime(eventid_field_, eid_value);
  const RuleIndex::Route& route = route_of(channel_value, event_id);

  const Layout layout = FieldResolver::layout(event);
  const bool scanned = scan_ok_ && scan_.scan(event, layout, std::span<const LiteralScan::Lane>(lanes_, lane_count_),
                                               &route.scan_keys[static_cast<int>(layout)], route.scan_all,
                                               route.unread);
  stats_.scans += scanned;
  scanned_ = scanned;
  // What the scan saw lets value tests skip on their literal's absence.
  if (scanned) {
    ctx_.literal_stamps = scan_.stamps();
    ctx_.field_stamps = scan_.field_stamps();
    ctx_.literal_stamp = scan_.stamp();
    ctx_.scan_spans = scan_.spans();
    ctx_.scan_span_count = std::min(scan_.span_count(), event.node_count());
    ctx_.scan_text = scan_.text();
    ctx_.scan_stamp = scan_.stamp();
  }
  for (const auto& e : route.always) run(e, hits);
  stats_.always += route.always.size();
  if (scanned) {
    wake_and_confirm(route, event_id, hits);
  } else {
    for (const auto& e : route.triggered) run(e, hits);  // no prefilter verdict: try them all
  }
  ctx_.literal_stamps = nullptr;
  ctx_.scan_spans = nullptr;
  ctx_.scan_span_count = 0;
  std::sort(hits->begin(), hits->end());
  hits->erase(std::unique(hits->begin(), hits->end()), hits->end());
  stats_.hits += hits->size();
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
