#include "read/source.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>

#include "read/test_support.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

std::string gzip(const std::string& data, int level = 6) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Some megabytes of varied text, so the decoders cross many buffer boundaries.
std::string sample_text(size_t lines) {
  std::string s;
  for (size_t i = 0; i < lines; ++i) {
    s += "{\"line\":" + std::to_string(i) + ",\"hash\":" + std::to_string(i * 2654435761u % 1000003) +
         "}\n";
  }
  return s;
}

// Drains a source with an odd read size; returns the bytes and the first fault.
std::pair<std::string, Status> drain(ByteSource& src, size_t step = 7777) {
  std::string out;
  std::string buf(step, '\0');
  while (true) {
    Result<size_t> n = src.read(buf.data(), buf.size());
    if (!n.ok()) return {out, n.status()};
    if (*n == 0) return {out, Status::Ok()};
    out.append(buf.data(), *n);
  }
}

std::pair<std::string, Status> decode(const std::string& bytes) {
  auto src = decode_source(memory_source(bytes));
  EXPECT_TRUE(src.ok());
  return drain(**src);
}

TEST(Source, PlainBytesPassThroughUnchanged) {
  std::string text = sample_text(1000);
  auto [out, st] = decode(text);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(out, text);
  EXPECT_EQ(decode("").first, "");
  EXPECT_EQ(decode("{").first, "{");  // shorter than any magic
}

TEST(Source, GzipIsToldByMagicAndStreamed) {
  std::string text = sample_text(200000);  // about 6 MB
  auto src = decode_source(memory_source(gzip(text)));
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->compression(), Compression::kGzip);
  auto [out, st] = drain(**src);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(out, text);
}

TEST(Source, GzipMembersAreReadOneAfterAnother) {
  std::string a = sample_text(5000), b = "tail line\n";
  auto [out, st] = decode(gzip(a) + gzip(b) + std::string(100, '\0'));  // zero padding ignored
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(out, a + b);
}

TEST(Source, TruncatedGzipGivesItsBytesThenCorrupt) {
  std::string text = sample_text(50000);
  std::string gz = gzip(text);
  auto [out, st] = decode(gz.substr(0, gz.size() / 3));
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();
  EXPECT_GT(out.size(), 0u);
  EXPECT_LT(out.size(), text.size());
  EXPECT_EQ(out, text.substr(0, out.size()));  // every byte given before the fault is right
}

TEST(Source, DamagedGzipIsCorrupt) {
  std::string gz = gzip(sample_text(20000));
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] = static_cast<char>(~gz[i]);
  auto [out, st] = decode(gz);
  EXPECT_EQ(st.code(), Code::kCorrupt);
}

TEST(Source, GarbageAfterGzipIsCorrupt) {
  std::string text = "one\n";
  auto [out, st] = decode(gzip(text) + "junk");
  EXPECT_EQ(out, text);
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("unexpected bytes after gzip"), std::string::npos);
}

// A gzip member with every optional header field (RFC 1952 FEXTRA, FNAME, FCOMMENT, FHCRC), as
// other tools write them; the decoder reads the framing itself.
std::string gzip_with_fields(const std::string& data) {
  std::string plain = gzip(data);  // 10-byte header, deflate body, 8-byte trailer
  std::string out = plain.substr(0, 10);
  out[3] = 0x04 | 0x08 | 0x10 | 0x02;
  out += std::string("\x05\x00", 2) + "extra";
  out += std::string("events.jsonl") + '\0';
  out += std::string("a comment") + '\0';
  out += std::string("\x12\x34", 2);
  out += plain.substr(10);
  return out;
}

// Hands out its bytes one at a time: every header and trailer crosses a read boundary.
class TrickleSource final : public ByteSource {
 public:
  explicit TrickleSource(std::string bytes) : bytes_(std::move(bytes)) {}
  Result<size_t> read(char* dst, size_t capacity) override {
    if (pos_ >= bytes_.size() || capacity == 0) return size_t{0};
    dst[0] = bytes_[pos_++];
    return size_t{1};
  }
  uint64_t raw_offset() const override { return pos_; }

 private:
  std::string bytes_;
  size_t pos_ = 0;
};

TEST(Source, GzipHeaderFieldsAndByteByByteInput) {
  std::string a = sample_text(300), b = sample_text(7);
  std::string gz = gzip_with_fields(a) + gzip(b) + gzip_with_fields("");
  auto [out, st] = decode(gz);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(out, a + b);
  auto trickle = decode_source(std::make_unique<TrickleSource>(gz));
  ASSERT_TRUE(trickle.ok());
  auto [slow, slow_st] = drain(**trickle, 13);
  EXPECT_TRUE(slow_st.ok()) << slow_st.message();
  EXPECT_EQ(slow, a + b);
}

