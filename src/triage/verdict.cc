// The state file: verdicts and what they teach, as one small JSON document.
//
// A false positive teaches suppression, scoped to the narrowest unit the engine reasons about:
// one signature on one host, for each alert type of the judged incident. Another signature on
// the same host, or the same signature on another host, is never hidden — and even the
// suppressed type escapes when it bursts beyond its habit (the engine checks that). A true
// positive teaches the opposite: those alert types surface whenever they recur. The catalogue of
// the last run's incidents lets `vigil verdict` name an incident by id without re-reading logs.
#include "triage/verdict.h"

#include <simdjson.h>

#include <algorithm>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/event.h"
#include "core/time.h"

namespace vigil::triage {

namespace {

void put_string(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":\"";
  json_escape(value, out);
  out += '"';
}

void put_key(std::string& out, const KeyRef& k) {
  out += '{';
  put_string(out, "sensor", k.sensor);
  out += ',';
  put_string(out, "rule", k.rule);
  out += ',';
  put_string(out, "host", k.host);
  out += '}';
}

void put_keys(std::string& out, const std::vector<KeyRef>& keys) {
  out += '[';
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ',';
    put_key(out, keys[i]);
  }
  out += ']';
}

std::string get_string(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) == simdjson::SUCCESS) return std::string(v);
  return {};
}

int64_t get_time(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return 0;
  return parse_time_us(v).value_or(0);
}

KeyRef get_key(simdjson::dom::element e) {
  return {get_string(e, "sensor"), get_string(e, "rule"), get_string(e, "host")};
}

Result<std::vector<KeyRef>> keys_of(simdjson::dom::array arr, std::string_view what) {
  std::vector<KeyRef> out;
  for (simdjson::dom::element k : arr) {
    KeyRef ref = get_key(k);
    if (ref.rule.empty()) return Corrupt("an entry of " + std::string(what) + " has no rule");
    out.push_back(std::move(ref));
  }
  return out;
}

Result<std::vector<KeyRef>> get_keys(simdjson::dom::element e, const char* key) {
  simdjson::dom::array arr;
  if (e[key].get_array().get(arr) != simdjson::SUCCESS) return std::vector<KeyRef>{};
  return keys_of(arr, std::string("\"") + key + "\"");
}

}  // namespace

std::string key_json(const KeyRef& key) {
  std::string out;
  put_key(out, key);
  return out;
}

std::string keys_json(const std::vector<KeyRef>& keys) {
  std::string out;
  put_keys(out, keys);
  return out;
}

Result<KeyRef> parse_key_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return Corrupt("an alert type must be a JSON object");
  }
  KeyRef key = get_key(root);
  if (key.rule.empty()) return Corrupt("an alert type has no rule");
  return key;
}

Result<std::vector<KeyRef>> parse_keys_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  simdjson::dom::array arr;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS || root.get_array().get(arr) != simdjson::SUCCESS) {
    return Corrupt("a list of alert types must be a JSON array");
  }
  return keys_of(arr, "a list of alert types");
}

const char* verdict_name(Verdict v) {
  return v == Verdict::kTruePositive ? "true_positive" : "false_positive";
}

std::string TriageState::to_json() const {
  std::string out = "{\"version\":1,\n\"verdicts\":[";
  for (size_t i = 0; i < verdicts_.size(); ++i) {
    const VerdictRecord& v = verdicts_[i];
    out += i ? ",\n " : "\n ";
    out += '{';
    put_string(out, "incident", v.incident);
    out += ',';
    put_string(out, "verdict", verdict_name(v.verdict));
    out += ',';
    put_string(out, "reason", v.reason);
    out += ',';
    put_string(out, "recorded", format_time_us(v.recorded_us));
    out += ',';
    put_string(out, "title", v.title);
    out += ",\"keys\":";
    put_keys(out, v.keys);
    out += '}';
  }
  out += "],\n\"suppressions\":[";
  for (size_t i = 0; i < suppressions_.size(); ++i) {
    const Suppression& s = suppressions_[i];
    out += i ? ",\n " : "\n ";
    out += '{';
    put_string(out, "sensor", s.key.sensor);
    out += ',';
    put_string(out, "rule", s.key.rule);
    out += ',';
    put_string(out, "host", s.key.host);
    out += ',';
    put_string(out, "incident", s.incident);
    out += ',';
    put_string(out, "reason", s.reason);
    out += '}';
  }
  out += "],\n\"confirmed\":";
  put_keys(out, confirmed_);
  out += ",\n\"incidents\":[";
  for (size_t i = 0; i < catalog_.size(); ++i) {
    const CatalogEntry& c = catalog_[i];
    out += i ? ",\n " : "\n ";
    out += '{';
    put_string(out, "id", c.id);
    out += ',';
    put_string(out, "title", c.title);
    out += ',';
    put_string(out, "status", status_name(c.status));
    char buf[64];
    std::snprintf(buf, sizeof buf, ",\"score\":%.2f,", c.score);
    out += buf;
    put_string(out, "first_seen", format_time_us(c.first_us));
    out += ',';
    put_string(out, "last_seen", format_time_us(c.last_us));
    out += ",\"keys\":";
    put_keys(out, c.keys);
    out += '}';
  }
  out += "]}\n";
  return out;
}

