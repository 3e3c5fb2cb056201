// RenderPlanner: cache of render plans, so a record whose template and value shape were seen
// before is turned into its Event without building a RecordTree (render_plan.cc). Owns its plans
// and their keys (kept across chunks, dropped at a begin_chunk() past a budget); one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "core/event.h"
#include "read/evtx/binxml_decoder.h"
#include "read/evtx/record_tree.h"
#include "read/evtx/template_registry.h"
#include "read/evtx/value_text.h"

namespace vigil::evtx {

// What EventRenderer tells a planner while it renders a record the slow way; the planner turns
// the calls into a plan. Parts are the tree's; a value part is matched to the record's values
// by its address in the chunk.
class PlanRecorder {
 public:
  virtual ~PlanRecorder() = default;
  virtual void begin_object(std::string_view key) = 0;
  virtual void begin_array(std::string_view key) = 0;
  virtual void end() = 0;
  virtual void null(std::string_view key) = 0;
  // A string that lives until the chunk's end (literal template text, or empty).
  virtual void literal(std::string_view key, std::string_view text) = 0;
  // One integer or boolean value, as a number.
  virtual void number(std::string_view key, const Part& value) = 0;
  // One UTF-16 string value.
  virtual void utf16(std::string_view key, const Part& value) = 0;
  // The text of a part list (EventRenderer::append_text) as one string.
  virtual void text(std::string_view key, const RecordTree& tree, uint32_t first) = 0;
  // Something the plan cannot express (a key made of a value): no plan for this shape.
  virtual void fail() = 0;
};

class RenderPlanner final : public PlanRecorder {
 public:
  RenderPlanner();

  // Starts a chunk whose templates `decoder` compiles (its begin_chunk() called first). Plans
  // stay, unless they have grown past their budget: then all are dropped (Events of the
  // previous chunk must be delivered by then, as they are: their keys are the plans').
  void begin_chunk(BinXmlDecoder& decoder, const uint8_t* chunk, size_t size);

  // Renders the record BinXML [begin, end) into `ev` (freshly cleared) from a plan, and sets
  // `*record_id` as event_record_id() would. False when no plan applies (new shape, a value that
  // plans cannot hold, anything unusual): then `ev` is untouched beyond clear() state and the
  // caller decodes the record the slow way, calling recorder() and finish() around rendering.
  bool replay(const uint8_t* begin, const uint8_t* end, Event& ev, uint64_t* record_id);

  // After a failed replay() of the same record, when it decoded without error: the recorder to
  // pass to EventRenderer::render, or nullptr when this record's shape cannot have a plan.
  PlanRecorder* recorder();
  // Stores the plan recorded during rendering of `tree`; `text_bytes` is what the decoder
  // charged against kMaxRecordTextBytes for the record.
  void finish(const RecordTree& tree, size_t text_bytes);

  struct Stats {
    uint64_t replayed = 0;  // records rendered from a plan
    uint64_t planned = 0;   // plans made
    uint64_t fallback = 0;  // records that took the slow path
  };
  const Stats& stats() const { return stats_; }
  size_t plans() const { return plans_.size(); }

  // PlanRecorder
  void begin_object(std::string_view key) override;
  void begin_array(std::string_view key) override;
  void end() override;
  void null(std::string_view key) override;
  void literal(std::string_view key, std::string_view text) override;
  void number(std::string_view key, const Part& value) override;
  void utf16(std::string_view key, const Part& value) override;
  void text(std::string_view key, const RecordTree& tree, uint32_t first) override;
  void fail() override;

 private:
  static constexpr uint16_t kLiteralItem = UINT16_MAX;  // Item::hole of literal text
  static constexpr uint16_t kNoHole = UINT16_MAX;       // hole_of(): not a record value
  static constexpr size_t kHashSlots = 4096;            // plan hash table

