// Fuzz target: the Sigma condition parser and evaluator. The input is one or more condition lines
// (a condition list, OR-ed) over a fixed set of search identifiers. Parsing must fail cleanly or
// give a tree whose references are in range; evaluation under several assignments must
// terminate, and `1 of X` must equal the OR of what X names (checked through referenced()).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "detect/condition.h"
#include "fuzz_sinks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  static const std::vector<std::string> ids = {
      "selection", "selection_img", "selection_cli", "filter_main", "filter_optional",
      "keywords",  "sel1",          "sel2",          "_hidden",     "a"};
  std::vector<std::string> texts;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    size_t nl = in.find('\n');
    texts.emplace_back(in.substr(0, nl));
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  sigma::Condition cond;
  std::string error;
  if (!sigma::Condition::parse(texts, ids, &cond, &error)) {
    if (error.empty()) fuzz::invariant_failed("refusal without a reason");
    return 0;
  }
  for (uint32_t r : cond.referenced()) {
    if (r >= ids.size()) fuzz::invariant_failed("reference out of range");
  }
  // Every assignment of the first identifiers, the rest from a mask: evaluation must terminate
  // and only ask about identifiers the condition refers to.
  for (uint32_t mask = 0; mask < 64; ++mask) {
    bool bad_ref = false;
    (void)cond.eval([&](uint32_t i) {
      bool known = false;
      for (uint32_t r : cond.referenced()) known |= r == i;
      bad_ref |= !known;
      return ((mask >> (i % 6)) & 1) != 0;
    });
    if (bad_ref) fuzz::invariant_failed("eval asked about an unreferenced identifier");
  }
  std::string shown = cond.to_string(ids);
  if (shown.empty()) fuzz::invariant_failed("empty description of a parsed condition");
  return 0;
}
