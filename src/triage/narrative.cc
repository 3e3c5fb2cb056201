// Narrative: an account assembled from the incident's own facts, in the order an analyst reads.
//
// No templates per signature: every sentence is built from what the engine recorded — the
// time span, the entities by kind, the alert types ordered by how surprising they were and by
// when they began, the ATT&CK stages they name, and the score factors. "What to check next"
// maps each stage to the question an analyst asks of it, and always ends with the scope check
// (other hosts, planned change). Short lists are cut with "and N more" so the text stays
// readable for incidents of thousands of alerts.
#include "triage/narrative.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/time.h"

namespace vigil::triage {

namespace {

std::string join_limited(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  size_t shown = std::min(items.size(), limit);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i + 1 == shown && items.size() <= limit) ? " and " : ", ";
    out += items[i];
  }
  if (items.size() > limit) out += " and " + std::to_string(items.size() - limit) + " more";
  return out;
}

std::vector<std::string> entities_of(const Incident& inc, EntityKind kind) {
  std::vector<std::string> out;
  for (const auto& [k, v] : inc.entities) {
    if (k == kind) out.push_back(v);
  }
  return out;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

const char* novelty_phrase(const std::string& novelty) {
  if (novelty == "new signature") return "never seen before anywhere";
  if (novelty == "new on entity") return "never seen on this host before";
  if (novelty == "rare return") return "back after a long quiet spell";
  if (novelty == "burst") return "firing far above its usual rate";
  return "";
}

std::string advice_for(Tactic t, const std::string& hosts) {
  switch (t) {
    case Tactic::kReconnaissance:
      return "Find the source of the scanning and whether it was authorised; note which services on " +
             hosts + " answered.";
    case Tactic::kInitialAccess:
      return "Review the web and service logs of " + hosts +
             " around the first alert for requests that succeeded (2xx answers, uploads).";
    case Tactic::kExecution:
      return "Look for shells or commands started by the service accounts on " + hosts + ".";
    case Tactic::kPersistence:
      return "List new services, scheduled tasks and startup entries on " + hosts + ".";
    case Tactic::kPrivilegeEscalation:
      return "Review sudo/su sessions and account changes on " + hosts +
             ": who became root, from which session, and what ran as root.";
    case Tactic::kDefenseEvasion:
      return "Look for renamed, injected or hidden code and tampered files on " + hosts + ".";
    case Tactic::kDefenseImpairment:
      return "Check whether logging or security tools on " + hosts + " were stopped or cleared.";
    case Tactic::kCredentialAccess:
      return "Check for failed logins followed by a success on " + hosts +
             " and reset credentials that may be exposed.";
    case Tactic::kDiscovery:
      return "See which accounts and systems were enumerated from " + hosts + ".";
    case Tactic::kLateralMovement:
      return "Trace remote logins and service creation from " + hosts + " to other machines.";
    case Tactic::kCollection:
      return "Look for archives or staged data on " + hosts + ".";
    case Tactic::kCommandAndControl:
      return "Inspect outbound connections from " + hosts + " for beaconing and unusual destinations.";
    case Tactic::kExfiltration:
      return "Measure outbound volume (DNS, HTTP, cloud storage) from " + hosts +
             " around the incident and identify the destinations.";
    case Tactic::kImpact:
      return "Check the integrity and availability of data and services on " + hosts + ".";
    case Tactic::kResourceDevelopment:
      return "Check for infrastructure or accounts prepared by the actor.";
  }
  return "";
}

}  // namespace

std::string human_time(int64_t us) {
  std::string iso = format_time_us(us);  // 2022-01-18T07:12:05.000000Z
  if (iso.size() >= 19) return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
  return iso;
}

std::string human_duration(int64_t us) {
  char buf[48];
  double s = static_cast<double>(us) / 1e6;
  if (s < 90) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 5400) {
    std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  } else if (s < 2 * 86400) {
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f days", s / 86400);
  }
  return buf;
}

std::string incident_title(const Incident& inc) {
  std::vector<std::string> hosts = entities_of(inc, EntityKind::kHost);
  if (hosts.empty()) hosts = entities_of(inc, EntityKind::kHostIp);
  std::string where;
  if (hosts.size() == 1) {
    where = hosts[0];
  } else if (hosts.size() > 1) {
    where = hosts[0] + " and " + plural(hosts.size() - 1, "other host", "other hosts");
  }
  std::string what;
  if (inc.is_routine_group && !inc.groups.empty()) {
    // One signature on one host: its own name says more than the stage it belongs to.
    what = inc.groups.front().title;
    if (what.size() > 60) what = what.substr(0, 57) + "...";
  } else if (inc.tactics != 0) {
    for (int i = 0; i < kTacticCount; ++i) {
      if (!has_tactic(inc.tactics, static_cast<Tactic>(i))) continue;
      if (!what.empty()) what += " → ";
      what += tactic_name(static_cast<Tactic>(i));
    }
  } else if (!inc.groups.empty()) {
    what = inc.groups.front().title;
    if (what.size() > 60) what = what.substr(0, 57) + "...";
    if (inc.groups.size() > 1) what += " (+" + std::to_string(inc.groups.size() - 1) + " types)";
  }
  return what + (where.empty() ? "" : " on " + where);
}

