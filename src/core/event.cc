#include "core/event.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/fields.h"
#include "core/text.h"

namespace vigil {

void Event::clear() {
  nodes_.clear();
  open_.clear();
  last_child_.clear();
  arena_.reset();
  layout_ = -1;
  section_count_ = 0;
  system_ = 0;
  Node root;
  root.kind = Kind::kObject;
  nodes_.push_back(root);
  open_.push_back(0);
  last_child_.push_back(0);
}

uint32_t Event::push(std::string_view key, Kind kind) {
  uint32_t idx = static_cast<uint32_t>(nodes_.size());
  Node n;
  n.key = key;
  n.kind = kind;
  nodes_.push_back(n);
  if (!open_.empty()) {
    uint32_t parent = open_.back();
    nodes_[parent].count++;
    uint32_t& last = last_child_.back();
    if (last != 0) nodes_[last].next = idx;
    last = idx;
  }
  return idx;
}

void Event::begin_object(std::string_view key) {
  uint32_t idx = push(key, Kind::kObject);
  open_.push_back(idx);
  last_child_.push_back(0);
}

void Event::begin_array(std::string_view key) {
  uint32_t idx = push(key, Kind::kArray);
  open_.push_back(idx);
  last_child_.push_back(0);
}

void Event::end_container() {
  if (open_.size() > 1) {  // the root stays open
    open_.pop_back();
    last_child_.pop_back();
  }
}

void Event::add_null(std::string_view key) { push(key, Kind::kNull); }
void Event::add_bool(std::string_view key, bool v) { nodes_[push(key, Kind::kBool)].num.b = v; }
void Event::add_int(std::string_view key, int64_t v) { nodes_[push(key, Kind::kInt)].num.i = v; }
void Event::add_uint(std::string_view key, uint64_t v) {
  nodes_[push(key, Kind::kUInt)].num.u = v;
}
void Event::add_double(std::string_view key, double v) {
  nodes_[push(key, Kind::kDouble)].num.d = v;
}
void Event::add_string(std::string_view key, std::string_view v) {
  nodes_[push(key, Kind::kString)].str = v;
}

Value Event::field(std::string_view name) const { return FieldResolver::resolve(*this, name); }

Value Value::get(std::string_view key) const {
  if (!ev_ || node().kind != Kind::kObject) return {};
  for (Value c = first_child(); c; c = c.next()) {
    if (c.key() == key) return c;
  }
  return {};
}

Value Value::get_icase(std::string_view key) const {
  if (!ev_ || node().kind != Kind::kObject) return {};
  for (Value c = first_child(); c; c = c.next()) {
    if (iequals(c.key(), key)) return c;
  }
  return {};
}

Value Value::first_child() const {
  if (!ev_ || node().count == 0) return {};
  return Value(ev_, idx_ + 1);
}

Value Value::next() const {
  if (!ev_) return {};
  uint32_t n = node().next;
  return n ? Value(ev_, n) : Value();
}

std::string_view Value::text(std::string& scratch) const {
  if (!ev_) return {};
  const Node& n = node();
  char buf[64];
  switch (n.kind) {
    case Kind::kString:
      return n.str;
    case Kind::kNull:
      return {};
    case Kind::kBool:
      return n.num.b ? "true" : "false";
    case Kind::kInt: {
      auto r = std::to_chars(buf, buf + sizeof buf, n.num.i);
      scratch.assign(buf, r.ptr);
      return scratch;
    }
    case Kind::kUInt: {
      auto r = std::to_chars(buf, buf + sizeof buf, n.num.u);
      scratch.assign(buf, r.ptr);
      return scratch;
    }
    case Kind::kDouble: {
      double d = n.num.d;
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
        auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(d));
        scratch.assign(buf, r.ptr);
      } else {
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        scratch.assign(buf, r.ptr);
      }
      return scratch;
    }
    case Kind::kArray:
    case Kind::kObject:
      scratch.clear();
      write_json(*this, scratch);
      return scratch;
  }
  return {};
}

bool Value::as_int(int64_t* out) const {
  if (!ev_) return false;
  const Node& n = node();
  switch (n.kind) {
    case Kind::kInt:
      *out = n.num.i;
      return true;
    case Kind::kUInt:
      if (n.num.u > static_cast<uint64_t>(INT64_MAX)) return false;
      *out = static_cast<int64_t>(n.num.u);
      return true;
    case Kind::kDouble:
      if (n.num.d != std::floor(n.num.d) || std::fabs(n.num.d) > 9e18) return false;
      *out = static_cast<int64_t>(n.num.d);
      return true;
    case Kind::kString:
      return parse_int(trim(n.str), out);
    default:
      return false;
  }
}

