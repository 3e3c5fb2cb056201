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
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/json_writer.h"
#include "core/time.h"

namespace vigil::triage {

namespace {

void write_key(JsonWriter& w, const KeyRef& k) {
  w.begin_object().field("sensor", k.sensor).field("rule", k.rule).field("host", k.host).end_object();
}

void write_keys(JsonWriter& w, const std::vector<KeyRef>& keys) {
  w.begin_array();
  for (const KeyRef& k : keys) write_key(w, k);
  w.end_array();
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
  JsonWriter w(out);
  write_key(w, key);
  return out;
}

std::string keys_json(const std::vector<KeyRef>& keys) {
  std::string out;
  JsonWriter w(out);
  write_keys(w, keys);
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
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("version", 1);
  w.line_break().key("verdicts").begin_array();
  for (const VerdictRecord& v : verdicts_) {
    w.line_break().begin_object();
    w.field("incident", v.incident).field("verdict", verdict_name(v.verdict)).field("reason", v.reason);
    w.field("recorded", format_time_us(v.recorded_us)).field("title", v.title);
    write_keys(w.key("keys"), v.keys);
    w.end_object();
  }
  w.end_array();
  w.line_break().key("suppressions").begin_array();
  for (const Suppression& s : suppressions_) {
    w.line_break().begin_object();
    w.field("sensor", s.key.sensor).field("rule", s.key.rule).field("host", s.key.host);
    w.field("incident", s.incident).field("reason", s.reason);
    w.end_object();
  }
  w.end_array();
  write_keys(w.line_break().key("confirmed"), confirmed_);
  w.line_break().key("incidents").begin_array();
  for (const CatalogEntry& c : catalog_) {
    w.line_break().begin_object();
    w.field("id", c.id).field("title", c.title).field("status", status_name(c.status));
    w.field("score", std::round(c.score * 100) / 100);
    w.field("first_seen", format_time_us(c.first_us)).field("last_seen", format_time_us(c.last_us));
    write_keys(w.key("keys"), c.keys);
    w.end_object();
  }
  w.end_array().end_object();
  out += '\n';
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
