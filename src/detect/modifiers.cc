// Value modifiers.
//
// Modifiers come in two kinds. Type modifiers (re, cidr, lt/lte/gt/gte, the time parts,
// fieldref, exists) decide what kind of test a value becomes; they cannot be mixed with each
// other. Transformation modifiers (windash, base64, base64offset, utf16*, wide, contains,
// startswith, endswith, expand) rewrite the Sigma string, in the order written, and one value
// may become several (base64offset makes three, expand as many as the placeholder lists):
// several values of one item are OR-ed, so the expansion is just more values. Flag modifiers
// (all, cased, neq, and re's i/m/s) change how the values combine or compare.
// windash becomes a "one of five dashes" slot in the pattern instead of 5^n permutations.
#include "detect/modifiers.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>

#include "core/text.h"
#include "detect/regex.h"

namespace vigil::sigma {
namespace {

enum class Mod {
  kContains, kStartsWith, kEndsWith, kAll, kCased, kNeq, kExists, kWindash, kRe, kReI, kReM,
  kReS, kBase64, kBase64Offset, kUtf16le, kUtf16be, kUtf16, kLt, kLte, kGt, kGte, kMinute,
  kHour, kDay, kWeek, kMonth, kYear, kCidr, kExpand, kFieldRef,
};

struct ModName {
  std::string_view name;
  Mod mod;
};

constexpr ModName kMods[] = {
    {"contains", Mod::kContains}, {"startswith", Mod::kStartsWith},
    {"endswith", Mod::kEndsWith}, {"all", Mod::kAll},
    {"cased", Mod::kCased},       {"neq", Mod::kNeq},
    {"exists", Mod::kExists},     {"windash", Mod::kWindash},
    {"re", Mod::kRe},             {"i", Mod::kReI},
    {"ignorecase", Mod::kReI},    {"m", Mod::kReM},
    {"multiline", Mod::kReM},     {"s", Mod::kReS},
    {"dotall", Mod::kReS},        {"base64", Mod::kBase64},
    {"base64offset", Mod::kBase64Offset}, {"utf16le", Mod::kUtf16le},
    {"wide", Mod::kUtf16le},      {"utf16be", Mod::kUtf16be},
    {"utf16", Mod::kUtf16},       {"lt", Mod::kLt},
    {"lte", Mod::kLte},           {"gt", Mod::kGt},
    {"gte", Mod::kGte},           {"minute", Mod::kMinute},
    {"hour", Mod::kHour},         {"day", Mod::kDay},
    {"week", Mod::kWeek},         {"month", Mod::kMonth},
    {"year", Mod::kYear},         {"cidr", Mod::kCidr},
    {"expand", Mod::kExpand},     {"fieldref", Mod::kFieldRef},
};

bool refuse(Refusal* why, std::string category, std::string reason) {
  why->category = std::move(category);
  why->reason = std::move(reason);
  return false;
}

// Decodes one UTF-8 code point at s[i]; invalid bytes read as themselves (Latin-1).
uint32_t next_code_point(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) {
    ++*i;
    return c;
  }
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += len;
  return cp;
}

// Every combination of several placeholders in one value is a product; past this it is refused.
constexpr size_t kMaxExpansions = 4096;

// Expands %name% placeholders of one raw value into every combination of their values.
bool expand_placeholders(const std::string& raw, const Placeholders* ph,
                         std::vector<std::string>* out, Refusal* why) {
  std::vector<std::string> acc = {""};
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '\\') {  // kept for the wildcard parser
      for (auto& a : acc) a += "\\\\";
      ++i;
      continue;
    }
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '%') {
      for (auto& a : acc) a += '%';
      ++i;
      continue;
    }
    if (raw[i] == '%') {
      size_t end = raw.find('%', i + 1);
      if (end != std::string::npos && end > i + 1) {
        std::string_view name(raw.data() + i + 1, end - i - 1);
        auto it = ph ? ph->find(name) : Placeholders::const_iterator();
        if (!ph || it == ph->end()) {
          return refuse(why, "placeholder",
                        "unresolved placeholder %" + std::string(name) +
                            "% (define it in the placeholders file)");
        }
        if (it->second.empty()) {
          return refuse(why, "placeholder",
                        "placeholder %" + std::string(name) + "% has no values");
        }
        if (acc.size() * it->second.size() > kMaxExpansions) {
          return refuse(why, "limit",
                        "placeholders expand one value into more than " +
                            std::to_string(kMaxExpansions) + " values");
        }
        std::vector<std::string> next;
        for (const auto& a : acc) {
          for (const auto& v : it->second) next.push_back(a + v);
        }
        acc = std::move(next);
        i = end;
        continue;
      }
    }
    for (auto& a : acc) a += raw[i];
  }
  out->insert(out->end(), acc.begin(), acc.end());
  return true;
}