  enum class StepKind : uint8_t {
    kBeginObject, kBeginArray, kEnd, kNull, kLiteral, kInt, kUInt, kBool, kUtf16, kText
  };
  struct Step {
    std::string_view key;
    std::string_view text;          // kLiteral; kText/kUtf16: the memo's text
    uint32_t first = 0, count = 0;  // kText: items
    const uint8_t* memo = nullptr;  // kText of one value, kUtf16: the first value replayed
    uint32_t memo_len = 0;
    uint32_t node = 0;              // the Event node the step makes (see nodes_)
    uint16_t hole = 0;              // kInt/kUInt/kBool/kUtf16: substitution index
    StepKind kind = StepKind::kNull;
  };
  // A piece of text: literal (hole = kLiteralItem) or a substitution value of type `vtype`.
  struct Item {
    std::string_view text;
    uint16_t hole = 0;
    uint8_t vtype = 0;
  };
  enum class IdKind : uint8_t { kNone, kNumber, kText };
  struct Plan {
    uint32_t def_off = 0;       // the top template's registry number
    uint32_t shape_count = 0;
    uint32_t shape_begin = 0;   // shape_count shape words in shapes_
    uint32_t uses_begin = 0;    // one use count per value (values_) in uses_
    uint32_t step_begin = 0, step_end = 0;
    uint32_t node_begin = 0, node_count = 0;  // the Event's nodes, payloads left empty
    uint32_t last_top = 0;                    // the root's last child among them
    uint32_t fill_begin = 0, fill_end = 0;    // in fills_: the steps that place a value
    uint32_t next = 0;          // next plan of the same hash slot, index + 1 (0 = none)
    uint64_t hash = 0;
    uint64_t fixed_text = 0;    // text bytes charged for names and literals
    bool usable = false;        // false: this shape always takes the slow path
    IdKind id_kind = IdKind::kNone;
    uint8_t id_vtype = 0;
    uint16_t id_hole = 0;
    uint32_t id_first = 0, id_count = 0;  // kText: items
  };
  struct Value {
    const uint8_t* data;
    uint32_t len;  // value_length(): strings cut at NUL and trimmed
    uint8_t type;
  };

  // Parses the record's instance into def_off_/values_/shape_/hash_; false when the record is
  // not one plain template instance whose values all fit a plan.
  bool parse(const uint8_t* begin, const uint8_t* end);
  bool parse_fragment(const uint8_t* begin, const uint8_t* end, int depth);
  // The registry number of the template at chunk offset `def_off`; false when it does not compile.
  bool template_id(uint32_t def_off, uint32_t* id);
  void drop_plans();
  void build_nodes(Plan& plan);
  // The index in values_ of a tree's value part (by address), or UINT16_MAX.
  uint16_t hole_of(const Part& part) const;
  void set_hole(const Part& value);
  const Plan* find() const;
  void add_step(StepKind kind, std::string_view key);
  uint32_t add_items(const RecordTree& tree, uint32_t first);
  std::string_view render_items(uint32_t first, uint32_t count);
  // A value step's text: the memo when the value's bytes are the memo's, else formatted into
  // `ev` (and kept as the memo when the step has none yet).
  std::string_view memo_text(Step& step, const Value& v, Event& ev);

  const uint8_t* chunk_ = nullptr;
  size_t chunk_size_ = 0;
  Arena arena_;  // keys and literal text of this chunk's plans
  std::vector<Plan> plans_;
  std::vector<Step> steps_;
  std::vector<Item> items_;
  std::vector<uint32_t> shapes_;
  std::vector<uint32_t> uses_;
  std::vector<Node> nodes_;  // per plan, the nodes its steps build (payloads empty)
  // A value step as replay reads it: the node to fill, the value, how (steps_[step] for text).
  struct Fill {
    uint32_t node = 0;
    uint32_t step = 0;
    uint16_t hole = 0;      // the value (kText: when `single`)
    StepKind kind = StepKind::kNull;
    bool single = false;    // kText of exactly one value: memo_text() applies
  };
  std::vector<Fill> fills_;  // per plan, its value steps
  Event sim_;                // builds them once per plan
  std::vector<uint32_t> heads_;  // hash slot -> plan index + 1, valid when slot_gen_ matches
  std::vector<uint32_t> slot_gen_;
  uint32_t generation_ = 0;
  TemplateRegistry registry_;
  BinXmlDecoder* decoder_ = nullptr;
  // This chunk's template offsets -> registry numbers (open addressing, valid by generation).
  struct DefSlot {
    uint32_t generation = 0;
    uint32_t def_off = 0;
    uint32_t id = 0;
  };
  std::vector<DefSlot> def_slots_;
  uint32_t chunk_generation_ = 0;

  // The record being replayed or recorded.
  uint32_t def_off_ = 0;
  uint64_t hash_ = 0;
  bool parsed_ = false;     // parse() succeeded for it
  bool recording_ = false;  // steps are being recorded (no fail() yet)
  bool open_ = false;       // plans_.back() was opened by recorder() and awaits finish()
  std::vector<Value> values_;
  std::vector<uint32_t> shape_;
  std::vector<ValueItem> array_items_;
  std::string scratch_;
  Stats stats_;
};

}  // namespace vigil::evtx
