#include "core/fields.h"

#include <algorithm>
#include <array>
#include <iterator>

#include "core/text.h"
#include "core/time.h"

namespace vigil {
namespace {

// One alias: a Sigma system field and where each layout keeps it. Paths are dotted, relative to
// the root; for evtx_dump `@Name` means the attribute `Name` under `#attributes`.
struct Alias {
  std::string_view sigma;
  std::string_view evtx;
  std::array<std::string_view, 3> ecs;
  // Flat: NXLog / Winlogbeat-on-Logstash spellings, then Winlogbeat 6 (event_id, log_name...).
  std::array<std::string_view, 5> flat;
};

constexpr Alias kAliases[] = {
    {"EventID", "Event.System.EventID", {"winlog.event_id", "event.code", ""},
     {"EventID", "EventId", "event_id", "EventCode"}},
    {"Channel", "Event.System.Channel", {"winlog.channel", "event.provider", ""},
     {"Channel", "channel", "LogName", "log_name"}},
    {"Computer", "Event.System.Computer", {"winlog.computer_name", "host.name", "host.hostname"},
     {"Computer", "Hostname", "ComputerName", "computer_name"}},
    {"ComputerName", "Event.System.Computer", {"winlog.computer_name", "host.name", ""},
     {"ComputerName", "Hostname", "Computer", ""}},
    {"Hostname", "Event.System.Computer", {"host.name", "winlog.computer_name", ""},
     {"Hostname", "Computer", "ComputerName", ""}},
    {"Provider_Name", "Event.System.Provider.@Name", {"winlog.provider_name", "", ""},
     {"Provider_Name", "SourceName", "ProviderName", "Provider", "source_name"}},
    {"Provider_Guid", "Event.System.Provider.@Guid", {"winlog.provider_guid", "", ""},
     {"Provider_Guid", "ProviderGuid", "provider_guid", ""}},
    {"EventRecordID", "Event.System.EventRecordID", {"winlog.record_id", "", ""},
     {"EventRecordID", "RecordNumber", "record_id", "record_number"}},
    {"Level", "Event.System.Level", {"winlog.level", "log.level", ""}, {"Level", "", "", ""}},
    {"Task", "Event.System.Task", {"winlog.task", "", ""}, {"Task", "", "", ""}},
    {"Opcode", "Event.System.Opcode", {"winlog.opcode", "", ""}, {"Opcode", "", "", ""}},
    {"Keywords", "Event.System.Keywords", {"winlog.keywords", "", ""}, {"Keywords", "", "", ""}},
    {"Version", "Event.System.Version", {"winlog.version", "", ""}, {"Version", "", "", ""}},
    {"TimeCreated", "Event.System.TimeCreated.@SystemTime", {"@timestamp", "", ""},
     {"TimeCreated", "@timestamp", "EventTime", ""}},
    {"Security_UserID", "Event.System.Security.@UserID", {"winlog.user.identifier", "", ""},
     {"UserID", "", "", ""}},
};

// Lengths of the alias names, as bits: most field names fail this test and skip the loop.
constexpr uint64_t alias_lengths() {
  uint64_t bits = 0;
  for (const Alias& a : kAliases) bits |= uint64_t{1} << a.sigma.size();
  return bits;
}

// Fields that only some flat layouts carry under their own name. NXLog renders the unnamed
// <Data> strings of classic events (Windows PowerShell 400/600/800, many Application events)
// into `Message` only, so Sigma's `Data` is looked up there when the event has no `Data`.
struct Fallback {
  std::string_view sigma;
  std::string_view flat;
};
constexpr Fallback kFlatFallbacks[] = {{"Data", "Message"}};

const Fallback* find_fallback(std::string_view name) {
  for (const Fallback& f : kFlatFallbacks) {
    if (iequals(f.sigma, name)) return &f;
  }
  return nullptr;
}

const Alias* find_alias(std::string_view name) {
  if (name.size() >= 64 || !((alias_lengths() >> name.size()) & 1)) return nullptr;
  for (const Alias& a : kAliases) {
    if (iequals(a.sigma, name)) return &a;
  }
  return nullptr;
}

// Walks `path` where a segment starting with '@' is an XML attribute (evtx_dump `#attributes`).
Value walk_attr(Value from, std::string_view path) {
  Value cur = from;
  while (cur && !path.empty()) {
    size_t dot = path.find('.');
    std::string_view seg = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!seg.empty() && seg[0] == '@') {
      cur = cur.get("#attributes").get(seg.substr(1));
    } else {
      cur = cur.get(seg);
    }
  }
  return cur;
}

Value lookup_key(Value obj, std::string_view name) {
  Value v = obj.get(name);
  if (!v) v = obj.get_icase(name);
  return v;
}

}  // namespace

