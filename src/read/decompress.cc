// Streaming gzip and zstd decoders behind the ByteSource interface.
//
// The idea: a decoder pulls compressed bytes from its inner source into a fixed input buffer and
// inflates straight into the caller's destination, so a 2 GB .json.gz costs one input buffer plus
// the codec's window (32 KiB for deflate, up to 8 MiB for zstd), never the whole payload.
//
// Damage is delivered in order: every byte decoded before a fault is returned first, then the
// fault (kCorrupt) on the next call, so a reader can still use the records before a truncation.
// gzip files made of several members (`cat a.gz b.gz`, bgzip) are read member after member;
// zero padding after the last member is ignored the way gzip(1) does; other trailing bytes are
// damage. zstd handles multi-frame and skippable frames itself.
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "read/source.h"

namespace vigil {
namespace {

constexpr size_t kInputBufferSize = 256 * 1024;

// Compressed bytes waiting to be decoded: [begin, end) of `data`.
class InputBuffer {
 public:
  InputBuffer() : data_(new char[kInputBufferSize]) {}
  const char* begin() const { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool eof() const { return eof_; }
  void consume(size_t n) { begin_ += n; }
  // Moves what is left to the front and reads more; sets eof() when the source is exhausted.
  Status fill(ByteSource& src) {
    if (begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
    Result<size_t> n = src.read(data_.get() + end_, kInputBufferSize - end_);
    if (!n.ok()) return n.status();
    if (*n == 0) eof_ = true;
    end_ += *n;
    return Status::Ok();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw) : raw_(std::move(raw)) {
    std::memset(&zs_, 0, sizeof zs_);
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) {
      pending_ = Corrupt("cannot initialise the gzip decoder");
    }
  }
  ~GzipSource() override { inflateEnd(&zs_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Compression compression() const override { return Compression::kGzip; }
  uint64_t raw_offset() const override { return raw_->raw_offset() - in_.size(); }

  Result<size_t> read(char* dst, size_t capacity) override {
    size_t produced = 0;
    while (produced < capacity && pending_.ok() && !done_) {
      if (in_.size() < 2 && !in_.eof()) {
        Status st = in_.fill(*raw_);
        if (!st.ok()) {
          pending_ = st;
          break;
        }
        continue;
      }
      if (!member_open_) {
        Boundary b = start_member();
        if (b == Boundary::kStop) break;
        if (b == Boundary::kSkipped) continue;
      }
      zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in_.begin()));
      zs_.avail_in = static_cast<uInt>(in_.size());
      zs_.next_out = reinterpret_cast<Bytef*>(dst + produced);
      zs_.avail_out = static_cast<uInt>(std::min<size_t>(capacity - produced, 1u << 30));
      uInt out_before = zs_.avail_out;
      int ret = inflate(&zs_, Z_NO_FLUSH);
      in_.consume(in_.size() - zs_.avail_in);
      produced += out_before - zs_.avail_out;
      if (ret == Z_STREAM_END) {
        member_open_ = false;
      } else if (ret == Z_BUF_ERROR || ret == Z_OK) {
        if (in_.size() == 0 && in_.eof() && out_before == zs_.avail_out) {
          pending_ = Corrupt("gzip stream truncated after " + std::to_string(raw_offset()) +
                             " compressed bytes");
        }
      } else {
        pending_ = Corrupt("gzip data damaged near compressed byte " +
                           std::to_string(raw_offset()) + ": " + (zs_.msg ? zs_.msg : "error"));
      }
    }
    if (produced > 0) return produced;
    if (!pending_.ok()) return pending_;
    return size_t{0};
  }

 private:
  enum class Boundary { kStarted, kSkipped, kStop };
  // At a member boundary: begins the next member, skips zero padding, or ends the stream.
  Boundary start_member() {
    if (in_.size() == 0) {  // fill() left it empty, so the source is exhausted
      done_ = true;
      return Boundary::kStop;
    }
    const auto* p = reinterpret_cast<const uint8_t*>(in_.begin());
    if (in_.size() >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
      if (inflateReset(&zs_) != Z_OK) {
        pending_ = Corrupt("cannot reset the gzip decoder");
        return Boundary::kStop;
      }
      member_open_ = true;
      return Boundary::kStarted;
    }
    if (std::all_of(p, p + in_.size(), [](uint8_t b) { return b == 0; })) {
      in_.consume(in_.size());  // zero padding: skip it and look again after the next fill
      return Boundary::kSkipped;
    }
    pending_ = Corrupt("unexpected bytes after gzip stream at compressed byte " +
                       std::to_string(raw_offset()));
    return Boundary::kStop;
  }

  std::unique_ptr<ByteSource> raw_;
  InputBuffer in_;
  z_stream zs_;
  bool member_open_ = false;
  bool done_ = false;
  Status pending_;
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> raw)
      : raw_(std::move(raw)), ds_(ZSTD_createDStream()) {
    if (ds_ == nullptr || ZSTD_isError(ZSTD_initDStream(ds_))) {
      pending_ = Corrupt("cannot initialise the zstd decoder");
    }
  }
  ~ZstdSource() override { ZSTD_freeDStream(ds_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  Compression compression() const override { return Compression::kZstd; }
  uint64_t raw_offset() const override { return raw_->raw_offset() - in_.size(); }

  Result<size_t> read(char* dst, size_t capacity) override {
    ZSTD_outBuffer out{dst, capacity, 0};
    while (out.pos < out.size && pending_.ok() && !done_) {
      if (in_.size() == 0 && !in_.eof()) {
        Status st = in_.fill(*raw_);
        if (!st.ok()) {
          pending_ = st;
          break;
        }
        continue;
      }
      ZSTD_inBuffer in{in_.begin(), in_.size(), 0};
      size_t out_before = out.pos;
      size_t ret = ZSTD_decompressStream(ds_, &out, &in);
      in_.consume(in.pos);
      if (ZSTD_isError(ret)) {
        pending_ = Corrupt(std::string("zstd data damaged near compressed byte ") +
                           std::to_string(raw_offset()) + ": " + ZSTD_getErrorName(ret));
        break;
      }
      bool progressed = in.pos > 0 || out.pos > out_before;
      if (progressed) frame_open_ = ret != 0;  // 0: the frame is decoded and flushed
      if (!progressed && in_.size() == 0 && in_.eof()) {
        if (frame_open_) {
          pending_ = Corrupt("zstd stream truncated after " + std::to_string(raw_offset()) +
                             " compressed bytes");
        } else {
          done_ = true;
        }
      }
    }
    if (out.pos > 0) return out.pos;
    if (!pending_.ok()) return pending_;
    return size_t{0};
  }

 private:
  std::unique_ptr<ByteSource> raw_;
  InputBuffer in_;
  ZSTD_DStream* ds_;
  bool frame_open_ = false;
  bool done_ = false;
  Status pending_;
};

}  // namespace

std::unique_ptr<ByteSource> gzip_source(std::unique_ptr<ByteSource> raw) {
  return std::make_unique<GzipSource>(std::move(raw));
}

std::unique_ptr<ByteSource> zstd_source(std::unique_ptr<ByteSource> raw) {
  return std::make_unique<ZstdSource>(std::move(raw));
}

}  // namespace vigil
