// Test helpers: build Events from JSON text (concatenated or JSON-lines objects, evtx_dump or
// flat layout, via simdjson DOM) and from YAML nodes (declarative cases). Test-only code.
// Events own their strings (copied into each Event's arena). Not thread-safe; one caller.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"

namespace YAML {
class Node;
}

namespace vigil::sigma::testing {

// Parses every top-level JSON object in `text`; false with `error` on malformed input.
bool events_from_json(std::string_view text, std::vector<std::unique_ptr<Event>>* out, std::string* error);
// One event from a YAML map (plain scalars typed like YAML: 4688 is a number, 'x' a string).
void event_from_yaml(const YAML::Node& map, Event* out);
std::string read_text(const std::string& path);

}  // namespace vigil::sigma::testing
