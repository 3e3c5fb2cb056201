// Evaluation of one field test against one event.
//
// The semantics, in one place:
//  - a field is looked up through the event's layout (core/fields.h) after the log source's
//    renames; an array value matches when any element matches;
//  - `null` matches an absent field or a JSON null; every other test needs the field present,
//    and a null value reads as the empty string (so `''` matches an empty or null field);
//  - values are OR-ed, or AND-ed with |all; |neq needs the field present and equal to none;
//  - |exists checks presence only (a null value is present);
//  - a keyword test (no field) looks at every string value of the event (not the xmlns
//    schema URL evtx_dump puts on every record);
//  - a value whose literal the matcher's scan did not find anywhere in the event (absent()) is
//    not tried: it cannot match.
#include "detect/field_test.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#include "core/text.h"
#include "core/time.h"

namespace vigil::sigma {
namespace {

bool compare(double lhs, CompareOp op, double rhs) {
  switch (op) {
    case CompareOp::kEq: return lhs == rhs;
    case CompareOp::kLt: return lhs < rhs;
    case CompareOp::kLte: return lhs <= rhs;
    case CompareOp::kGt: return lhs > rhs;
    case CompareOp::kGte: return lhs >= rhs;
  }
  return false;
}

// Civil date from days since 1970-01-01 (proleptic Gregorian).
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

// ISO 8601 week number (1..53) of a day.
int iso_week(int64_t days) {
  const int64_t weekday = ((days % 7) + 7 + 3) % 7;  // Monday = 0 (1970-01-01 was a Thursday)
  const int64_t thursday = days - weekday + 3;       // the Thursday of this ISO week
  int64_t y;
  unsigned m, d;
  civil_from_days(thursday, &y, &m, &d);
  const int64_t jan1 = days_from_civil(y, 1, 1);
  return static_cast<int>((thursday - jan1) / 7 + 1);
}

bool time_part(std::string_view text, TimePart part, double* out) {
  auto us = parse_time_us(trim(text));
  if (!us) return false;
  int64_t secs = *us / 1000000;
  if (*us < 0 && *us % 1000000 != 0) --secs;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  switch (part) {
    case TimePart::kMinute: *out = static_cast<double>((rem / 60) % 60); return true;
    case TimePart::kHour: *out = static_cast<double>(rem / 3600); return true;
    case TimePart::kDay: *out = d; return true;
    case TimePart::kWeek: *out = iso_week(days); return true;
    case TimePart::kMonth: *out = m; return true;
    case TimePart::kYear: *out = static_cast<double>(y); return true;
    case TimePart::kNone: return false;
  }
  return false;
}

bool parse_address(std::string_view text, bool* v6, uint8_t out[16]) {
  text = trim(text);
  char buf[64];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (inet_pton(AF_INET, buf, out) == 1) {
    *v6 = false;
    return true;
  }
  // Zone ids (fe80::1%eth0) do not change the address.
  if (char* pct = std::strchr(buf, '%')) *pct = '\0';
  if (inet_pton(AF_INET6, buf, out) == 1) {
    *v6 = true;
    return true;
  }
  return false;
}

bool ref_matches(std::string_view a, std::string_view b, RefMode mode, bool cased) {
  auto eq = [&](std::string_view x, std::string_view y) { return cased ? x == y : iequals(x, y); };
  switch (mode) {
    case RefMode::kEquals: return eq(a, b);
    case RefMode::kStartsWith: return a.size() >= b.size() && eq(a.substr(0, b.size()), b);
    case RefMode::kEndsWith: return a.size() >= b.size() && eq(a.substr(a.size() - b.size()), b);
    case RefMode::kContains:
      return cased ? a.find(b) != std::string_view::npos : ifind(a, b) != std::string_view::npos;
  }
  return false;
}

// Strings at least this long run a line-bound regex line by line (search_lines); on shorter
// ones finding the lines costs about what RE2 does.
constexpr size_t kLinesFrom = 512;

// One test against one scalar (or object) value; `v` is valid.
bool scalar_matches(const ValueTest& t, Value v, EvalContext& ctx) {
  switch (t.kind) {
    case ValueTest::kNull:
      return v.is_null();
    case ValueTest::kPattern:
      if (t.pattern.cased() || !ctx.fold_once) return t.pattern.match(v.text(ctx.scratch));
      return t.pattern.match_folded(ctx.lowered(v));
    case ValueTest::kRegex: {
      const std::string_view text = v.text(ctx.scratch);
      if (ctx.regex_shortcuts) {
        if (text.size() < t.min_size) return false;
        if (t.long_run.min) return t.long_run.found_in(text);
        // A long string: RE2 only around the lines holding the needed literal (search_lines).
        if (!t.line_needle.empty() && v.is_string() && text.size() >= kLinesFrom && ctx.fold_once) {
          return search_lines(*t.regex, text, ctx.lowered(v), t.line_needle, t.line_rare, t.max_newlines);
        }
      }
      return RE2::PartialMatch(text, *t.regex);
    }
    case ValueTest::kCompare: {
      double d;
      if (t.part == TimePart::kNone) {
        if (!v.as_double(&d)) return false;
      } else if (!time_part(v.text(ctx.scratch), t.part, &d)) {
        return false;
      }
      return compare(d, t.op, t.number);
    }
    case ValueTest::kCidr:
      return t.cidr.contains(v.text(ctx.scratch));
    case ValueTest::kFieldRef: {
      Value other = ctx.field(t.ref_field, t.ref_id);
      if (!other) return false;
      std::string_view a = v.text(ctx.scratch);
      std::string_view b = other.text(ctx.scratch2);
      return ref_matches(a, b, t.ref_mode, t.ref_cased);
    }
  }
  return false;
}

bool value_matches(const ValueTest& t, Value v, EvalContext& ctx) {
  if (t.kind == ValueTest::kNull) return !v || v.is_null();
  if (!v || ctx.absent(t)) return false;
  if (v.kind() == Kind::kArray) {
    for (Value c = v.first_child(); c; c = c.next()) {
      if (scalar_matches(t, c, ctx)) return true;
    }
    return false;
  }
  return scalar_matches(t, v, ctx);
}

bool keyword_matches(const ValueTest& t, EvalContext& ctx) {
  if (ctx.absent(t)) return false;
  const Event& ev = *ctx.event;
  const size_t n = ev.node_count();
  for (size_t i = 1; i < n; ++i) {
    const Node& node = ev.node(static_cast<uint32_t>(i));
    if (node.kind != Kind::kString) continue;
    if (node.key == "xmlns") continue;  // evtx_dump's schema URL is layout, not event content
    if (scalar_matches(t, Value(&ev, static_cast<uint32_t>(i)), ctx)) return true;
  }
  return false;
}

}  // namespace

std::string_view EvalContext::lowered(Value v) {
  const uint32_t idx = v.index();
  if (idx < scan_span_count && scan_spans[idx].stamp == scan_stamp) {
    return std::string_view(scan_text + scan_spans[idx].offset, scan_spans[idx].size);
  }
  if (folded.size() <= idx) folded.resize(std::max<size_t>(idx + 1, event->node_count()));
  Folded& f = folded[idx];
  if (folded_epoch != epoch) {
    folded_text.clear();  // keeps its capacity
    folded_epoch = epoch;
  }
  if (f.epoch != epoch) {
    std::string_view t = v.text(scratch);
    f.offset = static_cast<uint32_t>(folded_text.size());
    f.size = static_cast<uint32_t>(t.size());
    folded_text.append(t);
    fold_ascii(folded_text.data() + f.offset, f.size);
    f.epoch = epoch;
  }
  return std::string_view(folded_text).substr(f.offset, f.size);
}

Value EvalContext::field(std::string_view name) const {
  if (renames) {
    for (const auto& [from, to] : *renames) {
      if (iequals(from, name)) return event->field(to);
    }
  }
  return event->field(name);
}

bool parse_ip(std::string_view text, bool* v6, uint8_t out[16]) { return parse_address(text, v6, out); }

bool Cidr::contains(std::string_view ip) const {
  bool is_v6;
  uint8_t bytes[16];
  return parse_ip(ip, &is_v6, bytes) && contains(is_v6, bytes);
}

bool Cidr::contains(bool is_v6, const uint8_t bytes[16]) const {
  if (is_v6 != v6) return false;
  int full = prefix / 8;
  if (std::memcmp(bytes, addr, static_cast<size_t>(full)) != 0) return false;
  int bits = prefix % 8;
  if (bits == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - bits));
  return (bytes[full] & mask) == (addr[full] & mask);
}

