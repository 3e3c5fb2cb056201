// JsonWriter: appends compact JSON to a caller's string, inserting commas and quoting keys, so
// every stage (state and baseline files, detections, API documents) writes JSON one way.
// Borrows the output string; one writer per string; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  // The output ends with a complete object ("{...}"): reopen it to append members.
  JsonWriter& continue_object();

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(int64_t number);
  JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
  JsonWriter& value(uint64_t number);
  JsonWriter& value(double number);  // non-finite numbers become null
  // A number with exactly `decimals` digits after the point, for reports (non-finite: null).
  JsonWriter& fixed(double number, int decimals);
  JsonWriter& value(bool flag);
  JsonWriter& null();
  // Inserts an already-serialized JSON value as it is.
  JsonWriter& raw(std::string_view json);
  // Puts the next element or member on a new line (after its comma, if any): for files people
  // read too, one entry a line.
  JsonWriter& line_break();

  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

 private:
  void separate();

  std::string& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool skip_separator_ = false;  // a key or a line break was just written
};

}  // namespace vigil
