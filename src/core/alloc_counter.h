// AllocCounter: for tests that assert a steady state allocates nothing. Linking the object library
// vigil_alloc_counter replaces the global operator new and delete of the whole binary (every
// form, all through malloc/free) and counts each allocation. Thread-safe (a relaxed atomic).
#pragma once

#include <cstdint>

namespace vigil {

// Allocations made through any operator new since the program started.
uint64_t allocation_count();

}  // namespace vigil
