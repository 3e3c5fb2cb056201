#include "read/sink.h"

namespace vigil {

std::string ReadIssue::describe() const {
  std::string out = source;
  if (line > 0) {
    out += ":" + std::to_string(line);
  } else {
    out += " @" + std::to_string(offset);
    if (chunk >= 0) out += " (chunk " + std::to_string(chunk) + ")";
  }
  out += ": " + message;
  return out;
}

}  // namespace vigil
