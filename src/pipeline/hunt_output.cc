#include "pipeline/hunt_output.h"

#include <unistd.h>

#include <charconv>
#include <cstring>

#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"

namespace vigil {

bool parse_hunt_format(std::string_view name, HuntFormat* out) {
  if (iequals(name, "table")) *out = HuntFormat::kTable;
  else if (iequals(name, "csv")) *out = HuntFormat::kCsv;
  else if (iequals(name, "json")) *out = HuntFormat::kJson;
  else if (iequals(name, "jsonl") || iequals(name, "ndjson")) *out = HuntFormat::kJsonl;
  else return false;
  return true;
}

namespace {

struct RuleView {
  const std::string* id;
  const std::string* title;
  const std::string* level;
  const std::vector<std::string>* tags;
};

RuleView view(const Detection& d, const sigma::RuleSet& rules) {
  if (d.correlation) {
    const auto& c = rules.correlations()[d.rule];
    return {&c.id, &c.title, &c.level, &c.tags};
  }
  const auto& r = rules.rules()[d.rule];
  return {&r.id, &r.title, &r.level, &r.tags};
}

std::string time_text(const Detection& d) { return d.has_time ? format_time_us(d.time_us) : ""; }

// Single-line rendering of a value for the terminal: control characters become spaces.
std::string flat(std::string_view s, size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  if (s.size() > max && max > 3) out.replace(max - 3, 3, "...");
  return out;
}

std::string short_level(const std::string& level) {
  switch (level_rank(level)) {
    case 4: return "crit";
    case 3: return "high";
    case 2: return "med";
    case 1: return "low";
    case 0: return "info";
  }
  return level.substr(0, 4);
}

class TableWriter : public DetectionWriter {
 public:
  TableWriter(FILE* out, const sigma::RuleSet& rules, size_t width)
      : out_(out), rules_(rules), width_(std::max<size_t>(width, 60)) {}
  void begin() override {
    std::fprintf(out_, "%-19s %-4s %-12s %s\n", "TIME (UTC)", "LVL", "COMPUTER", "RULE");
  }
  void write(const Detection& d) override {
    RuleView r = view(d, rules_);
    std::string t = d.has_time ? format_time_us(d.time_us).substr(0, 19) : "-";
    if (t.size() > 10) t[10] = ' ';
    std::string comp = d.computer.empty() ? "-" : d.computer;
    size_t dot = comp.find('.');
    if (dot != std::string::npos && dot > 0) comp = comp.substr(0, dot);
    std::string title = (d.correlation ? "[corr] " : "") + *r.title;
    size_t title_room = width_ - 19 - 1 - 4 - 1 - 12 - 1;
    std::fprintf(out_, "%-19s %-4s %-12s %s\n", t.c_str(), short_level(*r.level).c_str(),
                 flat(comp, 12).c_str(), flat(title, title_room).c_str());
    size_t shown = 0;
    for (const auto& [k, v] : d.fields) {
      if (shown++ == 2) break;
      std::string line = "    " + k + ": " + v;
      std::fprintf(out_, "%s\n", flat(line, width_).c_str());
    }
  }
  void flush() override { std::fflush(out_); }

 private:
  FILE* out_;
  const sigma::RuleSet& rules_;
  size_t width_;
};

void csv_cell(std::string& out, std::string_view v) {
  bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

class CsvWriter : public DetectionWriter {
 public:
  CsvWriter(FILE* out, const sigma::RuleSet& rules, const std::vector<std::string>* inputs)
      : out_(out), rules_(rules), inputs_(inputs) {}
  void begin() override {
    std::fputs("timestamp,level,rule_title,rule_id,computer,channel,event_id,record_id,source,"
               "record_index,details\n",
               out_);
  }
  void write(const Detection& d) override {
    RuleView r = view(d, rules_);
    std::string line;
    std::string details;
    for (const auto& [k, v] : d.fields) {
      if (!details.empty()) details += " ¦ ";
      details += k + ": " + v;
    }
    const std::string src = d.input < inputs_->size() ? (*inputs_)[d.input] : "";
    const std::string* cells[] = {nullptr, r.level, r.title, r.id, &d.computer, &d.channel,
                                  &d.event_id};
    std::string t = time_text(d);
    csv_cell(line, t);
    for (size_t i = 1; i < std::size(cells); ++i) {
      line += ',';
      csv_cell(line, *cells[i]);
    }
    line += ',' + std::to_string(d.record_id) + ',';
    csv_cell(line, src);
    line += ',' + std::to_string(d.record_index) + ',';
    csv_cell(line, details);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), out_);
  }
  void flush() override { std::fflush(out_); }

 private:
  FILE* out_;
  const sigma::RuleSet& rules_;
  const std::vector<std::string>* inputs_;
};

// Renders detections as JSON objects. Detections of one event share their time, computer,
// channel, event id and, unless a rule names its own `fields:`, their key fields; a rule's id,
// title, level and tags never change; the date changes once a day. So each of those is kept
// rendered and reused while it repeats: a detection costs mostly the copy of bytes already
// escaped. The text is the same as rendering everything anew (detection_json does that, through
// this class with no memory).
class DetectionRenderer {
 public:
  DetectionRenderer(const sigma::RuleSet& rules, bool memo) : rules_(rules), memo_(memo) {}

