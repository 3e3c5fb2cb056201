// FieldTest: one compiled `field|modifiers: values` item of a Sigma selection (or one keyword
// search), and EvalContext, the per-event view it reads through (field renames, scratch text).
// FieldTests are immutable after compilation and shared by all threads; an EvalContext belongs to
// one thread and holds the only mutable state (scratch buffers reused across events).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/event.h"
#include "detect/pattern.h"
#include "detect/regex.h"

namespace re2 {
class RE2;
}

namespace vigil::sigma {

// Field renames of one log-source variant: Sigma name -> the event's own name
// (e.g. Image -> NewProcessName for Security 4688). Immutable, shared.
using Renames = std::vector<std::pair<std::string, std::string>>;

// Field ids interned per RuleSet (FieldTest::field_id); kNoField = not interned.
inline constexpr uint32_t kNoField = UINT32_MAX;
// Literal ids interned per RuleSet (ValueTest::literal); kNoLiteral = none.
inline constexpr uint32_t kNoLiteral = UINT32_MAX;

struct ValueTest;

// How one evaluation sees the event. Per thread; reset per event by the matcher.
struct EvalContext {
  const Event* event = nullptr;
  const Renames* renames = nullptr;  // null = no renames
  std::string scratch;               // Value::text formatting
  std::string scratch2;
  // Per-event memo of field lookups by interned id, valid while `epoch` is unchanged (the matcher
  // bumps it per event). Empty = no memo (the reference matcher resolves every time).
  struct Slot {
    uint64_t epoch = 0;
    Value value;
    // The last lookup under renames (a log-source variant's) in this epoch, by those renames.
    uint64_t renamed_epoch = 0;
    const Renames* renames = nullptr;
    Value renamed;
  };
  std::vector<Slot> memo;
  uint64_t epoch = 1;

  // Set by a matcher that scanned the event for literals (prefilter.h): literal i occurs in the
  // event's values iff literal_stamps[i] == literal_stamp (UINT32_MAX: not scanned for, so maybe).
  // A value test whose literal does not
  // occur cannot match, and is skipped — unless its field may be a container (field id f with
  // field_stamps[f] == literal_stamp), matched through JSON text the scan did not see. Null = no
  // scan: every test runs.
  const uint32_t* literal_stamps = nullptr;
  const uint32_t* field_stamps = nullptr;
  uint32_t literal_stamp = 0;
  bool absent(const ValueTest& t) const;
  bool absent(uint32_t literal) const;  // the same for a ValueTest::literal

  // Lower-cased text of a value, folded once per event and node (the memo's companion: case-
  // insensitive patterns then compare bytes with memchr/memcmp speed). Valid until the next call.
  struct Folded {
    uint64_t epoch = 0;
    uint32_t offset = 0, size = 0;
  };
  std::vector<Folded> folded;
  std::string folded_text;       // this epoch's folded strings, back to back
  uint64_t folded_epoch = 0;
  bool fold_once = true;         // false: fold on the fly at each comparison (reference path)
  // false: every regex runs through RE2 (reference path); true: regex_min_size and
  // LongRun (regex.h) answer without RE2 where they can.
  bool regex_shortcuts = true;
  std::string_view lowered(Value v);
  // Set by a matcher whose literal scan already lower-cased the event's strings (prefilter.h):
  // string node i reads as scan_text[offset, offset + size) when scan_spans[i].stamp is
  // scan_stamp, and lowered() then copies nothing.
  struct ScanSpan {
    uint32_t stamp = 0, offset = 0, size = 0;
  };
  const ScanSpan* scan_spans = nullptr;
  size_t scan_span_count = 0;
  const char* scan_text = nullptr;
  uint32_t scan_stamp = 0;

