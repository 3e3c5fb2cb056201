// Framing a JSON stream into records, then parsing each record on its own.
//
// The idea: find where each record begins and ends with a cheap scan, and hand only that span to
// simdjson. Parsing record by record is what makes damage local: a bad line costs that line, not
// the file, and every record gets an exact line and byte offset. Two framings cover the layouts:
//
//  * Lines (JSON Lines): a record is a line. Finding it is one memchr for '\n', the fastest scan
//    there is, and a broken line can never swallow its neighbours, since JSON text never holds
//    a raw line break inside a string.
//  * Stream (an array of objects, one object, concatenated or pretty-printed objects): a
//    string-aware bracket counter finds where each top-level value closes. Inside a top-level
//    array each element is a record, so a 2 GB array streams like JSON Lines.
//
// The layout is chosen by looking at the first lines: if most sampled lines each hold exactly
// one object, it is JSON Lines. Stream framing cannot see damage the way line framing does, so
// it uses two resync hints: a raw line break inside a string ends the record (invalid JSON
// anyway), and in pretty-printed files (first line a lone '{') a '{' in column 0 always starts a
// new record, so a truncated object does not eat the next one. After damage, framing resumes at
// the next line that starts with '{'.
//
// Trade-offs: per-record parsing pays simdjson's small per-document setup on every record (a few
// hundred ns), which the benchmark shows is well under the cost of building the Event; in return
// there is no document_stream batch to poison with one bad record. Bytes live in a Window that
// only keeps the record being framed, so memory is flat in input size.
#include "read/json_reader.h"

#include <cstring>

#include "read/json_record.h"

namespace vigil {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A string-aware bracket counter over one top-level value that starts with '{' or '['.
// State survives across calls, so a value split over many window fills is scanned once.
struct BracketScan {
  uint32_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  uint64_t newlines = 0;
  bool pretty = false;  // cut at a column-0 '{' while the value is open

  enum class Stop { kNeedMore, kClosed, kBrokenString, kNextRecord };

  // Scans s[*pos..]; on kClosed *pos is one past the closing bracket; on kBrokenString it is the
  // raw line break; on kNextRecord the column-0 '{'; on kNeedMore s.size().
  Stop scan(std::string_view s, size_t* pos) {
    const char* d = s.data();
    size_t n = s.size();
    size_t i = *pos;
    while (i < n) {
      char c = d[i];
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        } else if (c == '\n') {
          *pos = i;
          return Stop::kBrokenString;
        }
        ++i;
        continue;
      }
      switch (c) {
        case '"': in_string = true; break;
        case '{':
          if (pretty && depth > 0 && i > 0 && d[i - 1] == '\n') {
            *pos = i;
            return Stop::kNextRecord;
          }
          ++depth;
          break;
        case '[': ++depth; break;
        case '}':
        case ']':
          if (--depth == 0) {
            *pos = i + 1;
            return Stop::kClosed;
          }
          break;
        case '\n': ++newlines; break;
        default: break;
      }
      ++i;
    }
    *pos = n;
    return Stop::kNeedMore;
  }
};

// True when `line` (blanks trimmed) holds exactly one object: starts with '{' and the bracket
// counter closes it at its last byte.
bool holds_one_object(std::string_view line) {
  size_t b = 0, e = line.size();
  while (b < e && is_blank(line[b])) ++b;
  while (e > b && is_blank(line[e - 1])) --e;
  if (e - b < 2 || line[b] != '{' || line[e - 1] != '}') return false;
  BracketScan scan;
  size_t pos = 0;
  std::string_view body = line.substr(b, e - b);
  return scan.scan(body, &pos) == BracketScan::Stop::kClosed && pos == body.size();
}

class JsonReader {
 public:
  JsonReader(Window& w, std::string_view name, EventSink& sink, const ReadOptions& opts,
             ReadStats& stats)
      : w_(w), name_(name), sink_(sink), opts_(opts), stats_(stats), parser_(opts.max_depth) {}

  void run() {
    if (w_.size() < 3 && !w_.at_end()) w_.fill();
    w_.consume(bom_length(w_.view()));
    if (w_.size() == 0 && !w_.at_end()) w_.fill();
    bool ok = looks_like_json_lines() ? read_lines() : read_stream();
    (void)ok;  // false only when the sink asked to stop
    if (!stats_.stopped && !w_.fault().ok()) {
      report(w_.offset() + w_.size(), 0, w_.fault().message());
    }
    stats_.bytes = w_.offset() + w_.size();
  }