// Stored (level 0), fast and best members back to back, read whole and a byte at a time: the
// inflater reads ahead of a member's end, and whatever it took of the trailer and the next
// member, in this call or an earlier one, must come back in order.
TEST(Source, GzipMembersOfEveryLevelEndWhereTheyEnd) {
  const std::string a = sample_text(900), b = sample_text(3), c = sample_text(2500);
  const std::string gz = gzip(a, 0) + gzip(b, 1) + gzip(c, 9) + gzip("", 0) + gzip(b, 0);
  const std::string want = a + b + c + b;
  for (size_t step : {size_t{1}, size_t{13}, size_t{65536}}) {
    auto [out, st] = drain(**decode_source(memory_source(gz)), step);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(out, want) << step;
    auto trickle = decode_source(std::make_unique<TrickleSource>(gz));
    ASSERT_TRUE(trickle.ok());
    auto [slow, slow_st] = drain(**trickle, step);
    EXPECT_TRUE(slow_st.ok()) << slow_st.message();
    EXPECT_EQ(slow, want) << step;
  }
}

TEST(Source, GzipTrailerChecksAndTruncatedFraming) {
  std::string text = sample_text(2000);
  std::string gz = gzip(text);
  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] ^= 0x01;
  auto [out, st] = decode(bad_crc);
  EXPECT_EQ(out, text);  // every byte is given, then the fault
  EXPECT_EQ(st.code(), Code::kCorrupt);
  EXPECT_NE(st.message().find("incorrect data check"), std::string::npos) << st.message();
  std::string bad_length = gz;
  bad_length[gz.size() - 1] ^= 0x01;
  EXPECT_NE(decode(bad_length).second.message().find("incorrect length check"), std::string::npos);
  for (size_t cut : {size_t{4}, size_t{12}}) {  // inside the trailer; inside the second header
    std::string two = gz + gzip_with_fields(text);
    std::string cut_at = cut == 4 ? gz.substr(0, gz.size() - cut) : two.substr(0, gz.size() + cut);
    auto [part, part_st] = decode(cut_at);
    EXPECT_EQ(part_st.code(), Code::kCorrupt) << cut;
    EXPECT_NE(part_st.message().find("truncated"), std::string::npos) << part_st.message();
    EXPECT_EQ(part, text.substr(0, part.size()));
  }
  std::string method = gz;
  method[2] = 7;  // not deflate
  EXPECT_EQ(decode(method).second.code(), Code::kCorrupt);
}

TEST(Source, ZstdFramesAndTruncation) {
  std::string a = sample_text(100000), b = sample_text(10);
  auto src = decode_source(memory_source(zstd(a) + zstd(b)));
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->compression(), Compression::kZstd);
  auto [out, st] = drain(**src);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(out, a + b);

  std::string z = zstd(a);
  auto [cut, cut_st] = decode(z.substr(0, z.size() / 2));
  EXPECT_EQ(cut_st.code(), Code::kCorrupt);
  EXPECT_NE(cut_st.message().find("truncated"), std::string::npos) << cut_st.message();
  EXPECT_EQ(cut, a.substr(0, cut.size()));
}

TEST(Source, IstreamAndFileSources) {
  std::string text = sample_text(3000);
  std::istringstream in(gzip(text));
  auto src = decode_source(istream_source(in));
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(drain(**src).first, text);

  fs::path tmp = fs::temp_directory_path() / "vigil_source_test.zst";
  std::ofstream(tmp, std::ios::binary) << zstd(text);
  auto file = open_source(tmp.string());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->compression(), Compression::kZstd);
  EXPECT_EQ(drain(**file).first, text);
  fs::remove(tmp);

  EXPECT_EQ(open_source((fs::temp_directory_path() / "vigil-no-such-file").string())
                .status()
                .code(),
            Code::kNotFound);
  EXPECT_EQ(open_source(fs::temp_directory_path().string()).status().code(),
            Code::kInvalidArgument);
}

using testing::LivePieces;

// Compressed "first" flushed, so it can be decoded from the first piece alone, then "second".
std::pair<std::string, std::string> gzip_in_two(const std::string& first, const std::string& second) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string a(1024 + first.size() * 2, '\0'), b(1024 + second.size() * 2, '\0');
  auto run = [&](const std::string& in, std::string& out, int flush) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, flush);
    out.resize(out.size() - zs.avail_out);
  };
  run(first, a, Z_SYNC_FLUSH);
  run(second, b, Z_FINISH);
  deflateEnd(&zs);
  return {a, b};
}

