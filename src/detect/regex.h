// Sigma `re` values on RE2: translation of the PCRE spellings RE2 can run with the same verdicts,
// and refusal (with the reason) of the constructs it cannot run in linear time.
// Pure functions; the compiled RE2 objects are immutable and safe to share across threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace vigil::sigma {

struct RegexFlags {
  bool ignore_case = false;  // |re|i
  bool multi_line = false;   // |re|m
  bool dot_all = false;      // |re|s
};

// Compiles a Sigma regex. On failure returns null and sets `reason` (e.g. "backreference \1
// (RE2 runs in linear time and has no backreferences)").
std::shared_ptr<const re2::RE2> compile_regex(std::string_view pcre, RegexFlags flags,
                                              std::string* reason);

}  // namespace vigil::sigma
