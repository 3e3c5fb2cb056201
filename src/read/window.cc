#include "read/window.h"

#include <cstring>

namespace vigil {

Window::Window(ByteSource& source, size_t block_size)
    : source_(source), block_size_(block_size < 4096 ? 4096 : block_size) {
  cap_ = 2 * block_size_;
  buf_.reset(new char[cap_ + kPadding]);
  std::memset(buf_.get(), 0, cap_ + kPadding);
}

size_t Window::fill() {
  if (at_end_) return 0;
  size_t kept = size();
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, kept);
    begin_ = 0;
    end_ = kept;
  }
  if (cap_ - end_ < block_size_) {
    // A record longer than the free room: grow so one more block fits behind it. Readers bound
    // this by their record size limit, so memory stays proportional to the largest record.
    size_t new_cap = cap_;
    while (new_cap - end_ < block_size_) new_cap *= 2;
    std::unique_ptr<char[]> bigger(new char[new_cap + kPadding]);
    std::memcpy(bigger.get(), buf_.get(), end_);
    std::memset(bigger.get() + end_, 0, new_cap + kPadding - end_);
    buf_ = std::move(bigger);
    cap_ = new_cap;
  }
  // Fill the whole free room when the source gives it readily; stop at the first short read
  // that already brought a block, so pipes are not waited on needlessly, and after any read of
  // a live source, whose next bytes may be minutes away.
  size_t added = 0;
  while (end_ < cap_) {
    Result<size_t> n = source_.read(buf_.get() + end_, cap_ - end_);
    if (!n.ok()) {
      fault_ = n.status();
      at_end_ = true;
      break;
    }
    if (*n == 0) {
      at_end_ = true;
      break;
    }
    end_ += *n;
    added += *n;
    if (added >= block_size_ || source_.live()) break;
  }
  return added;
}

}  // namespace vigil
