// LogSourceMap: the user-editable map (config/logsources.yml) from a Sigma `logsource` to the
// events it means — Windows channels and event IDs, with per-variant field renames — and the
// Gate each rule compiles to. Immutable after load; gates and admits() are safe across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "detect/field_test.h"

namespace vigil::sigma {

struct LogSource {
  std::string product, category, service, definition;  // as written (lower-cased)
  std::string describe() const;                          // "windows/process_creation"
};

// One way a log source shows up: any of `channels` (lower-cased), with one of `event_ids`
// (empty = any), read with `renames`.
struct SourceVariant {
  std::vector<std::string> channels;
  std::vector<int64_t> event_ids;
  std::shared_ptr<const Renames> renames;  // null = none
};

// What a rule may see.
struct Gate {
  enum class Kind : uint8_t {
    kAny,      // no logsource restriction (or gating turned off)
    kWindows,  // Windows events; `variants` empty = every Windows event
    kOther,    // non-Windows events whose hints do not contradict product/service/category
    kNever,    // a Windows service/category the map does not know: sees nothing
  };
  Kind kind = Kind::kAny;
  std::vector<SourceVariant> variants;
  std::string product, service, category;  // kOther
};

class LogSourceMap {
 public:
  static Result<LogSourceMap> load_file(const std::string& path);
  static Result<LogSourceMap> parse(std::string_view yaml_text, const std::string& origin);

  // The gate for a rule's logsource. `note` is set when the map lacks the service/category.
  Gate gate_for(const LogSource& ls, std::string* note) const;

  // Reference check (no index): may a rule with `gate` see `ev`? Sets `*renames` for the
  // variant that admitted it (null when none apply).
  bool admits(const Gate& gate, const Event& ev, const Renames** renames) const;

  // Non-Windows hint fields, per key.
  const std::vector<std::string>& hint_fields(int key) const { return hints_[key]; }
  // The event's Channel if it is a Windows event (string Channel field), else empty.
  static std::string_view channel_of(const Event& ev);
  // The hint value (product=0, service=1, category=2) an event carries, or empty.
  std::string_view hint_of(const Event& ev, int key, std::string& scratch) const;

 private:
  struct Named {
    std::string name;
    std::vector<SourceVariant> variants;
  };
  const Named* find(const std::vector<Named>& list, std::string_view name) const;

  std::vector<Named> services_;
  std::vector<Named> categories_;
  std::vector<std::string> hints_[3];
};

}  // namespace vigil::sigma
