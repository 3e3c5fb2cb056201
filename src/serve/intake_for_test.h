// intake_picking (tests only): a RecordIntake that stores each record as compact JSON under the
// profile `pick` names, or refuses it with pick's error. Stateless; thread-safe if `pick` is.
#pragma once

#include <functional>
#include <string>

#include "serve/intake.h"

namespace vigil::serve {

inline RecordIntake intake_picking(std::function<Result<std::string>(const Event&)> pick) {
  return [pick](const Event& record, RecordBatch& batch) -> Status {
    auto profile = pick(record);
    if (!profile.ok()) return profile.status();
    std::string json;
    write_json(record, json);
    batch.add(json, *profile);
    return Status::Ok();
  };
}

}  // namespace vigil::serve
