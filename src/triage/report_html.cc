// HTML report: one self-contained page (inline CSS and SVG, no script, no network) — a timeline
// of alert volume with the surfaced incidents drawn over it, then each surfaced incident with its
// score factors, narrative, entities and alert groups, then what was closed and why.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/text.h"
#include "triage/narrative.h"
#include "triage/report.h"

namespace vigil::triage {

namespace {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  xml_escape(s, true, out);
  return out;
}

std::string fmt(const char* f, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

const char* kColors[] = {"#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#2ca02c",
                         "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

std::string timeline(const Snapshot& snap) {
  constexpr double kW = 960, kH = 230, kLeft = 50, kRight = 10, kTop = 10, kBars = 140;
  const Volume& v = snap.volume;
  int64_t span = std::max<int64_t>(snap.last_us - snap.first_us, 1);
  auto x = [&](int64_t t) {
    return kLeft + (kW - kLeft - kRight) * static_cast<double>(t - snap.first_us) / static_cast<double>(span);
  };
  uint64_t peak = 1;
  for (uint64_t c : v.counts) peak = std::max(peak, c);
  double log_peak = std::log10(static_cast<double>(peak) + 1);
  std::string svg = "<svg xmlns='http://www.w3.org/2000/svg' width='" + fmt("%.0f", kW) + "' height='" +
                    fmt("%.0f", kH) + "' role='img' aria-label='alert volume and incidents over time'>";
  svg += "<rect x='0' y='0' width='100%' height='100%' fill='#fafafa'/>";
  // Volume bars (log scale).
  for (size_t i = 0; i < v.counts.size(); ++i) {
    if (v.counts[i] == 0) continue;
    int64_t t0 = v.start_us + static_cast<int64_t>(i) * v.bucket_us;
    double x0 = x(t0), x1 = x(std::min(t0 + v.bucket_us, snap.last_us));
    double h = kBars * std::log10(static_cast<double>(v.counts[i]) + 1) / log_peak;
    svg += "<rect x='" + fmt("%.1f", x0) + "' y='" + fmt("%.1f", kTop + kBars - h) + "' width='" +
           fmt("%.1f", std::max(1.0, x1 - x0)) + "' height='" + fmt("%.1f", h) +
           "' fill='#b0b7c3'><title>" + std::to_string(v.counts[i]) + " alerts from " +
           esc(human_time(t0)) + "</title></rect>";
  }
  svg += "<text x='4' y='" + fmt("%.0f", kTop + 10) + "' font-size='10' fill='#555'>" +
         std::to_string(peak) + "/bucket</text>";
  svg += "<text x='4' y='" + fmt("%.0f", kTop + kBars) + "' font-size='10' fill='#555'>log</text>";
  // Incidents: surfaced as coloured spans in lanes, weak correlations as grey ticks.
  double lane_y = kTop + kBars + 12;
  size_t rank = 0;
  for (const Incident& inc : snap.incidents) {
    if (inc.is_routine_group || inc.status == IncidentStatus::kSuppressed) continue;
    double x0 = x(inc.first_us), x1 = std::max(x(inc.last_us), x0 + 3);
    if (inc.status == IncidentStatus::kSurfaced) {
      ++rank;
      const char* color = kColors[(rank - 1) % 10];
      double y = lane_y + static_cast<double>((rank - 1) % 4) * 14;
      svg += "<line x1='" + fmt("%.1f", x0) + "' x2='" + fmt("%.1f", x0) + "' y1='" + fmt("%.0f", kTop) +
             "' y2='" + fmt("%.1f", y) + "' stroke='" + color + "' stroke-dasharray='2,2'/>";
      svg += "<rect x='" + fmt("%.1f", x0) + "' y='" + fmt("%.1f", y) + "' width='" +
             fmt("%.1f", x1 - x0) + "' height='10' fill='" + color + "'><title>#" +
             std::to_string(rank) + " " + esc(inc.title) + "</title></rect>";
      svg += "<text x='" + fmt("%.1f", x1 + 3) + "' y='" + fmt("%.1f", y + 9) +
             "' font-size='10' fill='" + color + "'>#" + std::to_string(rank) + "</text>";
    } else {
      svg += "<rect x='" + fmt("%.1f", x0) + "' y='" + fmt("%.1f", kTop + kBars + 2) +
             "' width='2' height='6' fill='#888'><title>" + esc(inc.title) + " (auto-closed, score " +
             fmt("%.1f", inc.score) + ")</title></rect>";
    }
  }
  // Time axis: day boundaries, or every k days so that at most 60 lines are drawn (alert times
  // come from outside: a span of centuries must not cost a line per day).
  const int64_t day = 86400LL * 1000000;
  const uint64_t days = (static_cast<uint64_t>(snap.last_us) - static_cast<uint64_t>(snap.first_us)) /
                        static_cast<uint64_t>(day);
  const int64_t step = day * static_cast<int64_t>(days / 60 + 1);
  for (int64_t t = (snap.first_us / day + 1) * day; t < snap.last_us && t <= INT64_MAX - step;
       t += step) {
    svg += "<line x1='" + fmt("%.1f", x(t)) + "' x2='" + fmt("%.1f", x(t)) + "' y1='" + fmt("%.0f", kTop) +
           "' y2='" + fmt("%.0f", kH - 14) + "' stroke='#ddd'/>";
    svg += "<text x='" + fmt("%.1f", x(t) + 2) + "' y='" + fmt("%.0f", kH - 3) +
           "' font-size='10' fill='#555'>" + esc(human_time(t).substr(0, 10)) + "</text>";
  }
  svg += "</svg>";
  return svg;
}

void factor_bar(std::string& out, const Incident& inc) {
  double total = std::max(inc.score, 1e-9);
  out += "<div class='bar'>";
  static const char* kFactorColors[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                        "#edc948", "#b07aa1"};
  for (size_t i = 0; i < inc.factors.size(); ++i) {
    const Factor& f = inc.factors[i];
    out += "<span style='width:" + fmt("%.1f", 100 * f.value / total) + "%;background:" +
           kFactorColors[i % 7] + "' title='" + esc(f.name + " " + fmt("%.1f", f.value) + ": " + f.detail) +
           "'>" + esc(f.name) + "</span>";
  }
  out += "</div>";
}

}  // namespace

std::string render_html(const Snapshot& snap, const ReportOptions& opts) {
  std::string out;
  out += "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Vigil triage report</title>";
  out += "<style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}"
         "h1{font-size:20px}h2{font-size:16px;margin-top:28px}.card{border:1px solid #ddd;"
         "border-radius:6px;padding:12px 16px;margin:14px 0}.card h3{margin:0 0 6px;font-size:15px}"
         ".meta{color:#555;font-size:12px}.bar{display:flex;height:18px;margin:8px 0;font-size:11px;"
         "color:#fff;border-radius:3px;overflow:hidden}.bar span{overflow:hidden;white-space:nowrap;"
         "padding-left:3px}pre{white-space:pre-wrap;background:#f6f6f6;padding:8px;border-radius:4px;"
         "font:13px/1.4 system-ui,sans-serif}table{border-collapse:collapse;font-size:12px;width:100%}"
         "td,th{border-bottom:1px solid #eee;padding:2px 6px;text-align:left}td.n{text-align:right}"
         ".surfaced{border-left:5px solid #d62728}</style></head><body>";
  out += "<h1>Vigil triage report</h1>";
  out += "<p class='meta'>" + std::to_string(snap.alerts) + " alerts from " + esc(human_time(snap.first_us)) +
         " to " + esc(human_time(snap.last_us)) + (opts.inputs.empty() ? "" : " · " + esc(opts.inputs)) +
         "<br>" + std::to_string(snap.surfaced) + " incidents surfaced · " + std::to_string(snap.auto_closed) +
         " auto-closed · " + std::to_string(snap.suppressed) + " suppressed · surfacing threshold " +
         fmt("%.1f", opts.surface_threshold) + "</p>";
  if (snap.alerts > 0) out += timeline(snap);
  out += "<h2>Surfaced incidents</h2>";
  if (snap.surfaced == 0) out += "<p>Nothing needs an analyst.</p>";
  size_t rank = 0;
  for (const Incident& inc : snap.incidents) {
    if (inc.status != IncidentStatus::kSurfaced) continue;
    ++rank;
    out += "<div class='card surfaced'><h3>#" + std::to_string(rank) + " · " + esc(inc.title) + "</h3>";
    out += "<div class='meta'>" + esc(inc.id) + " · score " + fmt("%.1f", inc.score) + " · " +
           std::to_string(inc.alert_count) + " alerts · " + esc(human_time(inc.first_us)) + " → " +
           esc(human_time(inc.last_us)) + "</div>";
    factor_bar(out, inc);
    out += "<pre>" + esc(inc.narrative) + "</pre>";
    out += "<details><summary>" + std::to_string(inc.groups.size()) +
           " alert types</summary><table><tr><th>sensor</th><th>alert</th><th>host</th><th>count</th>"
           "<th>novelty</th><th>surprise</th><th>first seen</th></tr>";
    for (const AlertGroup& g : inc.groups) {
      out += "<tr><td>" + esc(g.sensor) + "</td><td>" + esc(g.title) + "</td><td>" + esc(g.host) +
             "</td><td class='n'>" + std::to_string(g.count) + "</td><td>" + esc(g.novelty) +
             "</td><td class='n'>" + fmt("%.1f", g.surprise) + "</td><td>" + esc(human_time(g.first_us)) +
             "</td></tr>";
    }
    out += "</table></details>";
    if (!inc.merges.empty()) {
      out += "<details><summary>how it was assembled (" + std::to_string(inc.merges.size()) +
             " merges)</summary><ul>";
      for (const std::string& m : inc.merges) out += "<li>" + esc(m) + "</li>";
      out += "</ul></details>";
    }
    out += "</div>";
  }
  out += "<h2>Auto-closed correlations</h2><details><summary>below the surfacing threshold, or one unusual signature that nothing corroborates</summary><table>"
         "<tr><th>score</th><th>id</th><th>title</th><th>alerts</th><th>first seen</th></tr>";
  for (const Incident& inc : snap.incidents) {
    if (inc.status != IncidentStatus::kAutoClosed || inc.is_routine_group) continue;
    out += "<tr><td class='n'>" + fmt("%.1f", inc.score) + "</td><td>" + esc(inc.id) + "</td><td>" +
           esc(inc.title) + "</td><td class='n'>" + std::to_string(inc.alert_count) + "</td><td>" +
           esc(human_time(inc.first_us)) + "</td></tr>";
  }
  out += "</table></details>";
  if (opts.with_routine) {
    out += "<h2>Routine and suppressed alert types</h2><details><summary>largest first</summary><table>"
           "<tr><th>status</th><th>alert type</th><th>alerts</th><th>reason</th></tr>";
    size_t shown = 0;
    for (const Incident& inc : snap.incidents) {
      if (!inc.is_routine_group) continue;
      if (++shown > 300) break;
      out += "<tr><td>" + std::string(status_name(inc.status)) + "</td><td>" + esc(inc.title) +
             "</td><td class='n'>" + std::to_string(inc.alert_count) + "</td><td>" + esc(inc.reason) +
             "</td></tr>";
    }
    out += "</table></details>";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace vigil::triage
