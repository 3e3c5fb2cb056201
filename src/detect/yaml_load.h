// load_yaml_documents: every document of a YAML stream as YAML::Node trees, in one parse.
// The returned nodes own their memory (yaml-cpp's shared node memory); nothing refers to `text`.
// Stateless and thread-safe: concurrent calls on different texts share nothing.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigil::sigma {

// The documents YAML::LoadAll would return for `text` (same types, tags, styles, anchors shared
// as aliases, duplicate keys kept), or an error whose message is the refusal reason:
// "YAML: <yaml-cpp's message>" for a syntax error (Code::kCorrupt), or the stuck-stream
// message (Code::kUnsupported) where yaml-cpp 0.7's LoadAll would loop forever.
Result<std::vector<YAML::Node>> load_yaml_documents(std::string_view text);

}  // namespace vigil::sigma
