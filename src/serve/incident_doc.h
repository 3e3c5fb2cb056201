// IncidentDoc: how a triage Incident is published — the row the queue filters on, the summary
// JSON the queue shows and the document the incident page shows (docs/api.md describes both).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "serve/store.h"
#include "triage/incident.h"

namespace vigil::serve {

// Alert seqs listed in a document beyond this many are left out (`alerts_truncated`); a routine
// group can hold hundreds of thousands and the page shows the first ones.
inline constexpr size_t kMaxAlertsPerDoc = 5000;

IncidentRow incident_row(const triage::Incident& incident, size_t max_alerts = kMaxAlertsPerDoc);

// A cheap fingerprint of what the published row shows: equal fingerprints mean the row need not
// be rebuilt or rewritten.
uint64_t incident_fingerprint(const triage::Incident& incident);

}  // namespace vigil::serve
