// Render plans: recording one (see render_plan.cc for the idea).
//
// While EventRenderer renders a record the slow way it calls the PlanRecorder methods below; each
// appends a step whose key (and literal text) is copied into the planner's arena, so the plan
// owes nothing to the chunk it was made in. Value parts of the tree are matched to the record's
// values by address (values_ is in chunk byte order, nested instances and array items included).
// finish() then stores the shape, the per-value use counts (to recompute the text budget), how
// to read the record identifier, and the Event nodes the steps build, and files the plan under
// its shape's hash. A recording that meets something a plan cannot hold (fail(), a value part
// not among the record's values) leaves a plan marked unusable, so that shape is not tried again.
#include <algorithm>
#include <cstring>

#include "read/evtx/event_render.h"
#include "read/evtx/format.h"
#include "read/evtx/render_plan.h"
#include "read/evtx/utf16.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {

uint16_t RenderPlanner::hole_of(const Part& part) const {
  // values_ is in address order; an array and its first item share an address (and differ in
  // type); empty values are not in values_.
  auto it = std::lower_bound(values_.begin(), values_.end(), part.data,
                             [](const Value& v, const uint8_t* p) { return v.data < p; });
  for (; it != values_.end() && it->data == part.data; ++it) {
    if (it->len == part.len && it->type == part.vtype) {
      return static_cast<uint16_t>(it - values_.begin());
    }
  }
  return kNoHole;
}

PlanRecorder* RenderPlanner::recorder() {
  if (!parsed_) return nullptr;  // not a plain instance, or values no plan can hold
  const Plan* plan = find();
  if (plan != nullptr) return nullptr;  // a plan exists and said no (or the text limit hit)
  recording_ = true;
  open_ = true;
  Plan p;
  p.def_off = def_off_;
  p.shape_count = static_cast<uint32_t>(shape_.size());
  p.hash = hash_;
  p.step_begin = p.step_end = static_cast<uint32_t>(steps_.size());
  plans_.push_back(p);
  return this;
}

void RenderPlanner::finish(const RecordTree& tree, size_t text_bytes) {
  if (!open_) return;  // recorder() opened no plan for this record
  open_ = false;
  Plan& p = plans_.back();
  bool ok = recording_;
  recording_ = false;
  parsed_ = false;
  p.step_end = static_cast<uint32_t>(steps_.size());
  p.shape_begin = static_cast<uint32_t>(shapes_.size());
  shapes_.insert(shapes_.end(), shape_.begin(), shape_.end());
  p.uses_begin = static_cast<uint32_t>(uses_.size());
  uses_.resize(uses_.size() + values_.size(), 0);
  // Substitution uses, to recompute the text the slow path would charge for other values.
  uint64_t value_text = 0;
  for (size_t i = 1; i < tree.parts.size() && ok; ++i) {
    const Part& part = tree.parts[i];
    if (part.kind != PartKind::kValue) continue;
    uint16_t hole = hole_of(part);
    if (hole == kNoHole) {
      ok = false;
      break;
    }
    ++uses_[p.uses_begin + hole];
    value_text += part.len;
  }
  p.fixed_text = text_bytes >= value_text ? text_bytes - value_text : 0;
  // The record identifier: event_record_id's part, read the same way.
  uint32_t id_part = event_record_id_part(tree);
  if (ok && id_part) {
    const Part& part = tree.part(id_part);
    int64_t s64;
    uint64_t u64;
    if (part.kind == PartKind::kValue && value_is_integer(part.vtype) &&
        read_integer(part.vtype, part.data, part.len, &s64, &u64)) {
      p.id_kind = IdKind::kNumber;
      p.id_hole = hole_of(part);
      ok = p.id_hole != kNoHole;
      p.id_vtype = part.vtype;
    } else {
      p.id_kind = IdKind::kText;
      recording_ = true;  // add_items() clears it when a value is not the record's
      p.id_first = add_items(tree, id_part);
      p.id_count = static_cast<uint32_t>(items_.size()) - p.id_first;
      ok = recording_;
      recording_ = false;
    }
  }
  p.usable = ok;
  if (!ok) steps_.resize(p.step_begin);
  p.step_end = static_cast<uint32_t>(steps_.size());
  if (ok) build_nodes(p);
  size_t slot = hash_ & (kHashSlots - 1);
  if (slot_gen_[slot] != generation_) {
    slot_gen_[slot] = generation_;
    heads_[slot] = 0;
  }
  p.next = heads_[slot];
  heads_[slot] = static_cast<uint32_t>(plans_.size());
  if (ok) ++stats_.planned;
}

