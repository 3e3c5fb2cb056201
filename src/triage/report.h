// Reports: a Snapshot rendered for people and programs — a ranked table for an 80-column
// terminal, JSON for tools, and one self-contained HTML page (inline SVG timeline, no network).
// Pure functions of their arguments; thread-safe.
#pragma once

#include <string>

#include "triage/incident.h"

namespace vigil::triage {

struct ReportOptions {
  size_t max_rows = 25;           // table: surfaced incidents shown in full
  bool show_auto_closed = false;  // table: also list auto-closed correlations
  bool with_routine = true;       // json/html: include routine and suppressed groups
  double surface_threshold = 2;   // shown in headers
  std::string inputs;             // what was read, for headers ("3 files")
};

std::string render_table(const Snapshot& snap, const ReportOptions& opts);
std::string render_json(const Snapshot& snap, const ReportOptions& opts);
std::string render_html(const Snapshot& snap, const ReportOptions& opts);

}  // namespace vigil::triage
