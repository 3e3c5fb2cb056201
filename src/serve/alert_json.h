// Alert JSON: how the service writes a triage Alert — its fields (time, sensor, rule, title,
// category, severity, tactics by name, techniques) into an open object, for the detections it
// stores and the alerts the API describes. Pure functions over a caller's JsonWriter.
#pragma once

#include "core/json_writer.h"
#include "triage/alert.h"
#include "triage/tactic.h"

namespace vigil::serve {

// An array of the tactic names in `set`, in kill-chain order.
void write_tactics(JsonWriter& w, triage::TacticSet set);

// Members time, sensor, rule, title, category (when given), severity (when given), tactics and
// techniques of `alert`, appended to the object `w` has open. Entities are the caller's: stored
// detections keep them flat, descriptions group them under "entities".
void write_alert_fields(JsonWriter& w, const triage::Alert& alert);

}  // namespace vigil::serve
