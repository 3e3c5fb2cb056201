// EventRenderer: turns a decoded RecordTree into Vigil's Event in the evtx_dump JSON layout
// (`Event` -> `#attributes`, `System`, `EventData` with <Data Name="X"> as key X, ...), building
// the Event directly (no JSON text in between). Strings go to the Event's arena or stay views
// into the decoder's chunk arena. Holds scratch buffers: one renderer per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "read/evtx/record_tree.h"

namespace vigil::evtx {

// The record's System/EventRecordID value, or 0 when it has none (exported logs renumber the
// record headers, so this can differ from the header's record identifier).
uint64_t event_record_id(const RecordTree& tree);
// The part event_record_id reads (the first text or value part of System/EventRecordID), 0 = none.
uint32_t event_record_id_part(const RecordTree& tree);

class PlanRecorder;

class EventRenderer {
 public:
  // Appends the record under key "Event" (the element's name) to `ev`'s root; `ev` should be
  // freshly cleared. Views in `ev` stay valid until ev.clear() or the decoder's next chunk.
  // `recorder` (optional) is told every decision, to make a render plan (render_plan.h).
  void render(const RecordTree& tree, Event& ev, PlanRecorder* recorder = nullptr);

  // The text of a part list as XML text content (values formatted, references resolved).
  static void append_text(const RecordTree& tree, uint32_t first, std::string& out);
  // The text of part `i` alone (nothing for elements and processing instructions).
  static void append_part_text(const RecordTree& tree, uint32_t i, std::string& out);

 private:
  // Event builder calls, told to the recorder too.
  void open_object(std::string_view key);
  void open_array(std::string_view key);
  void close();
  void element_value(uint32_t elem, std::string_view key, bool data_container);
  void element_body(uint32_t elem, std::string_view key, bool data_container);
  void data_value(uint32_t elem, std::string_view key);
  void content(uint32_t first, std::string_view key);
  bool has_text(uint32_t first) const;
  std::string_view attr_text(uint32_t first);
  std::string_view data_name(uint32_t elem);

  const RecordTree* tree_ = nullptr;
  Event* ev_ = nullptr;
  PlanRecorder* rec_ = nullptr;
  std::string scratch_;
  void link_same_names(size_t begin, size_t end);

  std::vector<std::string_view> data_names_;  // Data names of the data containers being rendered
  std::vector<uint32_t> data_elems_;          // their elements, parallel to data_names_
  std::vector<uint32_t> data_next_;           // next Data of the same name (index), or none
  std::vector<uint8_t> data_first_;           // 1 = the first Data of its name
  std::vector<uint32_t> order_;               // scratch of link_same_names
};

}  // namespace vigil::evtx