Result<TriageState> TriageState::from_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root); err) {
    return Corrupt(std::string("state file is not JSON: ") + simdjson::error_message(err));
  }
  if (!root.is_object()) return Corrupt("state file is not a JSON object");
  TriageState st;
  simdjson::dom::array arr;
  if (root["verdicts"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element v : arr) {
      VerdictRecord r;
      r.incident = get_string(v, "incident");
      std::string kind = get_string(v, "verdict");
      if (kind == "true_positive") {
        r.verdict = Verdict::kTruePositive;
      } else if (kind == "false_positive") {
        r.verdict = Verdict::kFalsePositive;
      } else {
        return Corrupt("verdict of " + r.incident + " is neither true_positive nor false_positive");
      }
      r.reason = get_string(v, "reason");
      r.recorded_us = get_time(v, "recorded");
      r.title = get_string(v, "title");
      auto keys = get_keys(v, "keys");
      if (!keys.ok()) return keys.status();
      r.keys = std::move(*keys);
      st.verdicts_.push_back(std::move(r));
    }
  }
  if (root["suppressions"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element v : arr) {
      Suppression s;
      s.key = get_key(v);
      if (s.key.rule.empty()) return Corrupt("a suppression has no rule");
      s.incident = get_string(v, "incident");
      s.reason = get_string(v, "reason");
      st.suppressions_.push_back(std::move(s));
    }
  }
  auto confirmed = get_keys(root, "confirmed");
  if (!confirmed.ok()) return confirmed.status();
  st.confirmed_ = std::move(*confirmed);
  if (root["incidents"].get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element v : arr) {
      CatalogEntry c;
      c.id = get_string(v, "id");
      c.title = get_string(v, "title");
      std::string status = get_string(v, "status");
      c.status = status == "surfaced" ? IncidentStatus::kSurfaced
                 : status == "suppressed" ? IncidentStatus::kSuppressed
                                          : IncidentStatus::kAutoClosed;
      double score = 0;
      if (v["score"].get_double().get(score) == simdjson::SUCCESS) c.score = score;
      c.first_us = get_time(v, "first_seen");
      c.last_us = get_time(v, "last_seen");
      auto keys = get_keys(v, "keys");
      if (!keys.ok()) return keys.status();
      c.keys = std::move(*keys);
      st.catalog_.push_back(std::move(c));
    }
  }
  return st;
}

Result<TriageState> TriageState::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::FILE* probe = std::fopen(path.c_str(), "rb");
    if (probe == nullptr) return TriageState{};  // no state yet
    std::fclose(probe);
    return IoError("cannot read state file " + path);
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  auto st = from_json(buf.str());
  if (!st.ok()) return st.status().with_context(path);
  return st;
}

Status TriageState::save(const std::string& path) const {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return IoError("cannot write " + tmp);
    out << to_json();
    if (!out) return IoError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return IoError("cannot replace " + path);
  return Status::Ok();
}

const CatalogEntry* TriageState::find(const std::string& id) const {
  for (const CatalogEntry& c : catalog_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Status TriageState::add_verdict(const std::string& incident, Verdict verdict, std::string reason,
                                int64_t now_us) {
  const CatalogEntry* entry = find(incident);
  if (entry == nullptr) {
    return NotFound("incident " + incident + " is not in the state's catalogue of the last run");
  }
  VerdictRecord r;
  r.incident = incident;
  r.verdict = verdict;
  r.reason = std::move(reason);
  r.recorded_us = now_us;
  r.title = entry->title;
  r.keys = entry->keys;
  for (const KeyRef& k : r.keys) {
    if (verdict == Verdict::kFalsePositive) {
      bool known = false;
      for (const Suppression& s : suppressions_) known |= s.key == k;
      if (!known) suppressions_.push_back({k, incident, r.reason});
      std::erase(confirmed_, k);
    } else {
      if (std::find(confirmed_.begin(), confirmed_.end(), k) == confirmed_.end()) confirmed_.push_back(k);
      std::erase_if(suppressions_, [&](const Suppression& s) { return s.key == k; });
    }
  }
  verdicts_.push_back(std::move(r));
  return Status::Ok();
}

void TriageState::set_suppressions(std::vector<Suppression> suppressions) {
  suppressions_ = std::move(suppressions);
}

void TriageState::set_confirmed(std::vector<KeyRef> confirmed) { confirmed_ = std::move(confirmed); }

void TriageState::record_incidents(const Snapshot& snapshot) {
  catalog_.clear();
  for (const Incident& inc : snapshot.incidents) {
    if (inc.status == IncidentStatus::kSuppressed) continue;
    CatalogEntry c;
    c.id = inc.id;
    c.title = inc.title;
    c.status = inc.status;
    c.score = inc.score;
    c.first_us = inc.first_us;
    c.last_us = inc.last_us;
    for (const AlertGroup& g : inc.groups) c.keys.push_back({g.sensor, g.rule, g.host});
    catalog_.push_back(std::move(c));
  }
}

}  // namespace vigil::triage
