// Log-source gating.
//
// Sigma rules name abstract log sources (windows/process_creation); events name concrete ones
// (Channel "Microsoft-Windows-Sysmon/Operational", EventID 1). The map in config/logsources.yml
// joins the two, and each rule compiles its logsource once into a Gate: a list of
// (channels, event IDs, renames) variants. At match time a Windows event is placed by Channel and
// EventID only — two field reads — which is also what lets the matcher index rules by
// (channel, event ID) instead of trying every rule. Renames let one Sysmon-spelled rule read the
// Security-log equivalent (4688's NewProcessName for Image) without a second copy of the rule.
// Non-Windows JSON has no such registry; those events are kept apart from Windows rules, and a
// hint field (logsource.product...) narrows them further when the producer wrote one.
#include "detect/logsource.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/text.h"

namespace vigil::sigma {
namespace {

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(item.as<std::string>());
  }
  return out;
}

SourceVariant read_variant(const YAML::Node& n) {
  SourceVariant v;
  for (auto& c : string_list(n["channels"])) v.channels.push_back(to_lower(c));
  for (const auto& c : string_list(n["channel"])) v.channels.push_back(to_lower(c));
  if (n["event_ids"]) {
    for (const auto& e : n["event_ids"]) v.event_ids.push_back(e.as<int64_t>());
  }
  if (n["renames"] && n["renames"].IsMap()) {
    auto r = std::make_shared<Renames>();
    for (const auto& kv : n["renames"]) r->emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    v.renames = std::move(r);
  }
  return v;
}

}  // namespace

std::string LogSource::describe() const {
  std::string out;
  for (const std::string* s : {&product, &category, &service}) {
    if (s->empty()) continue;
    if (!out.empty()) out += '/';
    out += *s;
  }
  return out.empty() ? "any" : out;
}

Result<LogSourceMap> LogSourceMap::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read log-source map " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

Result<LogSourceMap> LogSourceMap::parse(std::string_view text, const std::string& origin) {
  LogSourceMap map;
  try {
    YAML::Node root = YAML::Load(std::string(text));
    YAML::Node win = root["windows"];
    if (win && win["services"]) {
      for (const auto& kv : win["services"]) {
        Named s{to_lower(kv.first.as<std::string>()), {}};
        SourceVariant v;
        for (auto& c : string_list(kv.second)) v.channels.push_back(to_lower(c));
        s.variants.push_back(std::move(v));
        map.services_.push_back(std::move(s));
      }
    }
    if (win && win["categories"]) {
      for (const auto& kv : win["categories"]) {
        Named c{to_lower(kv.first.as<std::string>()), {}};
        if (kv.second.IsSequence()) {
          for (const auto& v : kv.second) c.variants.push_back(read_variant(v));
        } else if (kv.second.IsMap()) {
          c.variants.push_back(read_variant(kv.second));
        }
        map.categories_.push_back(std::move(c));
      }
    }
    static constexpr const char* kHintKeys[3] = {"product", "service", "category"};
    for (int k = 0; k < 3; ++k) {
      if (root["hints"] && root["hints"][kHintKeys[k]]) map.hints_[k] = string_list(root["hints"][kHintKeys[k]]);
    }
  } catch (const std::exception& e) {
    return Corrupt(origin + ": " + e.what());
  }
  return map;
}

const LogSourceMap::Named* LogSourceMap::find(const std::vector<Named>& list, std::string_view name) const {
  for (const Named& n : list) {
    if (iequals(n.name, name)) return &n;
  }
  return nullptr;
}

Gate LogSourceMap::gate_for(const LogSource& ls, std::string* note) const {
  Gate g;
  const bool windows_cat = !ls.category.empty() && find(categories_, ls.category) != nullptr;
  const bool windows = iequals(ls.product, "windows") || (ls.product.empty() && windows_cat);
  if (!windows) {
    if (ls.product.empty() && ls.service.empty() && ls.category.empty()) return g;  // kAny
    g.kind = Gate::Kind::kOther;
    g.product = ls.product;
    g.service = ls.service;
    g.category = ls.category;
    return g;
  }
  g.kind = Gate::Kind::kWindows;
  const Named* svc = ls.service.empty() ? nullptr : find(services_, ls.service);
  if (!ls.category.empty()) {
    const Named* cat = find(categories_, ls.category);
    if (!cat) {
      g.kind = Gate::Kind::kNever;
      *note = "windows category '" + ls.category + "' is not in the log-source map";
      return g;
    }
    g.variants = cat->variants;
    if (svc) {
      // Both named: keep the category's variants on the service's channels, if any are.
      std::vector<SourceVariant> kept;
      for (const SourceVariant& v : g.variants) {
        for (const std::string& ch : v.channels) {
          const auto& sc = svc->variants[0].channels;
          if (std::find(sc.begin(), sc.end(), ch) != sc.end()) {
            kept.push_back(v);
            break;
          }
        }
      }
      if (!kept.empty()) g.variants = std::move(kept);
    }
    return g;
  }
  if (!ls.service.empty()) {
    if (!svc) {
      g.kind = Gate::Kind::kNever;
      *note = "windows service '" + ls.service + "' is not in the log-source map";
      return g;
    }
    g.variants = svc->variants;
  }
  return g;
}

std::string_view LogSourceMap::channel_of(const Event& ev) {
  Value ch = ev.field("Channel");
  return ch.is_string() ? ch.str() : std::string_view();
}

std::string_view LogSourceMap::hint_of(const Event& ev, int key, std::string& scratch) const {
  for (const std::string& f : hints_[key]) {
    Value v = ev.field(f);
    if (v && !v.is_null() && !v.is_container()) return v.text(scratch);
  }
  return {};
}

bool LogSourceMap::admits(const Gate& gate, const Event& ev, const Renames** renames) const {
  *renames = nullptr;
  switch (gate.kind) {
    case Gate::Kind::kAny: return true;
    case Gate::Kind::kNever: return false;
    case Gate::Kind::kOther: {
      if (!channel_of(ev).empty()) return false;
      std::string scratch;
      const std::string* want[3] = {&gate.product, &gate.service, &gate.category};
      for (int k = 0; k < 3; ++k) {
        if (want[k]->empty()) continue;
        std::string_view have = hint_of(ev, k, scratch);
        if (!have.empty() && !iequals(have, *want[k])) return false;
      }
      return true;
    }
    case Gate::Kind::kWindows: {
      std::string_view channel = channel_of(ev);
      if (channel.empty()) return false;
      if (gate.variants.empty()) return true;
      int64_t eid = -1;
      bool has_eid = ev.field("EventID").as_int(&eid);
      for (const SourceVariant& v : gate.variants) {
        bool ch_ok = std::any_of(v.channels.begin(), v.channels.end(),
                                 [&](const std::string& c) { return iequals(c, channel); });
        if (!ch_ok) continue;
        if (!v.event_ids.empty() &&
            (!has_eid || std::find(v.event_ids.begin(), v.event_ids.end(), eid) == v.event_ids.end())) {
          continue;
        }
        *renames = v.renames.get();
        return true;
      }
      return false;
    }
  }
  return false;
}

}  // namespace vigil::sigma