bool parse_cidr(std::string_view text, Cidr* out) {
  text = trim(text);
  size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  if (!parse_address(addr, &out->v6, out->addr)) return false;
  const int max = out->v6 ? 128 : 32;
  if (slash == std::string_view::npos) {
    out->prefix = max;
    return true;
  }
  int64_t p;
  if (!parse_int(text.substr(slash + 1), &p) || p < 0 || p > max) return false;
  out->prefix = static_cast<int>(p);
  return true;
}

void FieldTest::seal() {
  literals.clear();
  literals.reserve(values.size());
  for (const ValueTest& t : values) literals.push_back(t.literal);
}

bool FieldTest::matches(EvalContext& ctx) const {
  // No skipping by literal for a field that may hold a container this event (see absent()).
  struct Keep {
    EvalContext& ctx;
    const uint32_t* stamps;
    ~Keep() { ctx.literal_stamps = stamps; }
  } keep{ctx, ctx.literal_stamps};
  if (ctx.literal_stamps && !field.empty() &&
      (field_id == kNoField || ctx.field_stamps[field_id] == ctx.literal_stamp)) {
    ctx.literal_stamps = nullptr;
  }
  if (field.empty()) {
    if (all) {
      for (size_t i = 0; i < values.size();) {
        size_t end = i;
        bool hit = false;
        while (end < values.size() && values[end].group == values[i].group) {
          hit = hit || keyword_matches(values[end], ctx);
          ++end;
        }
        if (!hit) return false;
        i = end;
      }
      return !values.empty();
    }
    for (const ValueTest& t : values) {
      if (keyword_matches(t, ctx)) return true;
    }
    return false;
  }
  Value v = ctx.field(field, field_id);
  if (exists != Exists::kNoCheck) return v.valid() == (exists == Exists::kPresent);
  if (negate) {
    if (!v || v.is_null()) return false;
    for (const ValueTest& t : values) {
      if (value_matches(t, v, ctx)) return false;
    }
    return true;
  }
  if (all) {
    for (size_t i = 0; i < values.size();) {
      size_t end = i;
      bool hit = false;
      while (end < values.size() && values[end].group == values[i].group) {
        hit = hit || value_matches(values[end], v, ctx);
        ++end;
      }
      if (!hit) return false;
      i = end;
    }
    return !values.empty();
  }
  if (v && v.kind() == Kind::kString) {
    // Fast path for the common case (a string field, values OR-ed): fold the text once and
    // run the patterns straight over it.
    std::string_view low;
    bool have_low = false;
    int ip_state = 0;  // the text as an address, parsed once for all CIDR values: 1 ok, -1 not one
    bool ip_v6 = false;
    uint8_t ip[16];
    const size_t n = values.size();
    const bool sealed = literals.size() == n;
    // An absent literal fails the value whatever its kind (value_matches says the same).
    const uint32_t* stamps = sealed ? ctx.literal_stamps : nullptr;
    const uint32_t now = ctx.literal_stamp;
    for (size_t k = 0; k < n; ++k) {
      if (stamps && literals[k] != kNoLiteral) {
        const uint32_t s = stamps[literals[k]];
        if (s != now && s != UINT32_MAX) continue;
      }
      const ValueTest& t = values[k];
      if (t.kind == ValueTest::kCidr) {
        if (ip_state == 0) ip_state = parse_ip(v.str(), &ip_v6, ip) ? 1 : -1;
        if (ip_state > 0 && t.cidr.contains(ip_v6, ip)) return true;
        continue;
      }
      if (t.kind != ValueTest::kPattern) {
        if (value_matches(t, v, ctx)) return true;
        continue;
      }
      if (!stamps && ctx.absent(t)) continue;
      if (t.pattern.cased() || !ctx.fold_once) {
        if (t.pattern.match(v.str())) return true;
        continue;
      }
      if (!have_low) {
        low = ctx.lowered(v);
        have_low = true;
      }
      if (t.pattern.match_folded(low)) return true;
    }
    return false;
  }
  for (const ValueTest& t : values) {
    if (value_matches(t, v, ctx)) return true;
  }
  return false;
}

}  // namespace vigil::sigma
