// Test-only helpers for the readers: a sink that records what it was given as text lines, and the
// declarative case runner (an input file beside a `.expect` file listing every expected callback).
// Used by one test thread at a time.
#pragma once

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/text.h"
#include "read/options.h"
#include "read/read_path.h"
#include "read/sink.h"
#include "read/source.h"

namespace vigil::testing {

// A live raw source that serves its pieces one read at a time and counts how many it gave.
class LivePieces final : public ByteSource {
 public:
  explicit LivePieces(std::vector<std::string> pieces) : pieces_(std::move(pieces)) {}
  Result<size_t> read(char* dst, size_t capacity) override {
    while (next_ < pieces_.size() && pos_ == pieces_[next_].size()) {
      ++next_;
      pos_ = 0;
    }
    if (next_ == pieces_.size()) return size_t{0};
    if (pos_ == 0) ++served;
    const size_t n = std::min(capacity, pieces_[next_].size() - pos_);
    std::memcpy(dst, pieces_[next_].data() + pos_, n);
    pos_ += n;
    offset_ += n;
    return n;
  }
  uint64_t raw_offset() const override { return offset_; }
  bool live() const override { return true; }
  size_t served = 0;  // pieces started

 private:
  std::vector<std::string> pieces_;
  size_t next_ = 0, pos_ = 0;
  uint64_t offset_ = 0;
};

// JSON with the number kind visible: int `1`, uint `1u`, double `1.0` / `2.5e+30`. Without
// `mark_unsigned` it is plain JSON that reads back to the same kinds (simdjson makes only values
// of 2^63 and more unsigned).
inline void render_typed(Value v, std::string& out, bool mark_unsigned = true) {
  const Node& n = v.node();
  switch (n.kind) {
    case Kind::kObject:
    case Kind::kArray: {
      bool obj = n.kind == Kind::kObject;
      out += obj ? '{' : '[';
      bool first = true;
      for (Value c = v.first_child(); c; c = c.next()) {
        if (!first) out += ',';
        first = false;
        if (obj) {
          out += '"';
          json_escape(c.key(), out);
          out += "\":";
        }
        render_typed(c, out, mark_unsigned);
      }
      out += obj ? '}' : ']';
      return;
    }
    case Kind::kUInt:
      out += std::to_string(n.num.u) + (mark_unsigned ? "u" : "");
      return;
    case Kind::kDouble: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, n.num.d);
      std::string s(buf, r.ptr);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
      out += s;
      return;
    }
    default:
      write_json(v, out);
  }
}

inline std::string render_typed(const Event& ev, bool mark_unsigned = true) {
  std::string out;
  render_typed(ev.root(), out, mark_unsigned);
  return out;
}

// Records every callback as one line:
//   event <index> line=<line> offset=<offset> <typed json>
//   issue line=<line> offset=<offset> <message>
class RecordingSink : public EventSink {
 public:
  bool on_event(const Event& ev, const RecordRef& ref) override {
    lines.push_back("event " + std::to_string(ref.index) + " line=" + std::to_string(ref.line) +
                    " offset=" + std::to_string(ref.offset) + " " + render_typed(ev));
    ++events;
    return stop_after == 0 || events < stop_after;
  }
  void on_issue(const ReadIssue& issue) override {
    lines.push_back("issue line=" + std::to_string(issue.line) +
                    " offset=" + std::to_string(issue.offset) + " " + issue.message);
    ++issues;
  }
  std::vector<std::string> lines;
  size_t events = 0;
  size_t issues = 0;
  size_t stop_after = 0;  // 0 = never stop
};

// Counts only (for big real inputs).
class CountingSink : public EventSink {
 public:
  bool on_event(const Event& ev, const RecordRef& ref) override {
    ++events;
    nodes += ev.node_count();
    last_index = ref.index;
    return true;
  }
  void on_issue(const ReadIssue& issue) override {
    ++issues;
    if (first_issue.empty()) first_issue = issue.describe();
  }
  size_t events = 0;
  size_t issues = 0;
  size_t nodes = 0;
  uint64_t last_index = 0;
  std::string first_issue;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs one declarative case: reads `input` with read_path and compares every callback with the
// lines of `input + ".expect"`. In the expect file, lines starting with '#' set options
// (`#columns=a,b`, `#delimiter=;`, `#max_record_bytes=N`, `#max_depth=N`, `#status=CODE`) or
// are comments (`# text`); an expected line ending in "..." matches any line with that prefix.
inline void run_case(const std::filesystem::path& input) {
  SCOPED_TRACE(input.string());
  std::ifstream expect_file(input.string() + ".expect");
  ASSERT_TRUE(expect_file) << "missing " << input.string() << ".expect";
  ReadOptions opts;
  std::vector<std::string> expected;
  std::string want_status = "ok";
  std::string line;
  while (std::getline(expect_file, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::string_view opt(line);
      opt.remove_prefix(1);
      size_t eq = opt.find('=');
      if (eq == std::string_view::npos) continue;  // a comment
      std::string_view key = opt.substr(0, eq), val = opt.substr(eq + 1);
      if (key == "columns") {
        std::stringstream ss{std::string(val)};
        std::string col;
        while (std::getline(ss, col, ',')) opts.csv_columns.push_back(col);
      } else if (key == "delimiter") {
        opts.csv_delimiter = val == "tab" ? '\t' : val[0];
      } else if (key == "max_record_bytes") {
        opts.max_record_bytes = std::stoul(std::string(val));
      } else if (key == "max_depth") {
        opts.max_depth = static_cast<uint32_t>(std::stoul(std::string(val)));
      } else if (key == "block_size") {
        opts.block_size = std::stoul(std::string(val));
      } else if (key == "status") {
        want_status = std::string(val);
      }
      continue;
    }
    expected.push_back(line);
  }
  RecordingSink sink;
  Status st = read_path(input.string(), sink, opts);
  static const char* kCodes[] = {"ok",      "invalid",     "not_found", "io",
                                 "corrupt", "unsupported", "limit"};
  EXPECT_EQ(kCodes[static_cast<int>(st.code())], want_status) << st.message();
  std::string all;
  for (const auto& l : sink.lines) all += "  " + l + "\n";
  ASSERT_EQ(sink.lines.size(), expected.size()) << "actual callbacks:\n" << all;
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::string& want = expected[i];
    if (want.size() >= 3 && want.compare(want.size() - 3, 3, "...") == 0) {
      EXPECT_EQ(sink.lines[i].substr(0, want.size() - 3), want.substr(0, want.size() - 3))
          << "callback " << i << "; actual callbacks:\n" << all;
    } else {
      EXPECT_EQ(sink.lines[i], want) << "callback " << i << "; actual callbacks:\n" << all;
    }
  }
}

// Every input file in `dir` that has a `.expect` beside it, sorted.
inline std::vector<std::filesystem::path> case_inputs(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string p = e.path().string();
    if (p.size() > 7 && p.compare(p.size() - 7, 7, ".expect") == 0) {
      out.emplace_back(p.substr(0, p.size() - 7));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string shared_dir() { return VIGIL_SHARED_DIR; }
inline bool shared_has(const std::string& rel) {
  return std::filesystem::exists(shared_dir() + "/" + rel);
}

}  // namespace vigil::testing
