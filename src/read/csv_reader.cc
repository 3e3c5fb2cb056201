// CSV rows by a small resumable state machine.
//
// RFC 4180 has one subtle rule: inside double quotes, delimiters and line breaks are data and a
// doubled quote is one quote. So a row cannot be found with a line search alone; it ends at the
// first line break outside quotes. The scanner walks the row once, remembering each field as a
// span relative to the row's start; when the window runs dry mid-row it keeps its state, the
// window keeps the row's bytes, and scanning resumes after the next fill, so a row is never
// scanned twice. Unquoted fields and quoted fields without doubled quotes are handed to the
// Event as views into the window (it outlives the callback); only fields with doubled quotes
// are unescaped, into the Event's arena.
//
// Leniency, chosen to read real exports: a quote inside an unquoted field is kept as data (many
// tools write them); a bare CR before LF ends a row like LF; blank lines are skipped. Strictness
// where it catches damage: a row whose field count differs from the header, a byte other than a
// delimiter or line break after a closing quote, and an unclosed quote at the end of input make
// the row reported and skipped. Column subsets are applied after scanning (every field is still
// framed, since a later field's position depends on the earlier ones), but only kept columns
// become Event nodes.
#include "read/csv_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/text.h"

namespace vigil {
namespace {

struct Field {
  size_t begin;  // relative to the row start
  size_t end;
  bool doubled_quotes;
};

class CsvReader {
 public:
  CsvReader(Window& w, std::string_view name, EventSink& sink, const ReadOptions& opts,
            ReadStats& stats)
      : w_(w), name_(name), sink_(sink), opts_(opts), stats_(stats) {}

  Status run() {
    if (w_.size() < 3 && !w_.at_end()) w_.fill();
    w_.consume(bom_length(w_.view()));
    delim_ = opts_.csv_delimiter != 0 ? opts_.csv_delimiter : guess_delimiter(w_.view());
    Status st = read_header();
    if (st.ok()) {
      while (true) {
        RowEnd end = next_row();
        if (end == RowEnd::kEndOfInput) break;
        if (end == RowEnd::kBadRow) report_bad_row();
        if (end == RowEnd::kRow && !emit_row()) break;
        finish_row();
      }
    }
    if (st.ok() && !stats_.stopped && !w_.fault().ok()) {
      report(w_.offset() + w_.size(), 0, w_.fault().message());
    }
    stats_.bytes = w_.offset() + w_.size();
    return st;
  }

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteSeen, kSkipToEol };
  enum class RowEnd { kRow, kBadRow, kBlank, kEndOfInput };

  static char guess_delimiter(std::string_view head) {
    std::string_view line = head.substr(0, head.find('\n'));
    size_t commas = 0, semicolons = 0, tabs = 0;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      if (quoted) continue;
      commas += c == ',';
      semicolons += c == ';';
      tabs += c == '\t';
    }
    if (tabs > commas && tabs >= semicolons) return '\t';
    if (semicolons > commas) return ';';
    return ',';
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

  Status read_header() {
    RowEnd end;
    do {
      end = next_row();
      if (end == RowEnd::kBlank) finish_row();
    } while (end == RowEnd::kBlank);
    if (end == RowEnd::kEndOfInput) return Status::Ok();  // empty input: no rows
    if (end == RowEnd::kBadRow) {
      std::string msg = "malformed CSV header: " + bad_reason_;
      finish_row();
      return Corrupt(msg);
    }
    std::string scratch;
    for (size_t i = 0; i < fields_.size(); ++i) {
      std::string name(trim(field_text(fields_[i], scratch)));
      if (name.empty()) name = "column" + std::to_string(i + 1);
      names_.push_back(std::move(name));
    }
    keep_.assign(names_.size(), opts_.csv_columns.empty());
    for (const std::string& wanted : opts_.csv_columns) {
      auto it = std::find(names_.begin(), names_.end(), wanted);
      if (it == names_.end()) {
        finish_row();
        return NotFound("CSV column '" + wanted + "' is not in the header");
      }
      keep_[static_cast<size_t>(it - names_.begin())] = true;
    }
    finish_row();
    return Status::Ok();
  }

