// json_bench: how fast JSON input becomes Events, on one thread, over the Mordor data set
// (106 gzip JSON Lines files of Windows events, 1.15 GB decompressed).
//
// Figures (all rates in decompressed JSON bytes per second, MB = 10^6 bytes):
//   gzip only           inflate the files, nothing else (zlib's floor for the "included" row)
//   read_path, gzip     the whole reader as users run it: inflate + frame + parse + Event
//   read, in memory     the same reader on already-inflated bytes: frame + parse + Event
//   framing choice      simdjson alone, touching every value, on the same in-memory bytes:
//                       per-line iterate() (what the reader does) vs iterate_many() (one
//                       document_stream over the buffer) -- the benchmark behind that choice.
//
// Usage: json_bench [DIR_OR_FILE...]   (default: ../shared/data/mordor)
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "read/discover.h"
#include "read/read_path.h"
#include "read/source.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace od = simdjson::ondemand;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) roots.emplace_back(argv[i]);
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
  std::printf("json_bench: %zu files, %.1f MB on disk, simdjson %s kernel, 1 thread\n",
              found.files.size(), compressed / 1e6,
              simdjson::get_active_implementation()->name().c_str());

  // 1. gzip only.
  uint64_t bytes = 0;
  auto t0 = Clock::now();
  for (const auto& f : found.files) {
    auto src = vigil::open_source(f.path);
    if (!src.ok()) continue;
    std::vector<char> buf(1 << 20);
    while (true) {
      vigil::Result<size_t> n = (*src)->read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      bytes += *n;
    }
  }
  double gzip_secs = seconds_since(t0);

  // 2. The reader end to end.
  CountSink whole;
  uint64_t whole_bytes = 0;
  t0 = Clock::now();
  for (const auto& f : found.files) {
    vigil::ReadStats stats;
    (void)vigil::read_path(f.path, whole, {}, &stats);
    whole_bytes += stats.bytes;
  }
  double whole_secs = seconds_since(t0);

  // 3-5. In memory, file by file (one inflated file held at a time).
  CountSink mem;
  double mem_secs = 0, lines_secs = 0, many_secs = 0;
  uint64_t lines_docs = 0, many_docs = 0, lines_values = 0, many_values = 0;
  od::parser line_parser, many_parser;
  for (const auto& f : found.files) {
    std::string text = inflate_file(f.path);
    simdjson::padded_string padded(text);
    auto source = vigil::memory_source(std::move(text));
    t0 = Clock::now();
    (void)vigil::read_source(std::move(source), f.path, mem, {});
    mem_secs += seconds_since(t0);

    t0 = Clock::now();
    const char* p = padded.data();
    const char* end = p + padded.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      size_t len = (nl ? nl : end) - p;
      od::document doc;
      od::object o;
      if (len > 0 && !line_parser.iterate(p, len, (end - p) + simdjson::SIMDJSON_PADDING).get(doc) &&
          !doc.get_object().get(o)) {
        lines_values += touch_object(o);
        ++lines_docs;
      }
      p += len + 1;
    }
    lines_secs += seconds_since(t0);

    t0 = Clock::now();
    od::document_stream stream;
    if (!many_parser.iterate_many(padded, 4 << 20).get(stream)) {
      for (auto doc : stream) {
        od::object o;
        if (doc.get_object().get(o)) continue;
        many_values += touch_object(o);
        ++many_docs;
      }
    }
    many_secs += seconds_since(t0);
  }

  std::printf("  %-26s %8.1f MB decompressed, %llu records (%.0f nodes each), %llu issues\n",
              "input", whole_bytes / 1e6, static_cast<unsigned long long>(whole.records),
              double(whole.nodes) / double(whole.records),
              static_cast<unsigned long long>(whole.issues));
  row("gzip only (zlib)", bytes, whole.records, gzip_secs);
  row("read_path, gzip included", whole_bytes, whole.records, whole_secs);
  row("read, gzip excluded", whole_bytes, mem.records, mem_secs);
  std::printf("  framing choice (simdjson only, every value touched):\n");
  row("per-line iterate()", whole_bytes, lines_docs, lines_secs);
  row("iterate_many()", whole_bytes, many_docs, many_secs);
  if (lines_values != many_values || lines_docs != many_docs) {
    std::printf("  note: the two framings saw different documents (%llu vs %llu)\n",
                static_cast<unsigned long long>(lines_docs),
                static_cast<unsigned long long>(many_docs));
  }
  return 0;
}