void apply_windash(SigmaString& s) {
  SigmaString out;
  for (Piece& p : s) {
    if (p.kind != Piece::kLit) {
      out.push_back(std::move(p));
      continue;
    }
    std::string cur;
    std::string_view t = p.text;
    size_t i = 0;
    while (i < t.size()) {
      bool dash = false;
      for (std::string_view d : kDashes) {
        if (t.substr(i, d.size()) == d) {
          if (!cur.empty()) out.push_back({Piece::kLit, std::move(cur)});
          cur.clear();
          out.push_back({Piece::kDash, {}});
          i += d.size();
          dash = true;
          break;
        }
      }
      if (!dash) cur += t[i++];
    }
    if (!cur.empty()) out.push_back({Piece::kLit, std::move(cur)});
  }
  s = std::move(out);
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// The value placed at byte offset 0, 1 or 2 of a base64 stream: encode it behind that many
// filler bytes, then drop the leading characters that depend on the filler and the trailing
// ones that depend on whatever follows the value.
std::vector<std::string> base64_offsets(std::string_view bytes) {
  static constexpr size_t kStart[3] = {0, 2, 3};
  static constexpr size_t kEndDrop[3] = {0, 3, 2};
  std::vector<std::string> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string padded(shift, ' ');
    padded.append(bytes);
    std::string enc = base64_encode(padded);
    size_t drop = kEndDrop[(bytes.size() + shift) % 3];
    size_t start = kStart[shift];
    if (enc.size() < start + drop) continue;
    out.push_back(enc.substr(start, enc.size() - start - drop));
  }
  return out;
}