  Value field(std::string_view name) const;
  Value field(std::string_view name, uint32_t id) {
    if (id >= memo.size()) return field(name);
    Slot& s = memo[id];
    if (renames) {
      if (s.renamed_epoch != epoch || s.renames != renames) {
        s.renamed = field(name);
        s.renamed_epoch = epoch;
        s.renames = renames;
      }
      return s.renamed;
    }
    if (s.epoch != epoch) {
      s.value = field(name);
      s.epoch = epoch;
    }
    return s.value;
  }
};

enum class CompareOp : uint8_t { kEq, kLt, kLte, kGt, kGte };
enum class TimePart : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth, kYear };
enum class RefMode : uint8_t { kEquals, kStartsWith, kEndsWith, kContains };

struct Cidr {
  bool v6 = false;
  uint8_t addr[16] = {};
  int prefix = 0;
  bool contains(std::string_view ip) const;
  // The same for an address already parsed (parse_ip).
  bool contains(bool ip_v6, const uint8_t ip[16]) const;
};
// Parses an IPv4 or IPv6 address (surrounding spaces and an IPv6 zone are ignored).
bool parse_ip(std::string_view text, bool* v6, uint8_t out[16]);
// Parses "10.0.0.0/8", "fe80::/10" or a bare address (full-length prefix).
bool parse_cidr(std::string_view text, Cidr* out);

// One value of a field test.
struct ValueTest {
  enum Kind : uint8_t { kPattern, kNull, kRegex, kCompare, kCidr, kFieldRef };
  Kind kind = kPattern;
  Pattern pattern;                        // kPattern
  std::shared_ptr<const re2::RE2> regex;  // kRegex
  uint32_t min_size = 0;                  // kRegex: no shorter text matches (regex_min_size)
  LongRun long_run;                       // kRegex: the regex is `.{N,}` (LongRun::of)
  size_t max_newlines = 0;                // kRegex: regex_max_newlines()
  // kRegex, at most a few newlines in a match: a literal every match contains (lower-cased;
  // empty = none), for search_lines, and its Pattern::rarest byte. Set by the RuleSet with
  // `literal`.
  std::string line_needle;
  uint32_t line_rare = 0;
  CompareOp op = CompareOp::kEq;          // kCompare
  TimePart part = TimePart::kNone;        // kCompare: compare this part of a timestamp
  double number = 0;                      // kCompare
  Cidr cidr;                              // kCidr
  std::string ref_field;                  // kFieldRef
  uint32_t ref_id = kNoField;             // kFieldRef: interned ref_field
  RefMode ref_mode = RefMode::kEquals;    // kFieldRef
  bool ref_cased = false;                 // kFieldRef
  uint32_t group = 0;  // the written value this test came from (expansions share a group)
  // A literal every text this test matches contains (lower-cased, interned by the RuleSet), for
  // skipping the test on events without it; kNoLiteral when there is none worth scanning for.
  uint32_t literal = kNoLiteral;
  // kRegex: regex_atoms() of `regex` (empty `needed` and `any` = none usable), worked out once
  // by the RuleSet for `literal` and kept for the prefilter's requirements; null = not yet.
  std::shared_ptr<const RegexAtoms> atoms;
};

inline bool EvalContext::absent(uint32_t literal) const {
  if (!literal_stamps || literal == kNoLiteral) return false;
  const uint32_t s = literal_stamps[literal];
  return s != literal_stamp && s != UINT32_MAX;  // UINT32_MAX: never scanned for
}
inline bool EvalContext::absent(const ValueTest& t) const { return absent(t.literal); }

struct FieldTest {
  enum class Exists : uint8_t { kNoCheck, kPresent, kAbsent };
  std::string field;  // empty = keyword search over every string value of the event
  uint32_t field_id = kNoField;  // interned `field` (set by the RuleSet)
  std::vector<ValueTest> values;  // ordered by group
  bool all = false;     // |all: every group must match (a group matches when any test in it does)
  bool negate = false;  // |neq: the field is present and equals none of the values
  Exists exists = Exists::kNoCheck;

  // values[k].literal for every k, set by seal() once the literals are interned: a test of many
  // values skips those whose literal the scan did not see by reading this array, without
  // touching the ValueTests themselves (208 bytes each, cold in cache on most events).
  std::vector<uint32_t> literals;
  void seal();

  bool matches(EvalContext& ctx) const;
};

}  // namespace vigil::sigma
