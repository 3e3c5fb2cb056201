// TemplateRegistry: gives each distinct compiled template (by content: its Ops, names and text)
// a small number that stays the same from chunk to chunk and file to file, so render plans made
// in one chunk serve the next. Owns copies of the Ops it has seen; one registry per thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/arena.h"
#include "read/evtx/template_compiler.h"

namespace vigil::evtx {

class TemplateRegistry {
 public:
  TemplateRegistry();

  // The number of the template whose Ops are [begin, end): an earlier number when the same
  // Ops were registered before (equal kinds, indices, types, names and text), else a new one.
  uint32_t id_of(const Op* begin, const Op* end);

  // Forgets every template (numbers restart from 0).
  void clear();
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return arena_.bytes_reserved() + ops_.size() * sizeof(Op); }

 private:
  struct Entry {
    uint64_t hash = 0;
    uint32_t begin = 0, end = 0;  // in ops_
    uint32_t next = 0;            // next entry of the same slot, index + 1 (0 = none)
  };
  bool same(const Entry& e, const Op* begin, const Op* end) const;

  std::vector<Entry> entries_;
  std::vector<Op> ops_;          // registered Ops, texts in arena_
  std::vector<uint32_t> heads_;  // hash slot -> entry index + 1
  Arena arena_;
};

}  // namespace vigil::evtx
