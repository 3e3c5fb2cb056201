#include <cstdio>
#include <cstdlib>

#include "fuzz_sinks.h"

namespace vigil::fuzz {

void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace vigil::fuzz