bool Value::as_double(double* out) const {
  if (!ev_) return false;
  const Node& n = node();
  switch (n.kind) {
    case Kind::kInt:
      *out = static_cast<double>(n.num.i);
      return true;
    case Kind::kUInt:
      *out = static_cast<double>(n.num.u);
      return true;
    case Kind::kDouble:
      *out = n.num.d;
      return true;
    case Kind::kString:
      return parse_double(trim(n.str), out);
    default:
      return false;
  }
}

namespace {

// Whether any of 8 bytes is a control character, '"' or '\\' (bit tricks: a zero byte of
// x ^ pattern, or a byte below 0x20, sets that byte's high bit).
inline bool needs_escape8(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t quote = x ^ (kOnes * '"'), slash = x ^ (kOnes * '\\');
  const uint64_t found = ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash) | ((x - kOnes * 0x20) & ~x);
  return (found & kHigh) != 0;
}

// Appends the escape of one byte that needs one.
inline void append_escape(unsigned char c, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default: {
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(u, sizeof u);
    }
  }
}

}  // namespace

void json_escape(std::string_view s, std::string& out) {
  // Runs of bytes that need no escape are appended whole. With SSE2 the bytes that need one
  // are found sixteen at a time as a bit mask, and each costs a few instructions however densely
  // they come (Windows paths in command lines hold a backslash every few bytes); without it,
  // clean runs are skipped eight bytes at a time.
  const char* p = s.data();
  const size_t n = s.size();
  size_t run = 0;  // first byte not yet appended
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
  const __m128i control = _mm_set1_epi8(0x1f), zero = _mm_setzero_si128();
  // Bit k set: byte k of the 16 at `at` needs an escape.
  auto needs_escape16 = [&](const char* at) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    // x <= 0x1f (unsigned) exactly when x - 0x1f saturates to 0.
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, slash)),
                                     _mm_cmpeq_epi8(_mm_subs_epu8(x, control), zero));
    return static_cast<unsigned>(_mm_movemask_epi8(hit));
  };
  auto escape_marked = [&](size_t base, unsigned mask) {
    for (; mask != 0; mask &= mask - 1) {
      const size_t at = base + static_cast<size_t>(__builtin_ctz(mask));
      out.append(p + run, at - run);
      append_escape(static_cast<unsigned char>(p[at]), out);
      run = at + 1;
    }
  };
  for (; i + 16 <= n; i += 16) escape_marked(i, needs_escape16(p + i));
  if (i < n) {
    // The last bytes through a zeroed copy; the padding is masked off.
    char tail[16] = {};
    std::memcpy(tail, p + i, n - i);
    escape_marked(i, needs_escape16(tail) & ((1u << (n - i)) - 1));
    i = n;
  }
#endif
  for (; i < n; ++i) {
    if ((i & 7) == 0) {
      while (i + 8 <= n) {
        uint64_t x;
        std::memcpy(&x, p + i, 8);
        if (needs_escape8(x)) break;
        i += 8;
      }
      if (i >= n) break;
    }
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(p + run, i - run);
    append_escape(c, out);
    run = i + 1;
  }
  out.append(p + run, n - run);
}

void write_json(Value v, std::string& out) {
  const Node& n = v.node();
  switch (n.kind) {
    case Kind::kObject: {
      out += '{';
      bool first = true;
      for (Value c = v.first_child(); c; c = c.next()) {
        if (!first) out += ',';
        first = false;
        out += '"';
        json_escape(c.key(), out);
        out += "\":";
        write_json(c, out);
      }
      out += '}';
      return;
    }
    case Kind::kArray: {
      out += '[';
      bool first = true;
      for (Value c = v.first_child(); c; c = c.next()) {
        if (!first) out += ',';
        first = false;
        write_json(c, out);
      }
      out += ']';
      return;
    }
    case Kind::kString:
      out += '"';
      json_escape(n.str, out);
      out += '"';
      return;
    case Kind::kNull:
      out += "null";
      return;
    case Kind::kDouble:
      if (!std::isfinite(n.num.d)) {
        out += "null";
        return;
      }
      [[fallthrough]];
    default: {
      std::string scratch;
      out += v.text(scratch);
    }
  }
}

void write_json(const Event& ev, std::string& out) { write_json(ev.root(), out); }

}  // namespace vigil