std::pair<std::string, std::string> zstd_in_two(const std::string& first, const std::string& second) {
  ZSTD_CCtx* cx = ZSTD_createCCtx();
  std::string a(ZSTD_compressBound(first.size()) + 64, '\0'), b(ZSTD_compressBound(second.size()) + 64, '\0');
  auto run = [&](const std::string& in, std::string& out, ZSTD_EndDirective how) {
    ZSTD_inBuffer i{in.data(), in.size(), 0};
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    EXPECT_EQ(ZSTD_compressStream2(cx, &o, &i, how), 0u);
    out.resize(o.pos);
  };
  run(first, a, ZSTD_e_flush);
  run(second, b, ZSTD_e_end);
  ZSTD_freeCCtx(cx);
  return {a, b};
}

// A decoder over a live source returns what it has decoded instead of waiting for more input
// (`tail -f | gzip`-like streams); over a file it fills the caller's buffer as before.
TEST(Source, DecodersOverALiveSourceDoNotWaitForMore) {
  const std::string first = "{\"line\":1}\n", second = "{\"line\":2}\n";
  for (bool use_zstd : {false, true}) {
    auto [a, b] = use_zstd ? zstd_in_two(first, second) : gzip_in_two(first, second);
    auto pieces = std::make_unique<LivePieces>(std::vector<std::string>{a, b});
    LivePieces* raw = pieces.get();
    auto src = decode_source(std::move(pieces));
    ASSERT_TRUE(src.ok());
    EXPECT_TRUE((*src)->live());
    std::string buf(1 << 20, '\0');
    Result<size_t> n = (*src)->read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(buf.substr(0, *n), first) << (use_zstd ? "zstd" : "gzip");
    EXPECT_EQ(raw->served, 1u) << "asked for the second piece before returning the first";
    auto [rest, st] = drain(**src);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(rest, second);
  }
}

// A FIFO is live, a file is not; a live file source calls its wait hook before a read that
// would block, and not when bytes are ready.
TEST(Source, AFifoIsLiveAndSaysWhenItWillWait) {
  fs::path fifo = fs::temp_directory_path() / ("vigil-source-fifo-" + std::to_string(::getpid()));
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::mutex mu;
  std::condition_variable cv;
  int waits = 0;
  bool armed = false, release = false;
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << "ready\n" << std::flush;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    lock.unlock();
    out << "later\n";
  });
  auto src = open_file_source(fifo.string());
  ASSERT_TRUE(src.ok());
  EXPECT_TRUE((*src)->live());
  (*src)->on_wait([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++waits;
    if (armed) release = true;  // the reader is about to wait for "later": let it be written
    cv.notify_all();
  });
  char buf[64];
  std::string got;
  while (got.find("ready\n") == std::string::npos) {
    Result<size_t> n = (*src)->read(buf, sizeof buf);
    ASSERT_TRUE(n.ok());
    ASSERT_GT(*n, 0u);
    got.append(buf, *n);
  }
  EXPECT_EQ(got, "ready\n");
  int waits_before = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    waits_before = waits;
    armed = true;
  }
  auto [rest, st] = drain(**src, 64);
  writer.join();
  fs::remove(fifo);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(rest, "later\n");
  EXPECT_GE(waits, waits_before + 1);  // "later" was not there until the hook let it be written

  fs::path file = fs::temp_directory_path() / ("vigil-source-file-" + std::to_string(::getpid()));
  std::ofstream(file) << "x";
  auto plain = open_file_source(file.string());
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->live());
  EXPECT_FALSE((*decode_source(std::move(plain.value())))->live());
  fs::remove(file);
}

TEST(Source, FlatMemoryOnALargeGzipFile) {
  // The decoder holds one input buffer and zlib's window, whatever the payload size: decoding
  // 64 MB of output through a 64 KiB buffer works without the payload ever being in memory.
  std::string chunk = sample_text(20000);
  std::string one = gzip(chunk, 1);
  std::string many;
  for (int i = 0; i < 100; ++i) many += one;  // 100 members, about 64 MB decoded
  auto src = decode_source(memory_source(many));
  ASSERT_TRUE(src.ok());
  std::string buf(64 * 1024, '\0');
  size_t total = 0;
  while (true) {
    Result<size_t> n = (*src)->read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    total += *n;
  }
  EXPECT_EQ(total, 100 * chunk.size());
}

}  // namespace
}  // namespace vigil