 private:
  // Samples up to 16 non-blank lines of the first block.
  bool looks_like_json_lines() const {
    std::string_view v = w_.view();
    int sampled = 0, single = 0;
    size_t at = 0;
    while (at < v.size() && sampled < 16) {
      size_t nl = v.find('\n', at);
      if (nl == std::string_view::npos) {
        if (!w_.at_end()) break;  // an unfinished line says nothing
        nl = v.size();
      }
      std::string_view line = v.substr(at, nl - at);
      at = nl + 1;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      ++sampled;
      if (holds_one_object(line)) ++single;
    }
    return single > 0 && 2 * single >= sampled;
  }

  void report(uint64_t offset, uint64_t line, std::string message) {
    ReadIssue issue;
    issue.source = std::string(name_);
    issue.offset = offset;
    issue.line = line;
    issue.message = std::move(message);
    ++stats_.issues;
    sink_.on_issue(issue);
  }

  void report_damaged(uint64_t offset, uint64_t line, std::string message) {
    ++stats_.damaged;
    report(offset, line, std::move(message));
  }

  std::string too_long() const {
    return "record longer than " + std::to_string(opts_.max_record_bytes) + " bytes; skipped";
  }

  // Parses and delivers the record at `p` (inside the window). False when the sink stops.
  bool deliver(const char* p, size_t len, uint64_t line) {
    uint64_t offset = w_.offset() + static_cast<uint64_t>(p - w_.data());
    uint64_t index = index_++;
    size_t readable = static_cast<size_t>((w_.data() + w_.readable()) - p);
    Status st = parser_.parse(p, len, readable, ev_);
    if (!st.ok()) {
      report_damaged(offset, line, st.message());
      return true;
    }
    RecordRef ref;
    ref.source = name_;
    ref.index = index;
    ref.offset = offset;
    ref.line = line;
    ++stats_.records;
    if (!sink_.on_event(ev_, ref)) {
      stats_.stopped = true;
      return false;
    }
    return true;
  }

  // One line of JSON Lines at the window's front. False when the sink stops.
  bool handle_line(size_t len) {
    const char* d = w_.data();
    size_t first = 0;
    while (first < len && is_blank(d[first])) ++first;
    if (first == len) return true;  // blank lines are not records
    if (len - first > opts_.max_record_bytes) {
      ++index_;
      report_damaged(w_.offset() + first, line_, too_long());
      return true;
    }
    return deliver(d + first, len - first, line_);
  }

  bool read_lines() {
    size_t searched = 0;     // bytes of the current line already searched for '\n'
    bool oversized = false;  // the current line passed the limit and is being dropped
    while (true) {
      const char* d = w_.data();
      size_t n = w_.size();
      const void* hit = searched < n ? std::memchr(d + searched, '\n', n - searched) : nullptr;
      if (hit == nullptr) {
        if (!oversized && n > opts_.max_record_bytes) {
          ++index_;
          report_damaged(w_.offset(), line_, too_long());
          oversized = true;
        }
        if (oversized) {
          w_.consume(n);
          searched = 0;
        } else {
          searched = n;
        }
        if (w_.at_end()) {
          // The last line may lack its '\n'; a cut-off one fails to parse and is reported.
          if (!oversized && n > 0 && !handle_line(n)) return false;
          w_.consume(w_.size());
          return true;
        }
        w_.fill();
        continue;
      }
      size_t len = static_cast<size_t>(static_cast<const char*>(hit) - d);
      if (oversized) {
        oversized = false;
      } else if (!handle_line(len)) {
        return false;
      }
      w_.consume(len + 1);
      ++line_;
      searched = 0;
    }
  }

  // --- stream framing ---

  // Drops blanks, separators and array brackets before the next value; true when a value starts
  // at the window's front, false at the end of input.
  bool skip_between() {
    while (true) {
      std::string_view v = w_.view();
      size_t i = 0;
      for (; i < v.size(); ++i) {
        char c = v[i];
        if (c == '\n') {
          ++line_;
        } else if (c == ' ' || c == '\t' || c == '\r') {
          continue;
        } else if (in_array_ && c == ',') {
          continue;
        } else if (in_array_ && c == ']') {
          in_array_ = false;
        } else if (!in_array_ && c == '[') {
          in_array_ = true;
        } else if (c == '{' || in_array_) {
          w_.consume(i);
          return true;
        } else {
          break;  // bytes that cannot start a record
        }
      }
      w_.consume(i);
      if (i < v.size()) {
        report(w_.offset(), line_,
               "unexpected bytes between JSON records; skipped to the next line that starts an "
               "object");
        if (!resync()) return false;
        continue;
      }
      if (w_.at_end()) return false;
      w_.fill();
    }
  }