// Runs the steps once against a scratch Event to get the nodes every replay starts from (keys,
// kinds, links, counts, literal strings); replay then only fills in the values.
void RenderPlanner::build_nodes(Plan& plan) {
  sim_.clear();
  for (uint32_t s = plan.step_begin; s < plan.step_end; ++s) {
    Step& step = steps_[s];
    step.node = static_cast<uint32_t>(sim_.node_count());
    switch (step.kind) {
      case StepKind::kBeginObject:
        sim_.begin_object(step.key);
        break;
      case StepKind::kBeginArray:
        sim_.begin_array(step.key);
        break;
      case StepKind::kEnd:
        step.node = 0;
        sim_.end_container();
        break;
      case StepKind::kNull:
        sim_.add_null(step.key);
        break;
      case StepKind::kLiteral:
        sim_.add_string(step.key, step.text);
        break;
      case StepKind::kInt:
        sim_.add_int(step.key, 0);
        break;
      case StepKind::kUInt:
        sim_.add_uint(step.key, 0);
        break;
      case StepKind::kBool:
        sim_.add_bool(step.key, false);
        break;
      case StepKind::kUtf16:
      case StepKind::kText:
        sim_.add_string(step.key, {});
        break;
    }
  }
  plan.fill_begin = static_cast<uint32_t>(fills_.size());
  for (uint32_t s = plan.step_begin; s < plan.step_end; ++s) {
    const Step& step = steps_[s];
    Fill fill;
    fill.node = step.node;
    fill.step = s;
    fill.hole = step.hole;
    fill.kind = step.kind;
    switch (step.kind) {
      case StepKind::kBeginObject:
      case StepKind::kBeginArray:
      case StepKind::kEnd:
      case StepKind::kNull:
      case StepKind::kLiteral:
        continue;  // all in the nodes already
      case StepKind::kText:
        fill.single = step.count == 1 && items_[step.first].hole != kLiteralItem;
        if (fill.single) fill.hole = items_[step.first].hole;
        break;
      default:
        break;
    }
    fills_.push_back(fill);
  }
  plan.fill_end = static_cast<uint32_t>(fills_.size());
  plan.node_begin = static_cast<uint32_t>(nodes_.size());
  plan.node_count = static_cast<uint32_t>(sim_.node_count());
  plan.last_top = 0;
  for (uint32_t i = 0; i < plan.node_count; ++i) nodes_.push_back(sim_.node(i));
  if (plan.node_count > 1) {
    for (uint32_t i = 1; i; i = sim_.node(i).next) plan.last_top = i;
  }
}

void RenderPlanner::add_step(StepKind kind, std::string_view key) {
  if (!recording_) return;
  Step s;
  s.kind = kind;
  s.key = arena_.copy(key);
  steps_.push_back(s);
}

void RenderPlanner::begin_object(std::string_view key) { add_step(StepKind::kBeginObject, key); }
void RenderPlanner::begin_array(std::string_view key) { add_step(StepKind::kBeginArray, key); }
void RenderPlanner::end() { add_step(StepKind::kEnd, {}); }
void RenderPlanner::null(std::string_view key) { add_step(StepKind::kNull, key); }

void RenderPlanner::literal(std::string_view key, std::string_view text) {
  add_step(StepKind::kLiteral, key);
  if (recording_) steps_.back().text = arena_.copy(text);
}

void RenderPlanner::number(std::string_view key, const Part& value) {
  StepKind kind = value.vtype == kValBool       ? StepKind::kBool
                  : value_is_signed(value.vtype) ? StepKind::kInt
                                                 : StepKind::kUInt;
  add_step(kind, key);
  set_hole(value);
}

void RenderPlanner::utf16(std::string_view key, const Part& value) {
  add_step(StepKind::kUtf16, key);
  set_hole(value);
}

void RenderPlanner::text(std::string_view key, const RecordTree& tree, uint32_t first) {
  if (!recording_) return;
  uint32_t begin = add_items(tree, first);
  if (!recording_) return;  // a value not found among the record's values
  uint32_t count = static_cast<uint32_t>(items_.size()) - begin;
  // Literal-only text is rendered once, here.
  bool literal_only = true;
  for (uint32_t k = begin; k < begin + count; ++k) literal_only &= items_[k].hole == kLiteralItem;
  if (literal_only) {
    std::string_view s = arena_.copy(render_items(begin, count));
    items_.resize(begin);
    literal(key, s);
    return;
  }
  add_step(StepKind::kText, key);
  steps_.back().first = begin;
  steps_.back().count = count;
}

void RenderPlanner::fail() { recording_ = false; }

void RenderPlanner::set_hole(const Part& value) {
  if (!recording_) return;
  uint16_t hole = hole_of(value);
  if (hole == kNoHole) {
    recording_ = false;
    return;
  }
  steps_.back().hole = hole;
}

// The items of a part list as EventRenderer::append_text reads it: literal text, references
// resolved at plan time, values as holes.
uint32_t RenderPlanner::add_items(const RecordTree& tree, uint32_t first) {
  uint32_t begin = static_cast<uint32_t>(items_.size());
  for (uint32_t i = first; i; i = tree.part(i).next) {
    const Part& part = tree.part(i);
    Item item;
    if (part.kind == PartKind::kValue) {
      item.hole = hole_of(part);
      if (item.hole == kNoHole) {
        recording_ = false;
        item.hole = 0;
      }
      item.vtype = part.vtype;
      items_.push_back(item);
      continue;
    }
    scratch_.clear();
    item.hole = kLiteralItem;
    switch (part.kind) {
      case PartKind::kText:
      case PartKind::kCData:
      case PartKind::kCharRef:
      case PartKind::kEntity:
        EventRenderer::append_part_text(tree, i, scratch_);
        item.text = arena_.copy(scratch_);
        items_.push_back(item);
        break;
      default:
        break;
    }
  }
  return begin;
}

}  // namespace vigil::evtx