std::string write_narrative(const Incident& inc, size_t rank, double threshold) {
  std::string out;
  std::vector<std::string> hosts = entities_of(inc, EntityKind::kHost);
  std::vector<std::string> sensors;
  for (const AlertGroup& g : inc.groups) {
    if (std::find(sensors.begin(), sensors.end(), g.sensor) == sensors.end()) sensors.push_back(g.sensor);
  }
  // What and when.
  out += "What happened: " + plural(inc.alert_count, "alert", "alerts") + " of " +
         plural(inc.groups.size(), "type", "types") + " from " + join_limited(sensors, 4) +
         " between " + human_time(inc.first_us) + " and " + human_time(inc.last_us) + " (" +
         human_duration(inc.last_us - inc.first_us) + ").";
  // Where.
  std::vector<std::string> where;
  static constexpr std::pair<EntityKind, const char*> kWhere[] = {
      {EntityKind::kHost, "hosts"},       {EntityKind::kUser, "users"},
      {EntityKind::kSrcIp, "source addresses"}, {EntityKind::kDstIp, "destination addresses"},
      {EntityKind::kHostIp, "host addresses"},  {EntityKind::kProcess, "processes"},
      {EntityKind::kFile, "files"},       {EntityKind::kHash, "hashes"},
      {EntityKind::kUrl, "URLs"}};
  for (const auto& [kind, label] : kWhere) {
    std::vector<std::string> vs = entities_of(inc, kind);
    if (!vs.empty()) where.push_back(std::string(label) + " " + join_limited(vs, 5));
  }
  if (!where.empty()) out += "\nWhere: " + join_limited(where, where.size()) + ".";

  // How it unfolded: first alert type, then stages, then the most surprising types.
  if (!inc.groups.empty()) {
    const AlertGroup* first = &inc.groups.front();
    for (const AlertGroup& g : inc.groups) {
      if (g.first_us < first->first_us) first = &g;
    }
    out += "\nHow it unfolded: it began at " + human_time(first->first_us) + " with \"" +
           first->title + "\" on " + first->host + ".";
    if (inc.tactics != 0) {
      out += " Attack stages seen, in kill-chain order:";
      for (int i = 0; i < kTacticCount; ++i) {
        auto t = static_cast<Tactic>(i);
        if (!has_tactic(inc.tactics, t)) continue;
        std::vector<std::string> titles;
        for (const AlertGroup& g : inc.groups) {
          if (has_tactic(g.tactics, t) &&
              std::find(titles.begin(), titles.end(), "\"" + g.title + "\"") == titles.end()) {
            titles.push_back("\"" + g.title + "\"");
          }
        }
        out.append(" ").append(tactic_name(t)).append(" (").append(tactic_id(t)).append(": ");
        out.append(join_limited(titles, 2)).append(");");
      }
      out.back() = '.';
    }
    if (!inc.techniques.empty()) out += " Techniques: " + join_limited(inc.techniques, 6) + ".";
    std::vector<std::string> notable;
    for (const AlertGroup& g : inc.groups) {
      const char* phrase = novelty_phrase(g.novelty);
      if (*phrase == 0) continue;
      notable.push_back("\"" + g.title + "\" on " + g.host + " (" + phrase + ", " +
                        plural(g.count, "alert", "alerts") + ")");
      if (notable.size() == 4) break;
    }
    if (!notable.empty()) out += " Most unusual: " + join_limited(notable, 4) + ".";
  }
  if (!inc.merges.empty()) {
    out += " It grew from " + plural(inc.merges.size() + 1, "thread", "threads") +
           " joined by shared entities or timing.";
  }

  // Why it ranks here.
  char buf[96];
  std::snprintf(buf, sizeof buf, "\nWhy it ranks #%zu: score %.1f (surfacing threshold %.1f) = ", rank,
                inc.score, threshold);
  out += buf;
  std::vector<std::string> parts;
  for (const Factor& f : inc.factors) {
    std::snprintf(buf, sizeof buf, "%s %.1f", f.name.c_str(), f.value);
    parts.push_back(std::string(buf) + " (" + f.detail + ")");
  }
  out += parts.empty() ? std::string("nothing beyond the baseline.") : join_limited(parts, parts.size()) + ".";
  if (inc.lone_evidence) {
    out += std::string(inc.score < threshold ? " It is below the threshold and shown"
                                             : " It is shown whatever its score")
           + " because it is " + inc.reason + ".";
  }

  // What to check next.
  std::string scope = hosts.empty() ? std::string("the affected systems") : join_limited(hosts, 3);
  out += "\nWhat to check next:";
  int n = 0;
  for (int i = 0; i < kTacticCount && n < 4; ++i) {
    auto t = static_cast<Tactic>(i);
    if (!has_tactic(inc.tactics, t)) continue;
    // Name the hosts where this stage was seen.
    std::vector<std::string> stage_hosts;
    for (const AlertGroup& g : inc.groups) {
      if (has_tactic(g.tactics, t) &&
          std::find(stage_hosts.begin(), stage_hosts.end(), g.host) == stage_hosts.end()) {
        stage_hosts.push_back(g.host);
      }
    }
    out += "\n  - " + advice_for(t, stage_hosts.empty() ? scope : join_limited(stage_hosts, 3));
    ++n;
  }
  if (!inc.groups.empty()) {
    const AlertGroup& top = inc.groups.front();
    out += "\n  - Read the raw events behind \"" + top.title + "\" on " + top.host + " around " +
           human_time(top.first_us) + ".";
  }
  out += "\n  - Ask the owners of " + scope +
         " whether this activity was planned; if it was, record a false-positive verdict so it "
         "is suppressed next time.";
  return out;
}

}  // namespace vigil::triage
