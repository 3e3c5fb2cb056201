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
//
// Deflate is inflated by ISA-L (igzip), about three times as fast as zlib on the Mordor captures
// (1.1 GB of JSON from 38 MB: 0.21-0.28 s against 0.65-0.78 s standalone), where inflating had
// been a quarter of reading and a seventh of a hunt. It reads its input eight bytes ahead into a
// bit buffer, so a member's end can leave the first bytes of its trailer (and of whatever follows)
// in that buffer, possibly taken from an earlier call's input: they are put back in front of
// the input from the bit buffer itself.
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "read/source.h"

namespace vigil {
namespace {

constexpr size_t kInputBufferSize = 256 * 1024;
constexpr size_t kUnreadRoom = 16;  // bytes a decoder may hand back (InputBuffer::unread)

// Compressed bytes waiting to be decoded: [begin, end) of `data`.
class InputBuffer {
 public:
  InputBuffer() : data_(new char[kInputBufferSize + kUnreadRoom]) {}
  const char* begin() const { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool eof() const { return eof_; }
  void consume(size_t n) { begin_ += n; }
  // Puts n <= kUnreadRoom consumed bytes back in front (fill() reads at most kInputBufferSize,
  // so there is always room).
  void unread(const char* bytes, size_t n) {
    if (begin_ < n) {
      std::memmove(data_.get() + n, data_.get() + begin_, size());
      end_ += n - begin_;
      begin_ = n;
    }
    begin_ -= n;
    std::memcpy(data_.get() + begin_, bytes, n);
  }
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

// gzip members are inflated raw and their framing is read here, each member checked with
// libdeflate's carry-less-multiply CRC-32 (zlib's own gzip mode took 11 % of a hunt over gzipped
// JSON in checking).
class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> raw)
      : raw_(std::move(raw)), is_(std::make_unique<inflate_state>()) {}
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Compression compression() const override { return Compression::kGzip; }
  uint64_t raw_offset() const override { return raw_->raw_offset() - in_.size(); }
  bool live() const override { return raw_->live(); }

  Result<size_t> read(char* dst, size_t capacity) override {
    size_t produced = 0;
    while (produced < capacity && pending_.ok() && !done_) {
      if (produced > 0 && in_.size() == 0 && !in_.eof() && raw_->live()) break;  // do not wait
      if (state_ == State::kBetween) {
        if (in_.size() < 2 && !in_.eof()) {
          if (!fill()) break;
          continue;
        }
        Boundary b = start_member();
        if (b == Boundary::kStop) break;
        continue;
      }
      if (state_ == State::kHeader) {
        size_t need = header_length();
        if (need == kCorruptHeader) break;
        if (need == kNeedMore) {
          if (in_.eof()) {
            pending_ = Corrupt("gzip stream truncated in a member header after " +
                               std::to_string(raw_offset()) + " compressed bytes");
            break;
          }
          if (!fill()) break;
          continue;
        }
        in_.consume(need);
        isal_inflate_init(is_.get());
        is_->crc_flag = ISAL_DEFLATE;
        crc_ = 0;
        length_ = 0;
        state_ = State::kBody;
        continue;
      }
      if (state_ == State::kTrailer) {
        if (in_.size() < 8) {
          if (in_.eof()) {
            pending_ = Corrupt("gzip stream truncated after " + std::to_string(raw_offset()) +
                               " compressed bytes");
            break;
          }
          if (!fill()) break;
          continue;
        }
        const auto* t = reinterpret_cast<const uint8_t*>(in_.begin());
        uint32_t want_crc = load32(t), want_length = load32(t + 4);
        if (want_crc != crc_ || want_length != length_) {
          pending_ = Corrupt("gzip data damaged near compressed byte " + std::to_string(raw_offset()) +
                             (want_crc != crc_ ? ": incorrect data check" : ": incorrect length check"));
          break;
        }
        in_.consume(8);
        state_ = State::kBetween;
        continue;
      }
      // kBody
      if (in_.size() == 0 && !in_.eof()) {
        if (!fill()) break;
        continue;
      }
      is_->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in_.begin()));
      is_->avail_in = static_cast<uint32_t>(in_.size());
      is_->next_out = reinterpret_cast<uint8_t*>(dst + produced);
      is_->avail_out = static_cast<uint32_t>(std::min<size_t>(capacity - produced, 1u << 30));
      const uint32_t out_before = is_->avail_out;
      const int ret = isal_inflate(is_.get());
      in_.consume(in_.size() - is_->avail_in);
      const size_t made = out_before - is_->avail_out;
      crc_ = libdeflate_crc32(crc_, dst + produced, made);
      length_ += static_cast<uint32_t>(made);
      produced += made;
      if (ret < 0) {
        pending_ = Corrupt("gzip data damaged near compressed byte " + std::to_string(raw_offset()) + ": " +
                           inflate_error(ret));
      } else if (is_->block_state == ISAL_BLOCK_FINISH) {
        // The whole bytes still in the bit buffer follow the member's last bit (the rest of
        // that bit's byte is padding): hand them back for the trailer.
        const int bits = is_->read_in_length;
        char back[8];
        const size_t n = bits > 0 ? static_cast<size_t>(bits / 8) : 0;
        for (size_t k = 0; k < n && k < sizeof back; ++k) {
          back[k] = static_cast<char>(is_->read_in >> (bits % 8 + 8 * static_cast<int>(k)));
        }
        in_.unread(back, std::min(n, sizeof back));
        state_ = State::kTrailer;
      } else if (in_.size() == 0 && in_.eof() && made == 0) {
        pending_ = Corrupt("gzip stream truncated after " + std::to_string(raw_offset()) +
                           " compressed bytes");
      }
    }
    if (produced > 0) return produced;
    if (!pending_.ok()) return pending_;
    return size_t{0};
  }

