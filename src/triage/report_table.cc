// Table report: surfaced incidents ranked, each on three lines of at most 80 columns (figures,
// title, score factors), then one-line summaries of what was closed and why.
#include <algorithm>
#include <cstdio>

#include "triage/narrative.h"
#include "triage/report.h"

namespace vigil::triage {

namespace {

constexpr size_t kWidth = 80;

// Cuts `s` to `width` code points (UTF-8), ending with "…" when cut.
std::string fit(const std::string& s, size_t width) {
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (points == width - 1) {
        // Is there more than one code point left?
        size_t rest = 0;
        for (size_t j = i; j < s.size(); ++j) rest += (static_cast<unsigned char>(s[j]) & 0xC0) != 0x80;
        if (rest > 1) return s.substr(0, i) + "…";
      }
      ++points;
    }
  }
  return s;
}

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string short_time(int64_t us) {
  std::string t = human_time(us);  // "2022-01-18 07:12:05 UTC"
  return t.size() >= 16 ? t.substr(0, 16) : t;
}

size_t host_count(const Incident& inc) {
  size_t n = 0;
  for (const auto& [k, v] : inc.entities) n += k == EntityKind::kHost;
  return n;
}

}  // namespace

std::string render_table(const Snapshot& snap, const ReportOptions& opts) {
  std::string out;
  char buf[256];
  if (snap.alerts == 0) return "vigil triage: no alerts read.\n";
  out += fit(thousands(snap.alerts) + " alerts, " + short_time(snap.first_us) + " to " +
                 short_time(snap.last_us) + " UTC" + (opts.inputs.empty() ? "" : ", " + opts.inputs),
             kWidth) +
         "\n";
  out += thousands(snap.surfaced) + " surfaced (" + thousands(snap.surfaced_alerts) + " alerts) · " +
         thousands(snap.auto_closed) + " auto-closed · " + thousands(snap.suppressed) +
         " suppressed\n\n";
  if (snap.surfaced == 0) {
    out += "Nothing needs an analyst: every alert is routine or too weak to act on.\n";
  } else {
    out += " #  SCORE  ID            FIRST SEEN (UTC)   ALERTS  HOSTS  TYPES\n";
  }
  size_t rank = 0;
  for (const Incident& inc : snap.incidents) {
    if (inc.status != IncidentStatus::kSurfaced) continue;
    if (++rank > opts.max_rows) break;
    std::snprintf(buf, sizeof buf, "%2zu %6.1f  %-12s  %-16s  %7s  %5zu  %5zu\n", rank, inc.score,
                  inc.id.c_str(), short_time(inc.first_us).c_str(), thousands(inc.alert_count).c_str(),
                  host_count(inc), inc.groups.size());
    out += buf;
    out += fit("    " + inc.title, kWidth) + "\n";
    std::string why = "    why: ";
    for (size_t i = 0; i < inc.factors.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s%s %.1f", i ? ", " : "", inc.factors[i].name.c_str(),
                    inc.factors[i].value);
      why += buf;
    }
    out += fit(why, kWidth) + "\n";
  }
  if (snap.surfaced > opts.max_rows) {
    out += "    ... and " + std::to_string(snap.surfaced - opts.max_rows) +
           " more surfaced incidents (see --format json or html)\n";
  }

  // What was closed.
  size_t correlations = 0, routine = 0, suppressed = 0;
  uint64_t routine_alerts = 0, suppressed_alerts = 0, correlation_alerts = 0;
  for (const Incident& inc : snap.incidents) {
    if (inc.status == IncidentStatus::kSuppressed) {
      ++suppressed;
      suppressed_alerts += inc.alert_count;
    } else if (inc.status == IncidentStatus::kAutoClosed && inc.is_routine_group) {
      ++routine;
      routine_alerts += inc.alert_count;
    } else if (inc.status == IncidentStatus::kAutoClosed) {
      ++correlations;
      correlation_alerts += inc.alert_count;
    }
  }
  out += '\n';
  out += fit("Auto-closed: " + thousands(routine) + " routine alert types (" + thousands(routine_alerts) +
                 " alerts),",
             kWidth);
  out += '\n';
  out += fit("             " + thousands(correlations) + " weak correlations (" + thousands(correlation_alerts) +
                 " alerts).",
             kWidth) +
         "\n";
  if (suppressed > 0) {
    out += fit("Suppressed:  " + thousands(suppressed) + " alert types (" + thousands(suppressed_alerts) +
                   " alerts) judged benign by an analyst.",
               kWidth) +
           "\n";
  }
  if (opts.show_auto_closed) {
    out += "\nWeak correlations (below the surfacing threshold; * one unusual signature that\n"
           "nothing corroborates):\n";
    for (const Incident& inc : snap.incidents) {
      if (inc.status != IncidentStatus::kAutoClosed || inc.is_routine_group) continue;
      std::snprintf(buf, sizeof buf, " %s%5.1f  %-12s  ",
                    inc.score >= opts.surface_threshold ? "*" : " ", inc.score, inc.id.c_str());
      out += fit(buf + inc.title, kWidth) + "\n";
    }
    out += "\nLargest routine alert types:\n";
    std::vector<const Incident*> top;
    for (const Incident& inc : snap.incidents) {
      if (inc.is_routine_group && inc.status == IncidentStatus::kAutoClosed) top.push_back(&inc);
    }
    std::sort(top.begin(), top.end(),
              [](const Incident* a, const Incident* b) { return a->alert_count > b->alert_count; });
    for (size_t i = 0; i < top.size() && i < 10; ++i) {
      out += fit("  " + thousands(top[i]->alert_count) + "  " + top[i]->title, kWidth) + "\n";
      out += fit("         " + top[i]->reason, kWidth) + "\n";
    }
  }
  return out;
}

}  // namespace vigil::triage
