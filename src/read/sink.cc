#include "read/sink.h"

namespace vigil {

std::string ReadIssue::describe() const {
  // Appended piece by piece: `"literal" + std::string` trips GCC 12's -Wrestrict (a false
  // positive, GCC bug 105329).
  std::string out = source;
  if (line > 0) {
    out += ':';
    out += std::to_string(line);
  } else {
    out += " @";
    out += std::to_string(offset);
    if (chunk >= 0) {
      out += " (chunk ";
      out += std::to_string(chunk);
      out += ')';
    }
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace vigil
