// Profile: how one kind of alert record (a CSV row, a JSON object) becomes an Alert — the
// built-in layouts of the AIT alert CSV, Wazuh alerts.json and Suricata EVE JSON, or a generic
// field map. Immutable after construction; map() is const and safe to call from several threads
// with separate scratch.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "triage/alert.h"

namespace vigil::triage {

// Text a mapping had to create (numbers turned into ids, joined URLs); the Alert's views may
// point here until the next map() with the same scratch.
struct MapScratch {
  std::array<std::string, 6> text;
};

class Profile {
 public:
  enum class Outcome { kAlert, kSkip, kBad };

  // "aitads", "wazuh", "suricata".
  static Result<Profile> builtin(std::string_view name);
  static std::vector<std::string> builtin_names();
  // A generic field map: comma-separated NAME=FIELD pairs, FIELD a (dotted) field name or a
  // 'quoted literal'. Names: time, sensor, rule, title, category, severity, severity_max,
  // tactic, technique and the entity kinds (host, host_ip, user, src_ip, dst_ip, process, file,
  // hash, url). `title` and `time` are required.
  static Result<Profile> generic(std::string_view spec);

  const std::string& name() const { return name_; }
  // Columns a CSV reader needs to read for this profile (empty = all). For aitads exactly the
  // five alert columns: the engine never sees any other column.
  const std::vector<std::string>& csv_columns() const { return csv_columns_; }

  // Fills `out` (views into `ev` and `scratch`). kSkip: the record is not an alert (a Suricata
  // flow event); kBad: it should be one but cannot be read (`why` says what is missing).
  Outcome map(const Event& ev, Alert& out, MapScratch& scratch, std::string* why) const;

 private:
  enum class Kind { kAit, kWazuh, kSuricata, kGeneric };
  struct Field {
    std::string path;     // field name or dotted path; empty = unmapped
    std::string literal;  // used when path is empty and this is not
  };
  Outcome map_ait(const Event& ev, Alert& out, std::string* why) const;
  Outcome map_wazuh(const Event& ev, Alert& out, MapScratch& scratch, std::string* why) const;
  Outcome map_suricata(const Event& ev, Alert& out, MapScratch& scratch, std::string* why) const;
  Outcome map_generic(const Event& ev, Alert& out, MapScratch& scratch, std::string* why) const;

  Kind kind_ = Kind::kGeneric;
  std::string name_;
  std::vector<std::string> csv_columns_;
  // Generic map.
  Field time_, sensor_, rule_, title_, category_, severity_, tactic_, technique_;
  double severity_max_ = 100;
  std::array<Field, kEntityKinds> entities_;
};

// Reads a timestamp value: epoch seconds, milliseconds or microseconds (told apart by
// magnitude) as a number or digit string, or ISO 8601 text.
std::optional<int64_t> alert_time_us(Value v);

}  // namespace vigil::triage
