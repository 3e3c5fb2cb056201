// Interner: maps strings (signature names, hosts, IPs, users) to dense uint32 ids so the engine
// keys its tables by integers. Owns copies of the strings in an arena; id 0 is the empty string.
// Views returned by str() live as long as the Interner. Not thread-safe: one per engine.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/arena.h"

namespace vigil::triage {

class Interner {
 public:
  Interner();
  Interner(const Interner&) = delete;
  Interner& operator=(const Interner&) = delete;

  // The id of `s`, adding it when new. The empty string is always id 0.
  uint32_t intern(std::string_view s);
  // The id of `s` if present, else UINT32_MAX; never adds.
  uint32_t find(std::string_view s) const;
  std::string_view str(uint32_t id) const { return strings_[id]; }
  size_t size() const { return strings_.size(); }

 private:
  void grow();

  Arena arena_{64 * 1024};
  std::vector<std::string_view> strings_;
  std::vector<uint64_t> hashes_;   // per id
  std::vector<uint32_t> slots_;    // open addressing; UINT32_MAX = empty
};

// Hash of a string as the Interner computes it (XXH3).
uint64_t hash_string(std::string_view s);

}  // namespace vigil::triage