Value FieldResolver::unwrap(Value v) {
  if (v && v.kind() == Kind::kObject) {
    Value t = v.get("#text");
    if (t) return t;
  }
  return v;
}

void FieldResolver::end_keys(std::string_view name, Layout layout, std::vector<std::string_view>* out) {
  auto last_step = [](std::string_view path) {
    size_t dot = path.rfind('.');
    std::string_view seg = dot == std::string_view::npos ? path : path.substr(dot + 1);
    if (!seg.empty() && seg[0] == '@') seg.remove_prefix(1);  // an attribute: key without '@'
    return seg;
  };
  out->push_back(name);
  out->push_back(last_step(name));
  if (layout == Layout::kFlat) {
    if (const Fallback* f = find_fallback(name)) out->push_back(f->flat);
  }
  const Alias* a = find_alias(name);
  if (!a) return;
  switch (layout) {
    case Layout::kEvtxDump:
      out->push_back(last_step(a->evtx));
      break;
    case Layout::kEcs:
      for (std::string_view p : a->ecs) {
        if (!p.empty()) {
          out->push_back(p);  // also tried as one literal key
          out->push_back(last_step(p));
        }
      }
      break;
    case Layout::kFlat:
      for (std::string_view p : a->flat) {
        if (!p.empty()) out->push_back(p);
      }
      break;
  }
}

Value FieldResolver::walk(Value from, std::string_view dotted) {
  Value cur = from;
  while (cur && !dotted.empty()) {
    size_t dot = dotted.find('.');
    std::string_view seg = dotted.substr(0, dot);
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
    cur = lookup_key(cur, seg);
  }
  return cur;
}

void FieldResolver::detect(const Event& ev) {
  Value root = ev.root();
  ev.section_count_ = 0;
  ev.system_ = 0;
  auto add = [&](Value v) {
    if (v && v.kind() == Kind::kObject && ev.section_count_ < 4) {
      ev.sections_[ev.section_count_++] = v.index();
    }
  };
  // The first Event, winlog, event_data and user_data children (as get() finds them), in one
  // pass: a flat NXLog event has some forty keys and none of them.
  Value e, w, flat_data, flat_ud;
  for (Value c = root.kind() == Kind::kObject ? root.first_child() : Value(); c; c = c.next()) {
    const std::string_view key = c.key();
    switch (key.size()) {
      case 5:
        if (!e && key == "Event") e = c;
        break;
      case 6:
        if (!w && key == "winlog") w = c;
        break;
      case 10:
        if (!flat_data && key == "event_data") flat_data = c;
        break;
      case 9:
        if (!flat_ud && key == "user_data") flat_ud = c;
        break;
      default:
        break;
    }
  }
  if (e && e.kind() == Kind::kObject) {
    ev.layout_ = static_cast<int>(Layout::kEvtxDump);
    // The first EventData, UserData and System children (as get() finds them), in one pass.
    Value data, ud, system;
    for (Value c = e.first_child(); c; c = c.next()) {
      const std::string_view key = c.key();
      if (key.size() == 9) {
        if (!data && key == "EventData") data = c;
      } else if (key.size() == 8) {
        if (!ud && key == "UserData") ud = c;
      } else if (key.size() == 6) {
        if (!system && key == "System") system = c;
      }
    }
    add(data);
    // UserData holds one element named after the event schema (e.g. LogFileCleared).
    if (ud && ud.kind() == Kind::kObject) {
      Value first = ud.first_child();
      if (first && first.kind() == Kind::kObject && first.key() != "#attributes") {
        add(first);
      } else {
        add(ud);
      }
    }
    if (system && system.kind() == Kind::kObject) ev.system_ = system.index();
    add(system);
    return;
  }
  if (w && w.kind() == Kind::kObject) {
    ev.layout_ = static_cast<int>(Layout::kEcs);
    add(w.get("event_data"));
    add(w.get("user_data"));
    add(w);
    add(root);
    return;
  }
  ev.layout_ = static_cast<int>(Layout::kFlat);
  // Winlogbeat 6 (before ECS) keeps the event's own fields in `event_data` / `user_data` beside
  // flat system fields; NXLog puts everything at the root.
  add(flat_data);
  add(flat_ud);
  add(root);
}

Layout FieldResolver::layout(const Event& ev) {
  if (ev.layout_ < 0) detect(ev);
  return static_cast<Layout>(ev.layout_);
}

Value FieldResolver::system_node(const Event& ev) {
  if (layout(ev) != Layout::kEvtxDump || ev.system_ == 0) return {};
  return Value(&ev, ev.system_);
}

