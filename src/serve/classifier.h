// RecordClassifier: decides under which alert profile (aitads, wazuh, suricata...) a received
// record is taken, or refuses it with the reason. Every ingest path (HTTP, syslog, watched
// files) runs one per record before anything is stored. Must be thread-safe: ingest threads
// call it concurrently.
#pragma once

#include <functional>
#include <string>

#include "core/event.h"
#include "core/status.h"

namespace vigil::serve {

using RecordClassifier = std::function<Result<std::string>(const Event& record)>;

}  // namespace vigil::serve