  // The members are written straight into `out` in JsonWriter's compact form (keys are fixed
  // and need no escaping; integers in decimal, as JsonWriter writes them), a few appends per
  // line; a correlation's extra members go through JsonWriter.
  void render(const Detection& d, const std::vector<std::string>& inputs, std::string& out) {
    auto source = [&](uint32_t input) {
      return input < inputs.size() ? std::string_view(inputs[input]) : std::string_view();
    };
    time_json(d, out);  // {"timestamp":...,
    out += rule_members(d);
    out += event_json(d);  // ,"computer":...,"channel":...,"event_id":...
    number_member(",\"record_id\":", d.record_id, out);
    if (!memo_ || !source_ready_ || d.input != source_input_) {
      source_json_ = ",\"source\":";
      string(source(d.input), source_json_);
      source_input_ = d.input;
      source_ready_ = memo_;
    }
    out += source_json_;
    number_member(",\"record_index\":", d.record_index, out);
    out += fields_json(d);  // ,"fields":{...}}
    if (d.correlation) {
      JsonWriter w(out);
      w.continue_object();
      w.field("correlation", true).field("first_timestamp", format_time_us(d.first_us));
      w.key("group").begin_array();
      for (const std::string& g : d.group) w.value(g);
      w.end_array();
      w.field("value", d.value).field("event_count", d.event_count);
      w.key("events").begin_array();
      for (const auto& [input, index] : d.events) {
        w.begin_object().field("source", source(input)).field("record_index", index).end_object();
      }
      w.end_array();
      w.end_object();
    }
  }