Value FieldResolver::resolve(const Event& ev, std::string_view name) {
  Layout lay = layout(ev);
  Value root = ev.root();
  // Data sections first: an EventData field named like a system field (rare) wins for flat logs
  // only through the alias table below, so system aliases are checked before sections.
  if (const Alias* a = find_alias(name)) {
    switch (lay) {
      case Layout::kEvtxDump: {
        // Every alias lives under Event.System, which detect() has found: walk from there (a
        // missing or non-object System fails the walk as the full path would).
        constexpr std::string_view kSystem = "Event.System.";
        Value v;
        if (a->evtx.substr(0, kSystem.size()) != kSystem) {
          v = walk_attr(root, a->evtx);
        } else if (ev.system_ != 0) {
          v = walk_attr(Value(&ev, ev.system_), a->evtx.substr(kSystem.size()));
        }
        if (v) return unwrap(v);
        break;
      }
      case Layout::kEcs:
        for (std::string_view p : a->ecs) {
          if (p.empty()) continue;
          if (Value v = walk(root, p)) return v;
          if (Value v = root.get(p)) return v;
        }
        break;
      case Layout::kFlat:
        for (std::string_view p : a->flat) {
          if (p.empty()) continue;
          if (Value v = root.get(p)) return unwrap(v);
        }
        break;
    }
  }
  if (name.find('.') != std::string_view::npos) {
    if (Value v = walk(root, name)) return unwrap(v);
    if (Value v = lookup_key(root, name)) return unwrap(v);
  }
  // One pass over the sections for both rules: the first exact key wins at once (none can come
  // before it); otherwise the first case-insensitive one.
  // Keys of the right length are first told apart by their first letter (| 0x20 folds ASCII
  // case; it merges a few punctuation pairs too, so it only passes more keys to the full test).
  uint32_t folded = 0;
  const char first = name.empty() ? '\0' : static_cast<char>(name[0] | 0x20);
  for (uint32_t i = 0; i < ev.section_count_; ++i) {
    const uint32_t sec = ev.sections_[i];
    if (ev.node(sec).count == 0) continue;
    for (uint32_t c = sec + 1; c != 0; c = ev.node(c).next) {
      std::string_view key = ev.node(c).key;
      if (key.size() != name.size()) continue;
      if (!key.empty() && static_cast<char>(key[0] | 0x20) != first) continue;
      if (key == name) return unwrap(Value(&ev, c));
      if (folded == 0 && iequals(key, name)) folded = c;
    }
  }
  if (folded) return unwrap(Value(&ev, folded));
  if (lay == Layout::kFlat) {
    if (const Fallback* f = find_fallback(name)) return root.get(f->flat);
  }
  return {};
}

void FieldResolver::resolve_routing(const Event& ev, Value* event_id, Value* channel) {
  resolve_event_facts(ev, event_id, channel, nullptr);
}

void FieldResolver::resolve_event_facts(const Event& ev, Value* event_id, Value* channel, Value* computer) {
  *event_id = Value();
  *channel = Value();
  if (layout(ev) == Layout::kEvtxDump && ev.system_ != 0) {
    // resolve() walks Event.System.EventID / .Channel / .Computer with exact keys, the first
    // match winning: the same test here, all in one pass (EventID and Channel are both 7
    // letters long, so routing, which wants no Computer, compares only 7-letter keys).
    constexpr std::string_view kEventId = "EventID", kChannel = "Channel", kComputer = "Computer";
    static_assert(kEventId.size() == kChannel.size());
    Value found_computer;
    if (ev.node(ev.system_).count != 0) {
      for (uint32_t c = ev.system_ + 1; c != 0; c = ev.node(c).next) {
        const std::string_view key = ev.node(c).key;
        if (key.size() == kEventId.size()) {
          if (!*event_id && key == kEventId) {
            *event_id = Value(&ev, c);
          } else if (!*channel && key == kChannel) {
            *channel = Value(&ev, c);
          }
        } else if (computer && key.size() == kComputer.size() && !found_computer && key == kComputer) {
          found_computer = Value(&ev, c);
        }
        if (*event_id && *channel && (!computer || found_computer)) break;
      }
    }
    *event_id = *event_id ? unwrap(*event_id) : resolve(ev, kEventId);
    *channel = *channel ? unwrap(*channel) : resolve(ev, kChannel);
    if (computer) *computer = found_computer ? unwrap(found_computer) : resolve(ev, kComputer);
    return;
  }
  *event_id = resolve(ev, "EventID");
  *channel = resolve(ev, "Channel");
  if (computer) *computer = resolve(ev, "Computer");
}