  // Drops bytes up to the next line whose first non-blank byte is '{' (column 0 when pretty).
  // True when one was found (it is then at the window's front), false at the end of input.
  bool resync() {
    while (true) {
      std::string_view v = w_.view();
      size_t nl = v.find('\n');
      if (nl == std::string_view::npos) {
        w_.consume(v.size());
        if (w_.at_end()) return false;
        w_.fill();
        continue;
      }
      size_t j = nl + 1;
      if (!pretty_) {
        while (j < v.size() && (v[j] == ' ' || v[j] == '\t' || v[j] == '\r')) ++j;
      }
      if (j == v.size() && !w_.at_end()) {
        w_.consume(nl);  // the next line's start is not in sight yet: read on and look again
        w_.fill();
        continue;
      }
      ++line_;
      if (j < v.size() && v[j] == '{') {
        w_.consume(j);
        return true;
      }
      w_.consume(nl + 1);
    }
  }

  // Frames the value at the window's front. Returns false when the sink stops.
  bool frame_value() {
    uint64_t line = line_;
    char first = w_.data()[0];
    size_t pos = 0;
    bool oversized = false;
    uint64_t start_offset = w_.offset();
    if (first != '{' && first != '[') {
      // A scalar array element: framed to its end so the record is reported as a non-object.
      bool in_string = first == '"';
      bool escaped = false;
      pos = 1;
      while (true) {
        std::string_view v = w_.view();
        bool ended = false;
        for (; pos < v.size() && !ended; ++pos) {
          char c = v[pos];
          if (!in_string) {
            ended = c == ',' || c == ']' || c == '}' || is_blank(c);
          } else if (escaped) {
            escaped = false;
          } else if (c == '\\') {
            escaped = true;
          } else if (c == '"') {
            in_string = false;
          } else if (c == '\n') {
            ended = true;
          }
        }
        if (ended) {
          --pos;  // the byte that ended the value is not part of it
          break;
        }
        if (w_.at_end() || v.size() > opts_.max_record_bytes) break;
        w_.fill();
      }
      bool go_on = deliver(w_.data(), pos, line);
      w_.consume(pos);
      return go_on;
    }
    BracketScan scan;
    scan.pretty = pretty_ && !in_array_;
    while (true) {
      BracketScan::Stop stop = scan.scan(w_.view(), &pos);
      if (stop == BracketScan::Stop::kNeedMore) {
        if (!oversized && pos > opts_.max_record_bytes) {
          ++index_;
          report_damaged(start_offset, line, too_long());
          oversized = true;
        }
        if (oversized) {  // keep scanning to find the end, but keep none of the bytes
          w_.consume(pos);
          pos = 0;
        }
        if (w_.at_end()) {
          if (!oversized) {
            ++index_;
            report_damaged(start_offset, line, "malformed JSON: record cut short by the end of input");
          }
          w_.consume(w_.size());
          line_ += scan.newlines;
          return true;
        }
        w_.fill();
        continue;
      }
      bool go_on = true;
      if (oversized) {
        // Already reported; drop the tail.
      } else if (stop == BracketScan::Stop::kClosed) {
        go_on = deliver(w_.data(), pos, line);
      } else {
        ++index_;
        report_damaged(start_offset, line,
                       stop == BracketScan::Stop::kBrokenString
                           ? "malformed JSON: string not closed on its line"
                           : "malformed JSON: object not closed before the next record");
      }
      w_.consume(pos);
      line_ += scan.newlines;
      if (stop == BracketScan::Stop::kBrokenString) {
        // The rest of the damaged record is not a record start: skip to the next one.
        if (!resync()) return true;
      }
      return go_on;
    }
  }

  bool read_stream() {
    {
      // Pretty-printed when the first line is a lone '{' in column 0.
      std::string_view v = w_.view();
      size_t nl = v.find('\n');
      std::string_view first_line = v.substr(0, nl == std::string_view::npos ? v.size() : nl);
      while (!first_line.empty() && is_blank(first_line.back())) first_line.remove_suffix(1);
      pretty_ = first_line == "{";
    }
    while (skip_between()) {
      if (!frame_value()) return false;
    }
    return true;
  }

  Window& w_;
  std::string_view name_;
  EventSink& sink_;
  const ReadOptions& opts_;
  ReadStats& stats_;
  JsonRecordParser parser_;
  Event ev_;
  uint64_t index_ = 0;
  uint64_t line_ = 1;  // line of the window's front byte
  bool in_array_ = false;
  bool pretty_ = false;
};

}  // namespace

Status read_json(Window& window, std::string_view name, EventSink& sink, const ReadOptions& opts,
                 ReadStats& stats) {
  stats.format = Format::kJson;
  JsonReader reader(window, name, sink, opts, stats);
  reader.run();
  return Status::Ok();
}

}  // namespace vigil