  // The text of a field of the row at the window's front; unescapes into `out` when needed.
  std::string_view field_text(const Field& f, std::string& out) const {
    std::string_view raw(w_.data() + f.begin, f.end - f.begin);
    if (!f.doubled_quotes) return raw;
    out.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      out.push_back(raw[i]);
      if (raw[i] == '"' && i + 1 < raw.size() && raw[i + 1] == '"') ++i;
    }
    return out;
  }

  bool emit_row() {
    uint64_t index = index_++;
    if (fields_.size() != names_.size()) {
      ++stats_.damaged;
      report(row_offset_, row_line_,
             "CSV row has " + std::to_string(fields_.size()) + " fields, the header has " +
                 std::to_string(names_.size()) + "; skipped");
      return true;
    }
    ev_.clear();
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (!keep_[i]) continue;
      const Field& f = fields_[i];
      std::string_view text(w_.data() + f.begin, f.end - f.begin);
      if (f.doubled_quotes) {
        char* out = ev_.allocate(text.size());
        size_t n = 0;
        for (size_t k = 0; k < text.size(); ++k) {
          out[n++] = text[k];
          if (text[k] == '"' && k + 1 < text.size() && text[k + 1] == '"') ++k;
        }
        text = std::string_view(out, n);
      }
      ev_.add_string(names_[i], text);
    }
    RecordRef ref;
    ref.source = name_;
    ref.index = index;
    ref.offset = row_offset_;
    ref.line = row_line_;
    ++stats_.records;
    if (!sink_.on_event(ev_, ref)) {
      stats_.stopped = true;
      return false;
    }
    return true;
  }

  // Drops the row just handled from the window and moves the line count past it.
  void finish_row() {
    w_.consume(pos_);
    line_ += row_newlines_;
    pos_ = 0;
  }

  void end_field(size_t end) {
    fields_.push_back({field_begin_, end, doubled_});
  }

  // Scans the next row at the window's front. The row's bytes are [0, pos_) afterwards.
  RowEnd next_row() {
    fields_.clear();
    pos_ = 0;
    row_newlines_ = 0;
    state_ = State::kFieldStart;
    row_line_ = line_;
    row_offset_ = w_.offset();
    bool reported_long = false;
    while (true) {
      std::string_view v = w_.view();
      std::optional<RowEnd> end = scan(v);
      if (end) return *end;
      if (!reported_long && pos_ > opts_.max_record_bytes) {
        reported_long = true;
        bad_reason_ = "row longer than " + std::to_string(opts_.max_record_bytes) + " bytes";
        state_ = State::kSkipToEol;
      }
      if (state_ == State::kSkipToEol) {  // a dropped row keeps none of its bytes
        w_.consume(pos_);
        pos_ = 0;
      }
      if (w_.at_end()) return end_of_input();
      w_.fill();
    }
  }

  RowEnd end_of_input() {
    size_t n = w_.size();
    switch (state_) {
      case State::kFieldStart:
        if (fields_.empty()) return RowEnd::kEndOfInput;
        field_begin_ = n;
        doubled_ = false;
        end_field(n);
        break;
      case State::kUnquoted: {
        size_t end = n;
        if (end > field_begin_ && w_.data()[end - 1] == '\r') --end;
        end_field(end);
        break;
      }
      case State::kQuoteSeen:
        end_field(quote_at_);
        break;
      case State::kQuoted:
        bad_reason_ = "quoted field not closed before the end of input";
        pos_ = n;
        return RowEnd::kBadRow;
      case State::kSkipToEol:
        pos_ = n;
        return RowEnd::kBadRow;
    }
    pos_ = n;
    return complete_row();
  }

  void report_bad_row() {
    ++index_;
    ++stats_.damaged;
    report(row_offset_, row_line_, "malformed CSV row: " + bad_reason_ + "; skipped");
  }

  RowEnd complete_row() {
    if (fields_.size() == 1 && fields_[0].begin == fields_[0].end) return RowEnd::kBlank;
    return RowEnd::kRow;
  }

  // Advances pos_ through `v`; returns how the row ended, or nothing when `v` ran out first.
  std::optional<RowEnd> scan(std::string_view v) {
    const char* d = v.data();
    size_t n = v.size();
    while (pos_ < n) {
      switch (state_) {
        case State::kFieldStart:
          doubled_ = false;
          if (d[pos_] == '"') {
            field_begin_ = ++pos_;
            state_ = State::kQuoted;
          } else {
            field_begin_ = pos_;
            state_ = State::kUnquoted;
          }
          break;
        case State::kUnquoted: {
          size_t i = pos_;
          while (i < n && d[i] != delim_ && d[i] != '\n') ++i;
          pos_ = i;
          if (i == n) return std::nullopt;
          size_t end = i;
          if (d[i] == '\n' && end > field_begin_ && d[end - 1] == '\r') --end;
          end_field(end);
          ++pos_;
          if (d[i] == '\n') {
            ++row_newlines_;
            return complete_row();
          }
          state_ = State::kFieldStart;
          break;
        }
        case State::kQuoted: {
          const void* hit = std::memchr(d + pos_, '"', n - pos_);
          size_t stop = hit ? static_cast<size_t>(static_cast<const char*>(hit) - d) : n;
          row_newlines_ += static_cast<uint64_t>(std::count(d + pos_, d + stop, '\n'));
          pos_ = stop;
          if (hit == nullptr) return std::nullopt;
          quote_at_ = pos_++;
          state_ = State::kQuoteSeen;
          break;
        }
        case State::kQuoteSeen: {
          char c = d[pos_];
          if (c == '"') {
            doubled_ = true;
            ++pos_;
            state_ = State::kQuoted;
          } else if (c == delim_) {
            end_field(quote_at_);
            ++pos_;
            state_ = State::kFieldStart;
          } else if (c == '\n' || c == '\r') {
            if (c == '\r') {
              if (pos_ + 1 == n) return std::nullopt;  // need to see what follows the CR
              if (d[pos_ + 1] != '\n') {
                bad_reason_ = "byte after a closing quote";
                state_ = State::kSkipToEol;
                break;
              }
              ++pos_;
            }
            end_field(quote_at_);
            ++pos_;
            ++row_newlines_;
            return complete_row();
          } else {
            bad_reason_ = "byte after a closing quote";
            state_ = State::kSkipToEol;
          }
          break;
        }
        case State::kSkipToEol: {
          const void* hit = std::memchr(d + pos_, '\n', n - pos_);
          if (hit == nullptr) {
            pos_ = n;
            return std::nullopt;
          }
          pos_ = static_cast<size_t>(static_cast<const char*>(hit) - d) + 1;
          ++row_newlines_;
          return RowEnd::kBadRow;
        }
      }
    }
    return std::nullopt;
  }

  Window& w_;
  std::string_view name_;
  EventSink& sink_;
  const ReadOptions& opts_;
  ReadStats& stats_;
  char delim_ = ',';
  std::vector<std::string> names_;
  std::vector<bool> keep_;
  Event ev_;

  // Row scan state, relative to the window's front.
  std::vector<Field> fields_;
  State state_ = State::kFieldStart;
  size_t pos_ = 0;
  size_t field_begin_ = 0;
  size_t quote_at_ = 0;  // the closing quote of the current quoted field
  bool doubled_ = false;
  uint64_t row_newlines_ = 0;
  uint64_t row_line_ = 1;
  uint64_t row_offset_ = 0;
  std::string bad_reason_;

  uint64_t index_ = 0;
  uint64_t line_ = 1;
};

}  // namespace

Status read_csv(Window& window, std::string_view name, EventSink& sink, const ReadOptions& opts,
                ReadStats& stats) {
  stats.format = Format::kCsv;
  CsvReader reader(window, name, sink, opts, stats);
  return reader.run();
}

}  // namespace vigil