 private:
  static void string(std::string_view s, std::string& out) {
    out += '"';
    json_escape(s, out);
    out += '"';
  }
  template <typename T>
  static void number(T v, std::string& out) {
    char buf[24];
    out.append(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
  }
  // `key` (a literal: ,"name":) and the decimal `v`, in one append.
  template <size_t N>
  static void number_member(const char (&key)[N], uint64_t v, std::string& out) {
    char buf[N + 24];
    std::memcpy(buf, key, N - 1);
    char* end = std::to_chars(buf + N - 1, buf + sizeof buf, v).ptr;
    out.append(buf, static_cast<size_t>(end - buf));
  }

  // ,"computer":...,"channel":...,"event_id":... (a number when the text is one), kept while the
  // event's texts repeat.
  std::string_view event_json(const Detection& d) {
    if (memo_ && event_ready_ && computer_ == d.computer && channel_ == d.channel && event_id_ == d.event_id) {
      return event_json_;
    }
    event_json_ = ",\"computer\":";
    string(d.computer, event_json_);
    event_json_ += ",\"channel\":";
    string(d.channel, event_json_);
    event_json_ += ",\"event_id\":";
    int64_t id;
    if (!d.event_id.empty() && parse_int(d.event_id, &id)) {
      number(id, event_json_);
    } else {
      string(d.event_id, event_json_);
    }
    if (memo_) {
      computer_ = d.computer;
      channel_ = d.channel;
      event_id_ = d.event_id;
      event_ready_ = true;
    }
    return event_json_;
  }

  // "rule_id":...,"rule_title":...,"level":...,"tags":[...]
  std::string_view rule_members(const Detection& d) {
    std::string* slot = &scratch_rule_;
    if (memo_ && !d.correlation) {
      if (rule_json_.size() <= d.rule) rule_json_.resize(d.rule + 1);
      slot = &rule_json_[d.rule];
      if (!slot->empty()) return *slot;
    }
    RuleView r = view(d, rules_);
    std::string obj;
    JsonWriter w(obj);
    w.begin_object();
    w.field("rule_id", *r.id).field("rule_title", *r.title);
    w.field("level", *r.level);
    w.key("tags").begin_array();
    for (const std::string& tag : *r.tags) w.value(tag);
    w.end_array();
    w.end_object();
    slot->assign(obj, 1, obj.size() - 2);  // the members, without the braces
    return *slot;
  }

  // {"timestamp":"...", — format_time_us is the date, "T", the time of day as hh:mm:ss, six
  // digits of microseconds and "Z": the date (escaped, after the key and quote) is kept per day,
  // the rest written here.
  void time_json(const Detection& d, std::string& out) {
    constexpr std::string_view kKey = "{\"timestamp\":";
    if (!d.has_time) {
      out += kKey;
      out += "\"\",";
      return;
    }
    const int64_t us = d.time_us;
    if (us < INT64_MIN / 2) {  // far outside any log; kept away from overflow below
      out += kKey;
      string(format_time_us(us), out);
      out += ',';
      return;
    }
    constexpr int64_t kDay = 86400;
    const int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
    const int64_t day = secs >= 0 ? secs / kDay : (secs - kDay + 1) / kDay;
    if (!memo_ || !day_ready_ || day != day_) {
      std::string midnight = format_time_us(day * kDay * 1000000);  // ends in "00:00:00.000000Z"
      midnight.resize(midnight.size() - 16);
      day_json_ = kKey;
      day_json_ += '"';
      json_escape(midnight, day_json_);
      day_ = day;
      day_ready_ = memo_;
    }
    auto two = [](char* at, int64_t v) {
      at[0] = static_cast<char>('0' + v / 10);
      at[1] = static_cast<char>('0' + v % 10);
    };
    const int64_t of_day = secs - day * kDay;
    char text[18];  // hh:mm:ss.uuuuuuZ",
    two(text, of_day / 3600);
    text[2] = ':';
    two(text + 3, of_day / 60 % 60);
    text[5] = ':';
    two(text + 6, of_day % 60);
    text[8] = '.';
    int64_t frac = us - secs * 1000000;
    for (int k = 14; k >= 9; --k) {
      text[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    text[15] = 'Z';
    text[16] = '"';
    text[17] = ',';
    out += day_json_;
    out.append(text, sizeof text);
  }

  // ,"fields":{"name":"value",...}} (the object as JsonWriter writes it, and the line's end).
  // The same fields are known by their version (the hunt's detections carry one), else by
  // comparing them with the last ones.
  std::string_view fields_json(const Detection& d) {
    if (memo_ && fields_ready_ &&
        (d.fields_version != 0 ? d.fields_version == fields_version_
                               : fields_version_ == 0 && d.fields == fields_)) {
      return fields_json_;
    }
    fields_json_ = ",\"fields\":{";
    for (size_t k = 0; k < d.fields.size(); ++k) {
      if (k) fields_json_ += ',';
      string(d.fields[k].first, fields_json_);
      fields_json_ += ':';
      string(d.fields[k].second, fields_json_);
    }
    fields_json_ += "}}";
    if (memo_) {
      fields_version_ = d.fields_version;
      if (fields_version_ == 0) fields_ = d.fields;
      fields_ready_ = true;
    }
    return fields_json_;
  }

  const sigma::RuleSet& rules_;
  bool memo_;
  std::vector<std::string> rule_json_;  // per rule index, empty = not rendered yet
  std::string scratch_rule_;
  bool day_ready_ = false, event_ready_ = false, fields_ready_ = false, source_ready_ = false;
  int64_t day_ = 0;
  uint64_t fields_version_ = 0;  // of fields_json_; 0: fields_ holds its fields
  uint32_t source_input_ = 0;
  std::string day_json_, event_json_, fields_json_, source_json_;
  std::string computer_, channel_, event_id_;  // of event_json_
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Lines are collected and written 64 KiB at a time (one fwrite per line cost a tenth of a
// detection's rendering), each at once to a terminal so that a person sees them as they come.
class JsonDetectionWriter : public DetectionWriter {
 public:
  JsonDetectionWriter(FILE* out, const sigma::RuleSet& rules, const std::vector<std::string>* inputs,
             bool lines)
      : out_(out), inputs_(inputs), lines_(lines), renderer_(rules, true) {
    const int fd = fileno(out);
    batch_ = fd >= 0 && isatty(fd) ? 0 : kBatch;
  }
  void begin() override {
    if (!lines_) buf_ += '[';
    flush_if_full();
  }
  void write(const Detection& d) override {
    if (!lines_) buf_ += first_ ? "\n" : ",\n";
    first_ = false;
    renderer_.render(d, *inputs_, buf_);
    if (lines_) buf_ += '\n';
    flush_if_full();
  }
  void end() override {
    if (!lines_) buf_ += first_ ? "]\n" : "\n]\n";
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
    buf_.clear();
  }
  void flush() override {
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
    buf_.clear();
    std::fflush(out_);
  }

 private:
  static constexpr size_t kBatch = 64 * 1024;
  void flush_if_full() {
    if (buf_.size() < batch_) return;
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
    buf_.clear();
  }

  FILE* out_;
  const std::vector<std::string>* inputs_;
  bool lines_;
  bool first_ = true;
  size_t batch_;
  std::string buf_;
  DetectionRenderer renderer_;
};

}  // namespace

void detection_json(const Detection& d, const sigma::RuleSet& rules,
                    const std::vector<std::string>& inputs, std::string& out) {
  DetectionRenderer(rules, false).render(d, inputs, out);
}

std::unique_ptr<DetectionWriter> make_detection_writer(HuntFormat format, FILE* out,
                                                       const sigma::RuleSet& rules,
                                                       const std::vector<std::string>* inputs,
                                                       size_t width) {
  switch (format) {
    case HuntFormat::kTable: return std::make_unique<TableWriter>(out, rules, width);
    case HuntFormat::kCsv: return std::make_unique<CsvWriter>(out, rules, inputs);
    case HuntFormat::kJson: return std::make_unique<JsonDetectionWriter>(out, rules, inputs, false);
    case HuntFormat::kJsonl: return std::make_unique<JsonDetectionWriter>(out, rules, inputs, true);
  }
  return nullptr;
}

}  // namespace vigil
