// json_bench: how fast JSON input becomes Events, on one thread, over the Mordor data set
// (106 gzip JSON Lines files of Windows events, 1.15 GB decompressed).
//
// Figures (all rates in decompressed JSON bytes per second, MB = 10^6 bytes):
//   gzip only           inflate the files, nothing else (the floor for the "included" row):
//                       Vigil's decoder (ISA-L inflate), and zlib's gzip mode beside it (what
//                       most tools use, and Vigil until session 9)
//   read_path, gzip     the whole reader as users run it: inflate + frame + parse + Event
//   read, in memory     the same reader on already-inflated bytes: frame + parse + Event
//   framing choice      simdjson alone, touching every value, on the same in-memory bytes:
//                       per-line iterate() (what the reader does) vs iterate_many() (one
//                       document_stream over the buffer) -- the benchmark behind that choice.
//
// Usage: json_bench [--repeat N] [DIR_OR_FILE...]   (default: ../shared/data/mordor; with
// --repeat each row reports its fastest of N runs, which filters out a busy machine)
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "read/discover.h"
#include "read/read_path.h"
#include "read/source.h"

namespace {

namespace od = simdjson::ondemand;

// Times are this thread's CPU time, not wall time: the machines this runs on are shared, and CPU
// time does not count the moments another process held the core (cache sharing still shows).
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
};

double seconds_since(Clock::time_point t0) { return Clock::now() - t0; }

class CountSink : public vigil::EventSink {
 public:
  bool on_event(const vigil::Event& ev, const vigil::RecordRef&) override {
    ++records;
    nodes += ev.node_count();
    return true;
  }
  void on_issue(const vigil::ReadIssue&) override { ++issues; }
  uint64_t records = 0, nodes = 0, issues = 0;
};

std::string inflate_file(const std::string& path) {
  std::string out;
  auto src = vigil::open_source(path);
  if (!src.ok()) return out;
  std::vector<char> buf(1 << 20);
  while (true) {
    vigil::Result<size_t> n = (*src)->read(buf.data(), buf.size());
    if (!n.ok() || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

// Touches every value the way an Event build would: keys, strings unescaped, numbers parsed.
uint64_t touch(od::value v) {
  od::json_type t;
  if (v.type().get(t)) return 0;
  uint64_t n = 1;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (v.get_object().get(o)) return n;
      for (auto f : o) {
        std::string_view k;
        od::value fv;
        if (f.unescaped_key().get(k) || f.value().get(fv)) return n;
        n += touch(fv);
      }
      return n;
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a)) return n;
      for (auto e : a) {
        od::value ev;
        if (e.get(ev)) return n;
        n += touch(ev);
      }
      return n;
    }
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s)) return 0;
      return n;
    }
    case od::json_type::number: {
      double d;
      if (v.get_double().get(d)) return 0;
      return n;
    }
    default:
      return n;
  }
}

uint64_t touch_object(od::object o) {
  uint64_t n = 0;
  for (auto f : o) {
    std::string_view k;
    od::value fv;
    if (f.unescaped_key().get(k) || f.value().get(fv)) return n;
    n += touch(fv);
  }
  return n;
}

void row(const char* what, double bytes, double records, double secs) {
  std::printf("  %-26s %8.1f MB/s %10.0f records/s %8.2f s\n", what, bytes / secs / 1e6,
              records / secs, secs);
}

struct Figures {
  uint64_t bytes = 0, records = 0, nodes = 0, issues = 0, gzip_bytes = 0, zlib_bytes = 0;
  uint64_t lines_docs = 0, many_docs = 0, lines_values = 0, many_values = 0;
  double gzip = 0, zlib = 0, whole = 0, mem = 0, lines = 0, many = 0;  // seconds
};

