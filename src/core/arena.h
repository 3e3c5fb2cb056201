// Arena: bump allocator for bytes whose lifetime is a batch (one event, one rule set).
// Pointers stay valid until reset() or destruction; reset() keeps the largest block for reuse,
// so a steady stream of events allocates nothing. Not thread-safe: one arena per owner.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace vigil {

class Arena {
 public:
  explicit Arena(size_t block_size = 16 * 1024) : block_size_(block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;

  char* allocate(size_t n) {
    if (n <= remaining_) {
      char* p = ptr_;
      ptr_ += n;
      remaining_ -= n;
      return p;
    }
    return allocate_fallback(n);
  }

  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

  // Frees everything but the biggest block, which becomes the current one.
  void reset();
  size_t bytes_reserved() const { return reserved_; }

 private:
  char* allocate_fallback(size_t n);

  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  size_t block_size_;
  std::vector<Block> blocks_;
  char* ptr_ = nullptr;
  size_t remaining_ = 0;
  size_t reserved_ = 0;
};

}  // namespace vigil
