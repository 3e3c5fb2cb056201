// Profiles: one function per known layout, one table-driven map for everything else.
//
// The built-in layouts read the fields their sensors document: Wazuh's rule.{id, description,
// level, groups, mitre.{tactic, id}} and agent.{name, ip}; Suricata EVE's alert.{signature_id,
// signature, category, severity, metadata.mitre_*} with src_ip/dest_ip; the AIT alert CSV's five
// columns time,name,ip,host,short. The AIT profile asks the CSV reader for those five columns
// only and looks up nothing else, so extra columns (the data set's labels) can never reach the
// engine. Severities are brought to 0..100: Wazuh levels 0..15 scaled, Suricata's 1 (high) .. 4
// (low) mapped onto 80..20.
#include "triage/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/fields.h"
#include "core/text.h"
#include "core/time.h"

namespace vigil::triage {

namespace {

Value walk(const Event& ev, std::string_view path) {
  if (path.empty()) return {};
  Value v = ev.root().get(path);
  if (v) return v;
  return FieldResolver::walk(ev.root(), path);
}

std::string_view text_of(Value v, std::string& scratch) {
  if (!v || v.is_null() || v.is_container()) return {};
  return v.text(scratch);
}

// Appends the tactics named by a string or an array of strings.
TacticSet tactics_of(Value v) {
  TacticSet set = 0;
  if (!v) return set;
  auto one = [&](Value x) {
    if (!x.is_string()) return;
    if (auto t = parse_tactic(x.str())) set |= tactic_bit(*t);
  };
  if (v.kind() == vigil::Kind::kArray) {
    for (Value c = v.first_child(); c; c = c.next()) one(c);
  } else {
    one(v);
  }
  return set;
}

void techniques_of(Value v, Alert& out) {
  if (!v) return;
  int n = 0;
  auto one = [&](Value x) {
    if (x.is_string() && n < kMaxTechniques && !x.str().empty()) out.techniques[n++] = x.str();
  };
  if (v.kind() == vigil::Kind::kArray) {
    for (Value c = v.first_child(); c; c = c.next()) one(c);
  } else {
    one(v);
  }
}

std::string_view first_string(Value v) {
  if (!v) return {};
  if (v.kind() == vigil::Kind::kArray) {
    for (Value c = v.first_child(); c; c = c.next()) {
      if (c.is_string()) return c.str();
    }
    return {};
  }
  return v.is_string() ? v.str() : std::string_view{};
}

// -1 (none) for a value that is not a number ("nan" parses as one).
int scale_severity(double v, double max) {
  if (max <= 0 || std::isnan(v)) return -1;
  double s = std::round(v / max * 100);
  return static_cast<int>(std::clamp(s, 0.0, 100.0));
}

int severity_word(std::string_view w) {
  if (iequals(w, "critical")) return 95;
  if (iequals(w, "high")) return 75;
  if (iequals(w, "medium") || iequals(w, "moderate")) return 50;
  if (iequals(w, "low")) return 25;
  if (iequals(w, "info") || iequals(w, "informational")) return 5;
  return -1;
}

}  // namespace

std::optional<int64_t> alert_time_us(Value v) {
  if (!v) return std::nullopt;
  double num = 0;
  bool numeric = false;
  if (v.is_number()) {
    numeric = v.as_double(&num);
  } else if (v.is_string()) {
    std::string_view s = trim(v.str());
    if (!s.empty() && (s[0] >= '0' && s[0] <= '9') && s.find('-') == std::string_view::npos &&
        s.find(':') == std::string_view::npos) {
      numeric = parse_double(s, &num);
    } else {
      return parse_time_us(s);
    }
  }
  // Not finite, negative or past what int64 microseconds hold (year ~294,000): no time.
  if (!numeric || !(num >= 0) || num >= 9.2e18) return std::nullopt;
  // Seconds until the year 5138, milliseconds until then too, microseconds beyond.
  if (num < 1e11) return static_cast<int64_t>(std::llround(num * 1e6));
  if (num < 1e14) return static_cast<int64_t>(std::llround(num * 1e3));
  return static_cast<int64_t>(num);
}

std::vector<std::string> Profile::builtin_names() { return {"aitads", "wazuh", "suricata"}; }

Result<Profile> Profile::builtin(std::string_view name) {
  Profile p;
  p.name_ = std::string(name);
  if (name == "aitads") {
    p.kind_ = Kind::kAit;
    p.csv_columns_ = {"time", "name", "ip", "host", "short"};
  } else if (name == "wazuh") {
    p.kind_ = Kind::kWazuh;
  } else if (name == "suricata") {
    p.kind_ = Kind::kSuricata;
  } else {
    std::string known;
    for (const std::string& n : builtin_names()) known += (known.empty() ? "" : ", ") + n;
    return Invalid("unknown profile '" + std::string(name) + "' (built in: " + known +
                   "; or give a field map with --map)");
  }
  return p;
}

Result<Profile> Profile::generic(std::string_view spec) {
  Profile p;
  p.kind_ = Kind::kGeneric;
  p.name_ = "generic";
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view item = trim(spec.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Invalid("field map entry '" + std::string(item) + "' is not NAME=FIELD");
    std::string_view key = trim(item.substr(0, eq));
    std::string_view val = trim(item.substr(eq + 1));
    Field f;
    if (val.size() >= 2 && val.front() == '\'' && val.back() == '\'') {
      f.literal = std::string(val.substr(1, val.size() - 2));
    } else {
      f.path = std::string(val);
    }
    if (key == "severity_max") {
      if (!parse_double(val, &p.severity_max_) || p.severity_max_ <= 0) {
        return Invalid("severity_max must be a positive number");
      }
      continue;
    }
    Field* slot = nullptr;
    if (key == "time") slot = &p.time_;
    else if (key == "sensor") slot = &p.sensor_;
    else if (key == "rule") slot = &p.rule_;
    else if (key == "title") slot = &p.title_;
    else if (key == "category") slot = &p.category_;
    else if (key == "severity") slot = &p.severity_;
    else if (key == "tactic") slot = &p.tactic_;
    else if (key == "technique") slot = &p.technique_;
    else if (auto kind = parse_entity_kind(key)) slot = &p.entities_[static_cast<int>(*kind)];
    if (slot == nullptr) return Invalid("field map: unknown name '" + std::string(key) + "'");
    *slot = std::move(f);
    if (!slot->path.empty() && slot->path.find('.') == std::string::npos) {
      p.csv_columns_.push_back(slot->path);
    }
  }
  if (p.time_.path.empty()) return Invalid("field map needs time=FIELD");
  if (p.title_.path.empty() && p.title_.literal.empty() && p.rule_.path.empty()) {
    return Invalid("field map needs title=FIELD (or rule=FIELD)");
  }
  // A dotted path means JSON; a CSV would then have to be read whole.
  for (const Field* f : {&p.time_, &p.title_, &p.rule_}) {
    if (f->path.find('.') != std::string::npos) p.csv_columns_.clear();
  }
  return p;
}

Profile::Outcome Profile::map(const Event& ev, Alert& out, MapScratch& scratch, std::string* why) const {
  out = Alert{};
  switch (kind_) {
    case Kind::kAit: return map_ait(ev, out, why);
    case Kind::kWazuh: return map_wazuh(ev, out, scratch, why);
    case Kind::kSuricata: return map_suricata(ev, out, scratch, why);
    case Kind::kGeneric: return map_generic(ev, out, scratch, why);
  }
  return Outcome::kSkip;
}

Profile::Outcome Profile::map_ait(const Event& ev, Alert& out, std::string* why) const {
  Value root = ev.root();
  auto t = alert_time_us(root.get("time"));
  if (!t) {
    if (why) *why = "no epoch time in column 'time'";
    return Outcome::kBad;
  }
  out.time_us = *t;
  Value name = root.get("name");
  if (!name.is_string() || name.str().empty()) {
    if (why) *why = "empty column 'name'";
    return Outcome::kBad;
  }
  std::string_view full = name.str();
  size_t colon = full.find(": ");
  if (colon != std::string_view::npos && colon > 0) {
    out.sensor = full.substr(0, colon);
    out.title = full.substr(colon + 2);
  } else {
    out.sensor = "unknown";
    out.title = full;
  }
  Value shortname = root.get("short");
  if (shortname.is_string()) out.category = shortname.str();
  Value host = root.get("host");
  if (host.is_string()) out.set_entity(EntityKind::kHost, host.str());
  Value ip = root.get("ip");
  if (ip.is_string()) out.set_entity(EntityKind::kHostIp, ip.str());
  return Outcome::kAlert;
}

Profile::Outcome Profile::map_wazuh(const Event& ev, Alert& out, MapScratch& scratch,
                                    std::string* why) const {
  Value rule = walk(ev, "rule");
  if (!rule || rule.kind() != vigil::Kind::kObject) return Outcome::kSkip;
  auto t = alert_time_us(walk(ev, "timestamp"));
  if (!t) t = alert_time_us(walk(ev, "@timestamp"));
  if (!t) {
    if (why) *why = "Wazuh alert without timestamp";
    return Outcome::kBad;
  }
  out.time_us = *t;
  out.sensor = "Wazuh";
  out.rule_id = text_of(rule.get("id"), scratch.text[0]);
  out.title = text_of(rule.get("description"), scratch.text[1]);
  if (out.title.empty() && out.rule_id.empty()) {
    if (why) *why = "Wazuh alert without rule.id or rule.description";
    return Outcome::kBad;
  }
  out.category = first_string(rule.get("groups"));
  double level = 0;
  if (Value lv = rule.get("level"); lv && lv.as_double(&level)) out.severity = scale_severity(level, 15);
  Value mitre = rule.get("mitre");
  if (mitre) {
    out.tactics = tactics_of(mitre.get("tactic"));
    techniques_of(mitre.get("id"), out);
  }
  out.set_entity(EntityKind::kHost, text_of(walk(ev, "agent.name"), scratch.text[2]));
  out.set_entity(EntityKind::kHostIp, text_of(walk(ev, "agent.ip"), scratch.text[3]));
  for (const char* f : {"data.srcip", "data.src_ip"}) {
    if (Value v = walk(ev, f); v && v.is_string()) out.set_entity(EntityKind::kSrcIp, v.str());
  }
  for (const char* f : {"data.dstip", "data.dst_ip"}) {
    if (Value v = walk(ev, f); v && v.is_string()) out.set_entity(EntityKind::kDstIp, v.str());
  }
  for (const char* f : {"data.dstuser", "data.srcuser", "data.win.eventdata.targetUserName",
                        "data.win.eventdata.subjectUserName"}) {
    if (!out.entity(EntityKind::kUser).empty()) break;
    if (Value v = walk(ev, f); v && v.is_string()) out.set_entity(EntityKind::kUser, v.str());
  }
  if (Value v = walk(ev, "syscheck.path"); v && v.is_string()) out.set_entity(EntityKind::kFile, v.str());
  if (Value v = walk(ev, "syscheck.sha256_after"); v && v.is_string()) out.set_entity(EntityKind::kHash, v.str());
  if (Value v = walk(ev, "data.win.eventdata.image"); v && v.is_string()) out.set_entity(EntityKind::kProcess, v.str());
  if (Value v = walk(ev, "data.url"); v && v.is_string()) out.set_entity(EntityKind::kUrl, v.str());
  return Outcome::kAlert;
}

Profile::Outcome Profile::map_suricata(const Event& ev, Alert& out, MapScratch& scratch,
                                       std::string* why) const {
  Value type = walk(ev, "event_type");
  if (!type.is_string() || type.str() != "alert") return Outcome::kSkip;
  Value alert = walk(ev, "alert");
  if (!alert || alert.kind() != vigil::Kind::kObject) {
    if (why) *why = "Suricata alert event without an 'alert' object";
    return Outcome::kBad;
  }
  auto t = alert_time_us(walk(ev, "timestamp"));
  if (!t) {
    if (why) *why = "Suricata alert without timestamp";
    return Outcome::kBad;
  }
  out.time_us = *t;
  out.sensor = "Suricata";
  out.rule_id = text_of(alert.get("signature_id"), scratch.text[0]);
  out.title = text_of(alert.get("signature"), scratch.text[1]);
  if (out.title.empty() && out.rule_id.empty()) {
    if (why) *why = "Suricata alert without signature or signature_id";
    return Outcome::kBad;
  }
  Value cat = alert.get("category");
  if (cat.is_string()) out.category = cat.str();
  int64_t sev = 0;
  if (Value sv = alert.get("severity"); sv && sv.as_int(&sev) && sev >= 1) {
    // Severity 1 is the highest; 5 and beyond are all 0 (a huge one must not overflow).
    out.severity = static_cast<int>(100 - std::min<int64_t>(sev, 5) * 20);
  }
  if (Value meta = alert.get("metadata"); meta) {
    out.tactics = tactics_of(meta.get("mitre_tactic_id")) | tactics_of(meta.get("mitre_tactic_name"));
    techniques_of(meta.get("mitre_technique_id"), out);
  }
  if (Value v = walk(ev, "host"); v && v.is_string()) out.set_entity(EntityKind::kHost, v.str());
  if (Value v = walk(ev, "src_ip"); v && v.is_string()) out.set_entity(EntityKind::kSrcIp, v.str());
  if (Value v = walk(ev, "dest_ip"); v && v.is_string()) out.set_entity(EntityKind::kDstIp, v.str());
  Value hostname = walk(ev, "http.hostname");
  Value url = walk(ev, "http.url");
  if (hostname.is_string() && url.is_string()) {
    scratch.text[2].assign(hostname.str());
    scratch.text[2].append(url.str());
    out.set_entity(EntityKind::kUrl, scratch.text[2]);
  }
  if (Value v = walk(ev, "fileinfo.filename"); v && v.is_string()) out.set_entity(EntityKind::kFile, v.str());
  if (Value v = walk(ev, "fileinfo.sha256"); v && v.is_string()) out.set_entity(EntityKind::kHash, v.str());
  return Outcome::kAlert;
}

Profile::Outcome Profile::map_generic(const Event& ev, Alert& out, MapScratch& scratch,
                                      std::string* why) const {
  auto get = [&](const Field& f, std::string& buf) -> std::string_view {
    if (!f.path.empty()) return text_of(walk(ev, f.path), buf);
    return f.literal;
  };
  auto t = alert_time_us(walk(ev, time_.path));
  if (!t) {
    if (why) *why = "no readable time in field '" + time_.path + "'";
    return Outcome::kBad;
  }
  out.time_us = *t;
  out.sensor = get(sensor_, scratch.text[0]);
  if (out.sensor.empty()) out.sensor = "generic";
  out.rule_id = get(rule_, scratch.text[1]);
  out.title = get(title_, scratch.text[2]);
  if (out.title.empty() && out.rule_id.empty()) {
    if (why) *why = "empty title and rule fields";
    return Outcome::kBad;
  }
  out.category = get(category_, scratch.text[3]);
  if (!severity_.path.empty()) {
    Value v = walk(ev, severity_.path);
    double num = 0;
    if (v && v.as_double(&num)) {
      out.severity = scale_severity(num, severity_max_);
    } else if (v.is_string()) {
      out.severity = severity_word(v.str());
    }
  }
  if (!tactic_.path.empty()) out.tactics = tactics_of(walk(ev, tactic_.path));
  if (!technique_.path.empty()) techniques_of(walk(ev, technique_.path), out);
  for (int k = 0; k < kEntityKinds; ++k) {
    const Field& f = entities_[k];
    if (f.path.empty() && f.literal.empty()) continue;
    if (!f.literal.empty()) {
      out.entities[k] = f.literal;
      continue;
    }
    Value v = walk(ev, f.path);
    if (v.is_string()) {
      out.entities[k] = v.str();
    } else if (v && !v.is_container() && !v.is_null() && k < 2) {
      out.entities[k] = v.text(scratch.text[4 + k]);
    }
  }
  return Outcome::kAlert;
}

}  // namespace vigil::triage