 private:
  enum class State { kBetween, kHeader, kBody, kTrailer };
  enum class Boundary { kStarted, kSkipped, kStop };
  static constexpr size_t kNeedMore = SIZE_MAX, kCorruptHeader = SIZE_MAX - 1;

  static const char* inflate_error(int code) {
    switch (code) {
      case ISAL_INVALID_BLOCK: return "invalid block";
      case ISAL_INVALID_SYMBOL: return "invalid symbol";
      case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
      default: return "error";
    }
  }

  static uint32_t load32(const uint8_t* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  }

  // Reads more compressed bytes; false (with pending_ set) when the source fails.
  bool fill() {
    Status st = in_.fill(*raw_);
    if (!st.ok()) pending_ = st;
    return st.ok();
  }

  // The length of the member header at the front of the input (RFC 1952: magic, method, flags,
  // time, extra flags, OS, then the optional extra field, name, comment and header CRC),
  // kNeedMore when it is not all there yet, kCorruptHeader (pending_ set) when it is no header.
  size_t header_length() {
    const auto* p = reinterpret_cast<const uint8_t*>(in_.begin());
    const size_t n = in_.size();
    if (n < 10) return kNeedMore;
    if (p[2] != 8 || (p[3] & 0xe0) != 0) {
      pending_ = Corrupt("gzip member at compressed byte " + std::to_string(raw_offset()) +
                         (p[2] != 8 ? " uses an unknown compression method" : " has reserved flags set"));
      return kCorruptHeader;
    }
    const uint8_t flags = p[3];
    size_t at = 10;
    if (flags & 0x04) {  // FEXTRA
      if (n < at + 2) return kNeedMore;
      at += 2 + (size_t{p[at]} | size_t{p[at + 1]} << 8);
      if (n < at) return kNeedMore;
    }
    for (uint8_t bit : {uint8_t{0x08}, uint8_t{0x10}}) {  // FNAME, FCOMMENT: zero-terminated
      if (!(flags & bit)) continue;
      const void* zero = std::memchr(p + at, 0, n - at);
      if (!zero) {
        if (n - at > kInputBufferSize / 2) {  // a name that fills the buffer is not a name
          pending_ = Corrupt("gzip member header at compressed byte " + std::to_string(raw_offset()) +
                             " has an unterminated name or comment");
          return kCorruptHeader;
        }
        return kNeedMore;
      }
      at = static_cast<size_t>(static_cast<const uint8_t*>(zero) - p) + 1;
    }
    if (flags & 0x02) at += 2;  // FHCRC
    return n < at ? kNeedMore : at;
  }

  // At a member boundary: begins the next member, skips zero padding, or ends the stream.
  Boundary start_member() {
    if (in_.size() == 0) {  // fill() left it empty, so the source is exhausted
      done_ = true;
      return Boundary::kStop;
    }
    const auto* p = reinterpret_cast<const uint8_t*>(in_.begin());
    if (in_.size() >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
      state_ = State::kHeader;
      return Boundary::kStarted;
    }
    if (std::all_of(p, p + in_.size(), [](uint8_t b) { return b == 0; })) {
      in_.consume(in_.size());  // zero padding: skip it and look again after the next fill
      if (in_.eof()) done_ = true;
      return Boundary::kSkipped;
    }
    pending_ = Corrupt("unexpected bytes after gzip stream at compressed byte " +
                       std::to_string(raw_offset()));
    return Boundary::kStop;
  }

  std::unique_ptr<ByteSource> raw_;
  InputBuffer in_;
  std::unique_ptr<inflate_state> is_;  // ~100 KB: on the heap
  State state_ = State::kBetween;
  uint32_t crc_ = 0;     // of the member's bytes so far
  uint32_t length_ = 0;  // of the member's bytes so far, modulo 2^32 (as ISIZE)
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
  bool live() const override { return raw_->live(); }

  Result<size_t> read(char* dst, size_t capacity) override {
    ZSTD_outBuffer out{dst, capacity, 0};
    while (out.pos < out.size && pending_.ok() && !done_) {
      if (out.pos > 0 && in_.size() == 0 && !in_.eof() && raw_->live()) break;  // do not wait
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
