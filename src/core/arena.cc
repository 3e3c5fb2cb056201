#include "core/arena.h"

#include <algorithm>

namespace vigil {

char* Arena::allocate_fallback(size_t n) {
  // Large requests get a block of their own so a big string does not waste the tail of a block.
  size_t size = std::max(n, block_size_);
  blocks_.push_back({std::unique_ptr<char[]>(new char[size]), size});
  reserved_ += size;
  if (n >= block_size_) {
    // Keep bumping in the previous current block if it had room left.
    return blocks_.back().data.get();
  }
  ptr_ = blocks_.back().data.get() + n;
  remaining_ = size - n;
  return blocks_.back().data.get();
}

void Arena::reset() {
  if (blocks_.empty()) return;
  auto biggest = std::max_element(blocks_.begin(), blocks_.end(),
                                  [](const Block& a, const Block& b) { return a.size < b.size; });
  Block keep = std::move(*biggest);
  blocks_.clear();
  ptr_ = keep.data.get();
  remaining_ = keep.size;
  reserved_ = keep.size;
  blocks_.push_back(std::move(keep));
}

}  // namespace vigil
