// Template numbering by content.
//
// A template is stored once per chunk and referred to by its chunk offset, and its names are
// references to other chunk offsets, so neither its offset nor its bytes say whether two chunks
// hold the same template. Its compiled Ops do: names and literal text are decoded strings there,
// substitutions are indices. Two templates with equal Ops instantiate to equal trees for equal
// values, which is all a render plan relies on. So each compiled template is hashed (its
// structure: kinds, indices, types, text sizes) and compared Op by Op, text included, with the
// registered ones of that hash;
// the cost is one pass over the Ops per template per chunk, next to compiling it.
#include "read/evtx/template_registry.h"

#include <algorithm>

namespace vigil::evtx {
namespace {

constexpr size_t kSlots = 4096;

uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

// Structure only (kinds, indices, types, text sizes): cheap, and templates that differ mostly
// differ there; same() compares the text.
uint64_t hash_ops(const Op* begin, const Op* end) {
  uint64_t h = static_cast<uint64_t>(end - begin);
  for (const Op* op = begin; op != end; ++op) {
    h = mix(h, static_cast<uint64_t>(op->kind) | uint64_t{op->vtype} << 8 |
                   uint64_t{op->index} << 16 | uint64_t{op->optional} << 32 |
                   uint64_t{op->text.size()} << 40);
  }
  return h;
}

}  // namespace

TemplateRegistry::TemplateRegistry() : heads_(kSlots) {}

void TemplateRegistry::clear() {
  entries_.clear();
  ops_.clear();
  std::fill(heads_.begin(), heads_.end(), 0);
  arena_.reset();
}

bool TemplateRegistry::same(const Entry& e, const Op* begin, const Op* end) const {
  if (static_cast<size_t>(end - begin) != e.end - e.begin) return false;
  for (uint32_t i = e.begin; i < e.end; ++i, ++begin) {
    const Op& a = ops_[i];
    if (a.kind != begin->kind || a.index != begin->index || a.vtype != begin->vtype ||
        a.optional != begin->optional || a.text != begin->text) {
      return false;
    }
  }
  return true;
}

uint32_t TemplateRegistry::id_of(const Op* begin, const Op* end) {
  uint64_t h = hash_ops(begin, end);
  size_t slot = h & (kSlots - 1);
  for (uint32_t i = heads_[slot]; i; i = entries_[i - 1].next) {
    const Entry& e = entries_[i - 1];
    if (e.hash == h && same(e, begin, end)) return i - 1;
  }
  Entry e;
  e.hash = h;
  e.begin = static_cast<uint32_t>(ops_.size());
  for (const Op* op = begin; op != end; ++op) {
    Op copy = *op;
    copy.text = arena_.copy(op->text);
    ops_.push_back(copy);
  }
  e.end = static_cast<uint32_t>(ops_.size());
  e.next = heads_[slot];
  entries_.push_back(e);
  heads_[slot] = static_cast<uint32_t>(entries_.size());
  return static_cast<uint32_t>(entries_.size() - 1);
}

}  // namespace vigil::evtx
