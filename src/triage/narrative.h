// Narrative: the plain-language title and account of an incident — what happened, when, where,
// which attack stages, why it ranks where it does, what to check next. Pure functions of a
// built Incident; thread-safe.
#pragma once

#include <string>

#include "triage/incident.h"

namespace vigil::triage {

// A one-line title (under ~100 characters) from the incident's stages, hosts and alert types.
std::string incident_title(const Incident& inc);

// The multi-paragraph account; `rank` is the 1-based position among surfaced incidents.
std::string write_narrative(const Incident& inc, size_t rank, double threshold);

// "2022-01-18 07:12:05 UTC".
std::string human_time(int64_t us);
// "47 min", "3.2 h", "2.1 days".
std::string human_duration(int64_t us);

}  // namespace vigil::triage
