#include "read/source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil {

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

Compression compression_of(std::string_view head) {
  if (head.size() >= 2 && static_cast<uint8_t>(head[0]) == 0x1f &&
      static_cast<uint8_t>(head[1]) == 0x8b) {
    return Compression::kGzip;
  }
  if (head.size() >= 4 && head.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4)) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

namespace {

// A file read with plain read(2): sequential, kernel read-ahead does the rest. (mmap was not
// chosen: every consumer copies into its own padded window anyway, and read(2) works the same
// for pipes, FIFOs and /dev/stdin.)
// A pipe, FIFO, socket or terminal: its writer may pause (ByteSource::live).
bool is_live(const struct stat& st) {
  return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
}

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, bool live) : fd_(fd), live_(live) {}
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<size_t> read(char* dst, size_t capacity) override {
    if (live_ && hook_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) == 0) hook_();  // nothing ready: the read below will wait
    }
    while (true) {
      ssize_t n = ::read(fd_, dst, capacity);
      if (n >= 0) {
        offset_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno == EINTR) continue;
      return IoError("read failed at byte " + std::to_string(offset_) + ": " +
                     std::strerror(errno));
    }
  }
  uint64_t raw_offset() const override { return offset_; }
  bool live() const override { return live_; }
  void on_wait(std::function<void()> hook) override { hook_ = std::move(hook); }

 private:
  int fd_;
  uint64_t offset_ = 0;
  bool live_;
  std::function<void()> hook_;
};

class IstreamSource final : public ByteSource {
 public:
  explicit IstreamSource(std::istream& in) : in_(in) {}
  Result<size_t> read(char* dst, size_t capacity) override {
    if (capacity == 0 || !in_.good()) {
      if (in_.bad()) return IoError("stream read failed at byte " + std::to_string(offset_));
      return size_t{0};
    }
    in_.read(dst, static_cast<std::streamsize>(capacity));
    size_t n = static_cast<size_t>(in_.gcount());
    if (in_.bad()) return IoError("stream read failed at byte " + std::to_string(offset_));
    offset_ += n;
    return n;
  }
  uint64_t raw_offset() const override { return offset_; }

 private:
  std::istream& in_;
  uint64_t offset_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> read(char* dst, size_t capacity) override {
    size_t n = std::min(capacity, bytes_.size() - pos_);
    if (n > 0) std::memcpy(dst, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  uint64_t raw_offset() const override { return pos_; }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

class PrefixSource final : public ByteSource {
 public:
  PrefixSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  Result<size_t> read(char* dst, size_t capacity) override {
    if (pos_ < prefix_.size()) {
      size_t n = std::min(capacity, prefix_.size() - pos_);
      std::memcpy(dst, prefix_.data() + pos_, n);
      pos_ += n;
      return n;
    }
    return rest_->read(dst, capacity);
  }
  Compression compression() const override { return rest_->compression(); }
  uint64_t raw_offset() const override { return rest_->raw_offset() - (prefix_.size() - pos_); }
  bool live() const override { return rest_->live(); }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> open_file_source(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = std::string("cannot open: ") + std::strerror(err);
    if (err == ENOENT) return NotFound(msg);
    return IoError(msg);
  }
  struct stat st;
  const bool known = ::fstat(fd, &st) == 0;
  if (known && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Invalid("is a directory");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  return std::unique_ptr<ByteSource>(new FileSource(fd, known && is_live(st)));
}

Result<std::unique_ptr<ByteSource>> stdin_source() {
  int fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);  // the source closes its own descriptor
  if (fd < 0) return IoError(std::string("cannot read standard input: ") + std::strerror(errno));
  struct stat st;
  return std::unique_ptr<ByteSource>(new FileSource(fd, ::fstat(fd, &st) == 0 && is_live(st)));
}

std::unique_ptr<ByteSource> istream_source(std::istream& in) {
  return std::make_unique<IstreamSource>(in);
}

std::unique_ptr<ByteSource> memory_source(std::string bytes) {
  return std::make_unique<MemorySource>(std::move(bytes));
}

std::unique_ptr<ByteSource> prefix_source(std::string prefix, std::unique_ptr<ByteSource> rest) {
  return std::make_unique<PrefixSource>(std::move(prefix), std::move(rest));
}

Result<std::unique_ptr<ByteSource>> decode_source(std::unique_ptr<ByteSource> raw) {
  // Short reads are legal (pipes), so loop until the magic is complete or the stream ends.
  char head[4];
  size_t have = 0;
  while (have < sizeof head) {
    Result<size_t> n = raw->read(head + have, sizeof head - have);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    have += *n;
  }
  std::string_view magic(head, have);
  Compression c = compression_of(magic);
  auto replay = prefix_source(std::string(magic), std::move(raw));
  switch (c) {
    case Compression::kGzip: return gzip_source(std::move(replay));
    case Compression::kZstd: return zstd_source(std::move(replay));
    case Compression::kNone: break;
  }
  return replay;
}

Result<std::unique_ptr<ByteSource>> open_source(const std::string& path) {
  auto raw = open_file_source(path);
  if (!raw.ok()) return raw.status();
  return decode_source(std::move(raw.value()));
}

}  // namespace vigil