std::string utf16_encode(std::string_view utf8, bool big_endian, bool bom) {
  std::string out;
  auto unit = [&](uint16_t u) {
    char lo = static_cast<char>(u & 0xFF), hi = static_cast<char>(u >> 8);
    if (big_endian) {
      out += hi;
      out += lo;
    } else {
      out += lo;
      out += hi;
    }
  };
  if (bom) unit(0xFEFF);
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = next_code_point(utf8, &i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(static_cast<uint16_t>(0xD800 + (cp >> 10)));
      unit(static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      unit(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

bool build_field_test(std::string_view key, const std::vector<RawValue>& values,
                      const Placeholders* placeholders, FieldTest* out, Refusal* why) {
  *out = FieldTest();
  size_t bar = key.find('|');
  out->field = std::string(trim(key.substr(0, bar)));
  std::vector<Mod> mods;
  std::string_view rest = bar == std::string_view::npos ? std::string_view() : key.substr(bar + 1);
  while (bar != std::string_view::npos) {
    bar = rest.find('|');
    std::string_view name = trim(rest.substr(0, bar));
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    const ModName* found = nullptr;
    for (const ModName& m : kMods) {
      if (iequals(m.name, name)) found = &m;
    }
    if (!found) return refuse(why, "modifier", "unknown modifier '" + std::string(name) + "'");
    mods.push_back(found->mod);
  }
  if (values.empty()) return refuse(why, "value", "'" + std::string(key) + "' has no value");

  // Type of test: at most one type modifier.
  enum class Type { kString, kRegex, kCidr, kCompare, kFieldRef, kExists };
  Type type = Type::kString;
  std::string type_name;
  RegexFlags re_flags;
  CompareOp op = CompareOp::kEq;
  TimePart part = TimePart::kNone;
  bool cased = false, expand = false, has_re = false;
  auto set_type = [&](Type t, std::string_view name) {
    if (type != Type::kString && !(type == Type::kCompare && t == Type::kCompare && part != TimePart::kNone)) {
      return refuse(why, "modifier", "modifier '" + std::string(name) + "' cannot be combined with '" +
                                         type_name + "'");
    }
    type = t;
    type_name = name;
    return true;
  };
  for (Mod m : mods) {
    bool ok = true;
    switch (m) {
      case Mod::kAll: out->all = true; break;
      case Mod::kCased: cased = true; break;
      case Mod::kNeq: out->negate = true; break;
      case Mod::kExpand: expand = true; break;
      case Mod::kExists: ok = set_type(Type::kExists, "exists"); break;
      case Mod::kRe: ok = set_type(Type::kRegex, "re"); has_re = true; break;
      case Mod::kReI:
      case Mod::kReM:
      case Mod::kReS:
        if (!has_re) return refuse(why, "modifier", "regex flag modifier without 're'");
        (m == Mod::kReI ? re_flags.ignore_case : m == Mod::kReM ? re_flags.multi_line : re_flags.dot_all) = true;
        break;
      case Mod::kCidr: ok = set_type(Type::kCidr, "cidr"); break;
      case Mod::kFieldRef: ok = set_type(Type::kFieldRef, "fieldref"); break;
      case Mod::kLt: case Mod::kLte: case Mod::kGt: case Mod::kGte:
        ok = set_type(Type::kCompare, "lt/lte/gt/gte");
        op = m == Mod::kLt ? CompareOp::kLt : m == Mod::kLte ? CompareOp::kLte : m == Mod::kGt ? CompareOp::kGt : CompareOp::kGte;
        break;
      case Mod::kMinute: case Mod::kHour: case Mod::kDay: case Mod::kWeek: case Mod::kMonth: case Mod::kYear:
        ok = set_type(Type::kCompare, "time part");
        part = m == Mod::kMinute ? TimePart::kMinute : m == Mod::kHour ? TimePart::kHour
             : m == Mod::kDay ? TimePart::kDay : m == Mod::kWeek ? TimePart::kWeek
             : m == Mod::kMonth ? TimePart::kMonth : TimePart::kYear;
        break;
      default: break;  // string transformations, applied below in order
    }
    if (!ok) return false;
  }
  bool transforms = false;
  for (Mod m : mods) {
    if (m == Mod::kContains || m == Mod::kStartsWith || m == Mod::kEndsWith || m == Mod::kWindash ||
        m == Mod::kBase64 || m == Mod::kBase64Offset || m == Mod::kUtf16le || m == Mod::kUtf16be ||
        m == Mod::kUtf16) {
      transforms = true;
    }
  }
  if (transforms && type != Type::kString && type != Type::kFieldRef) {
    return refuse(why, "modifier", "string modifiers cannot be combined with '" + type_name + "'");
  }

  if (type == Type::kExists) {
    if (values.size() != 1 || values[0].kind != RawValue::kBool) {
      return refuse(why, "value", "'exists' needs a single true/false value");
    }
    out->exists = iequals(values[0].text, "true") ? FieldTest::Exists::kPresent : FieldTest::Exists::kAbsent;
    return true;
  }

  // Placeholder expansion happens on the raw strings, before any other reading.
  // Each written value is one group: what it expands to (placeholder lists, base64 offsets) is
  // OR-ed inside the group, and the groups combine by |all or any.
  std::vector<std::pair<RawValue, uint32_t>> vals;
  for (uint32_t g = 0; g < values.size(); ++g) {
    const RawValue& v = values[g];
    if (!expand || v.kind != RawValue::kString) {
      vals.push_back({v, g});
      continue;
    }
    std::vector<std::string> expanded;
    if (!expand_placeholders(v.text, placeholders, &expanded, why)) return false;
    for (auto& e : expanded) vals.push_back({{RawValue::kString, std::move(e)}, g});
  }

  for (const auto& [v, group] : vals) {
    ValueTest t;
    t.group = group;
    if (v.kind == RawValue::kNull) {
      if (type != Type::kString) return refuse(why, "value", "null value with '" + type_name + "'");
      t.kind = ValueTest::kNull;
      out->values.push_back(std::move(t));
      continue;
    }
    switch (type) {
      case Type::kRegex: {
        std::string reason;
        t.kind = ValueTest::kRegex;
        t.regex = compile_regex(v.text, re_flags, &reason);
        if (!t.regex) return refuse(why, "regex", reason);
        t.min_size = static_cast<uint32_t>(std::min<size_t>(regex_min_size(t.regex->pattern()), UINT32_MAX));
        t.long_run = LongRun::of(t.regex->pattern());
        t.max_newlines = regex_max_newlines(t.regex->pattern());
        out->values.push_back(std::move(t));
        continue;
      }
      case Type::kCidr:
        t.kind = ValueTest::kCidr;
        if (!parse_cidr(v.text, &t.cidr)) return refuse(why, "value", "invalid CIDR '" + v.text + "'");
        out->values.push_back(std::move(t));
        continue;
      case Type::kCompare:
        t.kind = ValueTest::kCompare;
        t.op = op;
        t.part = part;
        if (!parse_double(trim(v.text), &t.number)) {
          return refuse(why, "value", "'" + v.text + "' is not a number");
        }
        out->values.push_back(std::move(t));
        continue;
      case Type::kFieldRef:
        t.kind = ValueTest::kFieldRef;
        t.ref_field = v.text;
        t.ref_cased = cased;
        for (Mod m : mods) {
          if (m == Mod::kContains) t.ref_mode = RefMode::kContains;
          if (m == Mod::kStartsWith) t.ref_mode = RefMode::kStartsWith;
          if (m == Mod::kEndsWith) t.ref_mode = RefMode::kEndsWith;
          if (m == Mod::kWindash || m == Mod::kBase64 || m == Mod::kBase64Offset ||
              m == Mod::kUtf16 || m == Mod::kUtf16le || m == Mod::kUtf16be) {
            return refuse(why, "modifier", "encoding modifiers cannot apply to a field reference");
          }
        }
        out->values.push_back(std::move(t));
        continue;
      case Type::kString:
      case Type::kExists:
        break;
    }
    // String values: parse, then transform in the written order.
    std::vector<SigmaString> strs;
    strs.push_back(v.kind == RawValue::kString ? parse_sigma_string(v.text) : literal_string(v.text));
    for (Mod m : mods) {
      std::vector<SigmaString> next;
      for (SigmaString& s : strs) {
        std::string plain;
        switch (m) {
          case Mod::kContains: add_wildcards(s, true, true); break;
          case Mod::kStartsWith: add_wildcards(s, false, true); break;
          case Mod::kEndsWith: add_wildcards(s, true, false); break;
          case Mod::kWindash: apply_windash(s); break;
          case Mod::kBase64:
          case Mod::kBase64Offset:
          case Mod::kUtf16le:
          case Mod::kUtf16be:
          case Mod::kUtf16:
            if (!is_plain(s, &plain)) {
              return refuse(why, "value", "cannot encode a value with wildcards: '" + v.text + "'");
            }
            if (m == Mod::kBase64) {
              s = literal_string(base64_encode(plain));
            } else if (m == Mod::kBase64Offset) {
              for (auto& e : base64_offsets(plain)) next.push_back(literal_string(e));
              continue;
            } else {
              s = literal_string(utf16_encode(plain, m == Mod::kUtf16be, m == Mod::kUtf16));
            }
            break;
          default: break;
        }
        next.push_back(std::move(s));
      }
      strs = std::move(next);
    }
    // A keyword (no field) is a free-text search: without a position modifier it may sit
    // anywhere in a value.
    const bool positional = std::any_of(mods.begin(), mods.end(), [](Mod m) {
      return m == Mod::kContains || m == Mod::kStartsWith || m == Mod::kEndsWith;
    });
    for (SigmaString& s : strs) {
      if (out->field.empty() && !positional) add_wildcards(s, true, true);
      ValueTest st;
      st.group = group;
      st.kind = ValueTest::kPattern;
      st.pattern = Pattern(s, cased);
      out->values.push_back(std::move(st));
    }
  }
  return true;
}

}  // namespace vigil::sigma