FieldResolver::Names::Names(std::span<const std::string_view> names) : names_(names) {
  // Plain names, chained by bucket: a section child is compared only with the names of its
  // bucket, and most children (EventData fields that are no key field, System members) meet an
  // empty one.
  std::fill(std::begin(head_), std::end(head_), kNone);
  for (uint32_t i = 0; i < names.size(); ++i) {
    std::string_view n = names[i];
    if (i >= kMaxNames || find_alias(n) || find_fallback(n) || n.find('.') != std::string_view::npos) {
      other_.push_back(i);
      continue;
    }
    plain_[i] = true;
    // Appended at the tail: a bucket lists its names in input order.
    uint8_t* link = &head_[bucket(n)];
    while (*link != kNone) link = &next_[*link];
    *link = static_cast<uint8_t>(i);
    next_[i] = kNone;
    any_plain_ = true;
  }
}

void FieldResolver::resolve_many(const Event& ev, std::span<const std::string_view> names, Value* out) {
  resolve_many(ev, Names(names), out);
}

uint64_t FieldResolver::resolve_many(const Event& ev, const Names& prepared, Value* out) {
  constexpr uint8_t kNone = Names::kNone;
  const std::span<const std::string_view> names = prepared.names_;
  layout(ev);
  std::fill(out, out + names.size(), Value());
  uint64_t found = 0;
  for (uint32_t i : prepared.other_) {
    out[i] = resolve(ev, names[i]);
    if (out[i] && i < 64) found |= uint64_t{1} << i;
  }
  if (!prepared.any_plain_) return found;
  // First exact and first case-insensitive match of each plain name (node 0, the root, is never
  // a section member: 0 = none), and the names met, in the order met.
  uint32_t exact[Names::kMaxNames] = {}, icase[Names::kMaxNames] = {};
  uint8_t met[Names::kMaxNames];
  uint32_t met_count = 0;
  for (uint32_t s = 0; s < ev.section_count_; ++s) {
    const uint32_t sec = ev.sections_[s];
    if (ev.node(sec).count == 0) continue;
    for (uint32_t c = sec + 1; c != 0; c = ev.node(c).next) {
      const std::string_view key = ev.node(c).key;
      for (uint8_t i = prepared.head_[Names::bucket(key)]; i != kNone; i = prepared.next_[i]) {
        const std::string_view name = names[i];
        if (key.size() != name.size()) continue;
        // An exact match is a case-insensitive one too; each keeps its first.
        const bool same = key == name;
        if (!same && (icase[i] || !iequals(key, name))) continue;
        if (!icase[i]) {
          icase[i] = c;
          met[met_count++] = i;
        }
        if (same && !exact[i]) exact[i] = c;
      }
    }
  }
  for (uint32_t k = 0; k < met_count; ++k) {
    const uint8_t i = met[k];
    out[i] = unwrap(Value(&ev, exact[i] ? exact[i] : icase[i]));  // valid, unwrapped or not
    found |= uint64_t{1} << i;
  }
  return found;
}

std::optional<int64_t> event_time_us(const Event& ev) {
  static constexpr std::string_view kCandidates[] = {
      "Event.System.TimeCreated.@SystemTime", "@timestamp", "timestamp", "EventTime",
      "TimeCreated", "UtcTime", "time", "Timestamp", "event.created"};
  Value root = ev.root();
  for (size_t k = 0; k < std::size(kCandidates); ++k) {
    const std::string_view c = kCandidates[k];
    Value v;
    if (k == 0) {
      // The walk from the root passes the first `Event`, then its first `System`: the System
      // object layout detection found (none in other layouts: their `Event`, if any, is no
      // object, and the walk stops there).
      if (Value system = FieldResolver::system_node(ev)) {
        v = system.get("TimeCreated").get("#attributes").get("SystemTime");  // as walk_attr reads "@"
      }
    } else {
      v = c.find('@') == std::string_view::npos || c[0] == '@' ? root.get(c) : Value();
      if (!v) v = walk_attr(root, c);
    }
    if (!v) continue;
    if (v.is_string()) {
      if (auto t = parse_time_us(v.str())) return t;
    } else if (v.is_number()) {
      double d;
      if (v.as_double(&d)) {
        // Epoch seconds, milliseconds or microseconds, told apart by magnitude.
        if (d < 1e11) return static_cast<int64_t>(d * 1e6);
        if (d < 1e14) return static_cast<int64_t>(d * 1e3);
        return static_cast<int64_t>(d);
      }
    }
  }
  return std::nullopt;
}

}  // namespace vigil
