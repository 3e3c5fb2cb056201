// evtx_bench: EVTX decoding speed of Vigil against its peers on the same files, in one run.
//
// Reads every .evtx of ../shared/data/evtx into memory, then
//   - Vigil, 1 thread: decodes every record into an Event (evtx_dump layout), passes over the
//     set repeated until a few hundred MB have been decoded;
//   - Vigil, all threads: the same work, threads taking (file, chunk) items from a shared counter;
//   - Vigil, 1 thread, render plans off (every record through the RecordTree: the slow path);
//   - evtxexport (libevtx-utils) as a subprocess on each file, output to /dev/null, timed;
//   - python-evtx rendering every record's XML, on a subset (it is slow), timed;
// and prints one table with records/s, MB/s and the ratio to Vigil on one thread.
// MB are file bytes (1 MB = 10^6 bytes). Usage: evtx_bench [target_MB=300] [python_subset_MB=2]
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "read/evtx/evtx_file.h"
#include "read/evtx/format.h"

namespace fs = std::filesystem;
using vigil::Event;
using vigil::EventSink;
using vigil::ReadIssue;
using vigil::RecordRef;
using vigil::evtx::EvtxDecoder;
using vigil::evtx::EvtxFile;

namespace {

struct Input {
  std::string path;
  std::vector<uint8_t> bytes;
};

class CountSink : public EventSink {
 public:
  uint64_t records = 0, nodes = 0, issues = 0;
  bool on_event(const Event& ev, const RecordRef&) override {
    ++records;
    nodes += ev.node_count();
    return true;
  }
  void on_issue(const ReadIssue&) override { ++issues; }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Row {
  std::string tool;
  std::string note;
  double mb = 0, records = 0, seconds = 0;
};

// Runs a shell command, returns its wall time in seconds (negative if it failed).
double time_command(const std::string& cmd) {
  auto t0 = std::chrono::steady_clock::now();
  int rc = std::system(cmd.c_str());
  double s = seconds_since(t0);
  return (rc == 0) ? s : -1;
}

std::string quote(const std::string& s) {
  std::string out(1, '\'');
  for (char c : s) {
    if (c == '\'') {
      for (char q : {'\'', '\\', '\'', '\''}) out.push_back(q);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

// Bytes of a file that chunks actually use (header block + each chunk up to its free space).
double used_mb(const std::vector<uint8_t>& bytes) {
  using namespace vigil::evtx;
  double used = kFileHeaderBlock;
  for (size_t off = kFileHeaderBlock; off + kChunkHeaderSize <= bytes.size(); off += kChunkSize) {
    if (std::memcmp(bytes.data() + off, kChunkMagic.data(), kChunkMagic.size()) != 0) continue;
    uint32_t free_off = load_u32(bytes.data() + off + kChFreeSpaceOffset);
    used += std::min<uint32_t>(free_off, kChunkSize);
  }
  return used / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  double target_mb = argc > 1 ? std::atof(argv[1]) : 300;
  double python_mb = argc > 2 ? std::atof(argv[2]) : 2;
  fs::path root = fs::path(VIGIL_SHARED_DIR) / "data" / "evtx";
  if (!fs::exists(root)) {
    std::fprintf(stderr, "evtx_bench: needs ../shared (data/evtx)\n");
    return 0;
  }
  std::vector<Input> inputs;
  double total_mb = 0, data_mb = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().extension() != ".evtx") continue;
    std::ifstream in(e.path(), std::ios::binary);
    Input input{e.path().string(), std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {})};
    total_mb += input.bytes.size() / 1e6;
    data_mb += used_mb(input.bytes);
    inputs.push_back(std::move(input));
  }
  std::sort(inputs.begin(), inputs.end(), [](auto& a, auto& b) { return a.path < b.path; });
  std::vector<EvtxFile> files;
  for (const auto& in : inputs) {
    auto f = EvtxFile::from_memory(in.path, in.bytes.data(), in.bytes.size());
    if (f.ok()) files.push_back(std::move(*f));
  }
  int passes = std::max(1, static_cast<int>(target_mb / total_mb + 0.5));
  std::printf("evtx_bench: %zu files, %.1f MB (%.1f MB in use by chunks), decoded %d times "
              "(%.0f MB) by Vigil\n",
              files.size(), total_mb, data_mb, passes, passes * total_mb);

  std::vector<Row> rows;
  // Every file, chunk by chunk, `passes` times on the calling thread; returns the seconds taken.
  auto one_thread = [&](EvtxDecoder& decoder, CountSink& sink) {
    auto t0 = std::chrono::steady_clock::now();
    for (int p = 0; p < passes; ++p) {
      for (const auto& f : files) {
        uint64_t index = 0;
        for (size_t c = 0; c < f.chunk_count(); ++c) {
          vigil::evtx::ChunkStats stats;
          (void)f.decode_chunk(c, sink, decoder, index, &stats);
          index += stats.records;
        }
      }
    }
    return seconds_since(t0);
  };
  // --- Vigil, one thread ---
  {
    EvtxDecoder decoder;
    CountSink sink;
    double s = one_thread(decoder, sink);
    rows.push_back({"vigil", "1 thread", passes * total_mb, static_cast<double>(sink.records), s});
    std::printf("  vigil 1 thread: %llu records, %llu event nodes, %llu issues; %llu records "
                "replayed from %llu render plans, %llu decoded the slow way\n",
                static_cast<unsigned long long>(sink.records),
                static_cast<unsigned long long>(sink.nodes),
                static_cast<unsigned long long>(sink.issues),
                static_cast<unsigned long long>(decoder.plan_stats().replayed),
                static_cast<unsigned long long>(decoder.plan_stats().planned),
                static_cast<unsigned long long>(decoder.plan_stats().fallback));
  }
  // --- Vigil, all threads over (file, chunk) items ---
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  {
    std::vector<std::pair<size_t, size_t>> items;
    for (size_t i = 0; i < files.size(); ++i) {
      for (size_t c = 0; c < files[i].chunk_count(); ++c) items.emplace_back(i, c);
    }
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> records{0};
    size_t total_items = items.size() * passes;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        EvtxDecoder decoder;
        CountSink sink;
        for (size_t k; (k = next.fetch_add(1)) < total_items;) {
          const auto& item = items[k % items.size()];
          (void)files[item.first].decode_chunk(item.second, sink, decoder, 0);
        }
        records += sink.records;
      });
    }
    for (auto& th : pool) th.join();
    double s = seconds_since(t0);
    rows.push_back({"vigil", std::to_string(threads) + " threads", passes * total_mb,
                    static_cast<double>(records.load()), s});
  }
  uint64_t records_per_pass = static_cast<uint64_t>(rows[0].records / passes);
  // --- Vigil, one thread, render plans off: every record through the RecordTree ---
  {
    EvtxDecoder decoder;
    decoder.set_plans(false);
    CountSink sink;
    double s = one_thread(decoder, sink);
    rows.push_back({"vigil", "1 thread, no plans", passes * total_mb,
                    static_cast<double>(sink.records), s});
  }
  // --- evtxexport, every file once ---
  {
    double s = 0;
    bool ok = true;
    for (const auto& in : inputs) {
      double t = time_command("evtxexport " + quote(in.path) + " >/dev/null 2>&1");
      if (t < 0) {
        ok = false;
        break;
      }
      s += t;
    }
    if (ok) {
      rows.push_back({"evtxexport", "1 process, text", total_mb,
                      static_cast<double>(records_per_pass), s});
    } else {
      std::printf("  evtxexport: not available (apt-get install libevtx-utils)\n");
    }
  }
  // --- python-evtx on a subset ---
  {
    std::vector<const Input*> subset;
    double mb = 0;
    for (const auto& in : inputs) {
      if (mb >= python_mb) break;
      subset.push_back(&in);
      mb += in.bytes.size() / 1e6;
    }
    std::string script =
        "import sys, Evtx.Evtx as E\n"
        "n = 0\n"
        "for p in sys.argv[1:]:\n"
        "    with E.Evtx(p) as log:\n"
        "        for r in log.records():\n"
        "            r.xml(); n += 1\n"
        "print(n)\n";
    fs::path script_path = fs::temp_directory_path() / "vigil_evtx_bench.py";
    fs::path count_path = fs::temp_directory_path() / "vigil_evtx_bench.count";
    std::ofstream(script_path) << script;
    std::string cmd = "/usr/bin/python3 " + quote(script_path.string());
    for (const auto* in : subset) {
      cmd.push_back(' ');
      cmd.append(quote(in->path));
    }
    double s = time_command(cmd + " >" + quote(count_path.string()) + " 2>/dev/null");
    std::ifstream count_in(count_path);
    double n = 0;
    count_in >> n;
    if (s > 0 && n > 0) {
      rows.push_back({"python-evtx", "subset " + std::to_string(subset.size()) + " files", mb, n, s});
    } else {
      std::printf("  python-evtx: not available (apt-get install python3-evtx)\n");
    }
    fs::remove(script_path);
    fs::remove(count_path);
  }

  double base = rows[0].mb / rows[0].seconds;
  std::printf("\n%-12s %-20s %9s %10s %9s %13s %9s %10s\n", "tool", "run", "MB", "records",
              "seconds", "records/s", "MB/s", "vs vigil-1");
  for (const auto& r : rows) {
    double mbps = r.mb / r.seconds;
    std::printf("%-12s %-20s %9.1f %10.0f %9.3f %13.0f %9.1f %9.2fx\n", r.tool.c_str(),
                r.note.c_str(), r.mb, r.records, r.seconds, r.records / r.seconds, mbps,
                mbps / base);
  }
  std::printf("in-use bytes only (header block + chunks up to their free space): vigil 1 thread "
              "%.1f MB/s, %u threads %.1f MB/s\n",
              passes * data_mb / rows[0].seconds, threads, passes * data_mb / rows[1].seconds);
  for (size_t i = 2; i < rows.size(); ++i) {
    std::string name = rows[i].tool == "vigil" ? "vigil " + rows[i].note : rows[i].tool;
    std::printf("vigil 1 thread is %.1fx %s\n", base / (rows[i].mb / rows[i].seconds),
                name.c_str());
  }
  return 0;
}