Figures run_once(const std::vector<vigil::FoundFile>& files) {
  Figures out;
  // 1. gzip only.
  auto t0 = Clock::now();
  std::vector<char> buf(1 << 20);
  for (const auto& f : files) {
    auto src = vigil::open_source(f.path);
    if (!src.ok()) continue;
    while (true) {
      vigil::Result<size_t> n = (*src)->read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      out.gzip_bytes += *n;
    }
  }
  out.gzip = seconds_since(t0);

  // 1b. The same files through zlib's gzip mode (several members included), for comparison.
  t0 = Clock::now();
  for (const auto& f : files) {
    std::FILE* in = std::fopen(f.path.c_str(), "rb");
    if (!in) continue;
    std::string gz;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) gz.append(buf.data(), n);
    std::fclose(in);
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) continue;
    zs.next_in = reinterpret_cast<Bytef*>(gz.data());
    zs.avail_in = static_cast<uInt>(gz.size());
    int rc = Z_OK;
    while (rc == Z_OK || (rc == Z_STREAM_END && zs.avail_in > 0 && inflateReset(&zs) == Z_OK)) {
      zs.next_out = reinterpret_cast<Bytef*>(buf.data());
      zs.avail_out = static_cast<uInt>(buf.size());
      rc = inflate(&zs, Z_NO_FLUSH);
      out.zlib_bytes += buf.size() - zs.avail_out;
      if (rc == Z_BUF_ERROR) break;
    }
    inflateEnd(&zs);
  }
  out.zlib = seconds_since(t0);

  // 2. The reader end to end.
  CountSink whole;
  t0 = Clock::now();
  for (const auto& f : files) {
    vigil::ReadStats stats;
    (void)vigil::read_path(f.path, whole, {}, &stats);
    out.bytes += stats.bytes;
  }
  out.whole = seconds_since(t0);
  out.records = whole.records;
  out.nodes = whole.nodes;
  out.issues = whole.issues;

  // 3-5. In memory, file by file (one inflated file held at a time).
  CountSink mem;
  od::parser line_parser, many_parser;
  for (const auto& f : files) {
    std::string text = inflate_file(f.path);
    simdjson::padded_string padded(text);
    auto source = vigil::memory_source(std::move(text));
    t0 = Clock::now();
    (void)vigil::read_source(std::move(source), f.path, mem, {});
    out.mem += seconds_since(t0);

    t0 = Clock::now();
    const char* p = padded.data();
    const char* end = p + padded.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      size_t len = (nl ? nl : end) - p;
      od::document doc;
      od::object o;
      if (len > 0 &&
          !line_parser.iterate(p, len, (end - p) + simdjson::SIMDJSON_PADDING).get(doc) &&
          !doc.get_object().get(o)) {
        out.lines_values += touch_object(o);
        ++out.lines_docs;
      }
      p += len + 1;
    }
    out.lines += seconds_since(t0);

    t0 = Clock::now();
    od::document_stream stream;
    if (!many_parser.iterate_many(padded, 4 << 20).get(stream)) {
      for (auto doc : stream) {
        od::object o;
        if (doc.get_object().get(o)) continue;
        out.many_values += touch_object(o);
        ++out.many_docs;
      }
    }
    out.many += seconds_since(t0);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> roots;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      roots.push_back(arg);
    }
  }
  if (roots.empty()) roots.push_back(std::string(VIGIL_SHARED_DIR) + "/data/mordor");
  vigil::DiscoverOptions dopts;
  dopts.formats = {vigil::Format::kJson};
  vigil::Discovery found = vigil::discover(roots, dopts);
  if (found.files.empty()) {
    std::fprintf(stderr, "json_bench: no JSON input under %s (needs ../shared)\n",
                 roots[0].c_str());
    return 1;
  }
  uint64_t compressed = 0;
  for (const auto& f : found.files) compressed += f.size;
  std::printf("json_bench: %zu files, %.1f MB on disk, simdjson %s kernel, 1 thread, CPU time, best of %d\n",
              found.files.size(), compressed / 1e6,
              simdjson::get_active_implementation()->name().c_str(), repeat);

  Figures best = run_once(found.files);
  for (int r = 1; r < repeat; ++r) {
    Figures f = run_once(found.files);
    best.gzip = std::min(best.gzip, f.gzip);
    best.zlib = std::min(best.zlib, f.zlib);
    best.whole = std::min(best.whole, f.whole);
    best.mem = std::min(best.mem, f.mem);
    best.lines = std::min(best.lines, f.lines);
    best.many = std::min(best.many, f.many);
  }
  std::printf("  %-26s %8.1f MB decompressed, %llu records (%.0f nodes each), %llu issues\n",
              "input", best.bytes / 1e6, static_cast<unsigned long long>(best.records),
              double(best.nodes) / double(best.records),
              static_cast<unsigned long long>(best.issues));
  row("gzip only (Vigil, ISA-L)", best.gzip_bytes, best.records, best.gzip);
  row("gzip only (zlib, peer)", best.gzip_bytes, best.records, best.zlib);
  if (best.zlib_bytes != best.gzip_bytes) {
    std::printf("  note: zlib inflated %llu bytes, Vigil's decoder %llu\n",
                static_cast<unsigned long long>(best.zlib_bytes), static_cast<unsigned long long>(best.gzip_bytes));
  }
  row("read_path, gzip included", best.bytes, best.records, best.whole);
  row("read, gzip excluded", best.bytes, best.records, best.mem);
  std::printf("  framing choice (simdjson only, every value touched):\n");
  row("per-line iterate()", best.bytes, best.lines_docs, best.lines);
  row("iterate_many()", best.bytes, best.many_docs, best.many);
  if (best.lines_values != best.many_values || best.lines_docs != best.many_docs) {
    std::printf("  note: the two framings saw different documents (%llu vs %llu)\n",
                static_cast<unsigned long long>(best.lines_docs),
                static_cast<unsigned long long>(best.many_docs));
  }
  return 0;
}
