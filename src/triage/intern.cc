// Interner: one open-addressing table of ids with the strings' XXH3 hashes kept beside them,
// so a lookup compares hashes before bytes and growth never rehashes a string. Strings live in
// an arena (never moved), which is what lets the engine hold plain string_views to them.
#include "triage/intern.h"

#include <xxhash.h>

namespace vigil::triage {

namespace {
constexpr uint32_t kEmpty = UINT32_MAX;
}

uint64_t hash_string(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

Interner::Interner() {
  strings_.push_back({});
  hashes_.push_back(hash_string({}));
  slots_.assign(1024, kEmpty);
  slots_[hashes_[0] & (slots_.size() - 1)] = 0;
}

uint32_t Interner::find(std::string_view s) const {
  uint64_t h = hash_string(s);
  size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t id = slots_[i];
    if (id == kEmpty) return kEmpty;
    if (hashes_[id] == h && strings_[id] == s) return id;
  }
}

uint32_t Interner::intern(std::string_view s) {
  uint64_t h = hash_string(s);
  size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t id = slots_[i];
    if (id == kEmpty) break;
    if (hashes_[id] == h && strings_[id] == s) return id;
  }
  auto id = static_cast<uint32_t>(strings_.size());
  strings_.push_back(arena_.copy(s));
  hashes_.push_back(h);
  slots_[i] = id;
  if (strings_.size() * 2 > slots_.size()) grow();
  return id;
}

void Interner::grow() {
  std::vector<uint32_t> next(slots_.size() * 2, kEmpty);
  size_t mask = next.size() - 1;
  for (uint32_t id = 0; id < strings_.size(); ++id) {
    size_t i = hashes_[id] & mask;
    while (next[i] != kEmpty) i = (i + 1) & mask;
    next[i] = id;
  }
  slots_.swap(next);
}

}  // namespace vigil::triage
