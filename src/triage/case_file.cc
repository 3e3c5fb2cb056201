#include "triage/case_file.h"

#include <fstream>
#include <sstream>

#include "core/text.h"

namespace vigil::triage::testing {

bool parse_offset(std::string_view s, int64_t* seconds) {
  int64_t total = 0, num = 0;
  bool digits = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      num = num * 10 + (c - '0');
      digits = true;
      continue;
    }
    if (!digits) return false;
    int64_t unit = c == 's' ? 1 : c == 'm' ? 60 : c == 'h' ? 3600 : c == 'd' ? 86400 : 0;
    if (unit == 0) return false;
    total += num * unit;
    num = 0;
    digits = false;
  }
  if (digits) return false;
  *seconds = total;
  return !s.empty();
}

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t next = s.find(sep, pos);
    out.push_back(trim(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos)));
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return out;
}

// Takes the next whitespace-separated word off the front of `s`.
std::string_view word(std::string_view& s) {
  s = trim(s);
  size_t end = s.find_first_of(" \t");
  std::string_view w = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
  return w;
}

}  // namespace

Result<Case> parse_case(std::string_view text, std::string name) {
  Case c;
  c.name = std::move(name);
  int lineno = 0;
  for (std::string_view line : split(text, '\n')) {
    ++lineno;
    std::string where = c.name + ":" + std::to_string(lineno) + ": ";
    if (line.empty() || line[0] == '#') continue;
    std::string_view rest = line;
    std::string_view verb = word(rest);
    if (verb == "expect") {
      std::string_view what = word(rest);
      int64_t n = 0;
      if (what != "surfaced" || !parse_int(trim(rest), &n)) return Invalid(where + "expect surfaced N");
      c.expect_surfaced = static_cast<int>(n);
      continue;
    }
    int64_t from = 0, to = 0, step = 0, count = 1, over = 0;
    if (verb == "every") {
      std::string_view period = word(rest);
      std::string_view range = word(rest);
      size_t dots = range.find("..");
      if (!parse_offset(period, &step) || step <= 0 || dots == std::string_view::npos ||
          !parse_offset(range.substr(0, dots), &from) || !parse_offset(range.substr(dots + 2), &to)) {
        return Invalid(where + "every PERIOD FROM..TO");
      }
    } else if (verb == "at") {
      if (!parse_offset(word(rest), &from)) return Invalid(where + "at TIME");
      std::string_view probe = trim(rest);
      if (!probe.empty() && probe[0] == 'x') {
        std::string_view n = word(rest);
        if (!parse_int(n.substr(1), &count) || count < 1) return Invalid(where + "xN needs a count");
        std::string_view save = rest;
        if (word(rest) == "over") {
          if (!parse_offset(word(rest), &over)) return Invalid(where + "over DURATION");
        } else {
          rest = save;
        }
      }
    } else {
      return Invalid(where + "lines start with every, at or expect");
    }
    size_t at = rest.rfind(" @ ");
    size_t arrow = rest.rfind("=>");
    if (at == std::string_view::npos || arrow == std::string_view::npos || arrow < at) {
      return Invalid(where + "expected 'Sensor: title @ hosts => expectation'");
    }
    std::string_view title = trim(rest.substr(0, at));
    std::vector<std::string_view> hosts = split(rest.substr(at + 3, arrow - at - 3), ',');
    std::string expect(trim(rest.substr(arrow + 2)));
    std::vector<int64_t> times;
    if (verb == "every") {
      for (int64_t t = from; t < to; t += step) times.push_back(t);
    } else {
      for (int64_t i = 0; i < count; ++i) times.push_back(from + (count > 1 ? over * i / count : 0));
    }
    for (int64_t t : times) {
      for (std::string_view h : hosts) {
        c.alerts.push_back({kCaseEpoch + t, std::string(title), std::string(h), expect});
      }
    }
  }
  return c;
}

Result<Case> load_case(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string name = path.substr(path.find_last_of('/') + 1);
  return parse_case(buf.str(), name);
}

}  // namespace vigil::triage::testing
