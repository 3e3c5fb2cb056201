// JSON to Event for the service's edges: one JSON object (an HTTP body record, a syslog payload,
// a stored alert) parsed with simdjson's DOM parser and laid out as a vigil::Event.
// The Event borrows the parser's strings: it is valid until that parser parses again. One
// JsonEventParser per thread.
#pragma once

#include <simdjson.h>

#include <string_view>

#include "core/event.h"
#include "core/status.h"

namespace vigil::serve {

class JsonEventParser {
 public:
  // Nesting deeper than this is refused (Event building is recursive).
  static constexpr int kMaxDepth = 64;

  // Parses `json` (must be one object) into `event`, which is cleared first. `json` need not
  // be padded: `capacity` is how many readable bytes follow json.data() (>= json.size()); when
  // fewer than SIMDJSON_PADDING spare bytes exist, the text is copied to a padded buffer.
  Status parse(std::string_view json, size_t capacity, Event& event);
  Status parse(std::string_view json, Event& event) { return parse(json, json.size(), event); }

  // Lays out an already-parsed object (an element of a parsed array).
  static Status to_event(simdjson::dom::element object, Event& event);

 private:
  simdjson::dom::parser parser_;
  simdjson::padded_string scratch_;
};

}  // namespace vigil::serve
