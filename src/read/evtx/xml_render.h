// XML rendering of a decoded EVTX record, the way Windows shows an event as XML (GUIDs in braces,
// two-space indentation, text-only elements on one line). For `vigil dump --format xml` and for
// reading a record by eye. Pure function of the tree; appends to the caller's string; thread-safe.
#pragma once

#include <string>

#include "read/evtx/record_tree.h"

namespace vigil::evtx {

void render_xml(const RecordTree& tree, std::string& out);

}  // namespace vigil::evtx
