// RecordIntake: takes one received record in under the profile a sender named — an alert as
// received (aitads, wazuh, suricata, generic maps) or a raw event that Vigil's Sigma rules turn
// into alerts of its own — by appending the alert record(s) it yields to a batch, or refuses it
// with the reason. Every ingest path (HTTP, syslog, watched files) runs one per record before
// anything is stored. Must be thread-safe: ingest threads call it concurrently.
#pragma once

#include <functional>

#include "core/event.h"
#include "core/status.h"
#include "serve/record_batch.h"

namespace vigil::serve {

using RecordIntake = std::function<Status(const Event& record, RecordBatch& batch)>;

}  // namespace vigil::serve
