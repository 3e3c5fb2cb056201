#include "detect/test_events.h"

#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "core/text.h"
#include "detect/detection.h"
#include "detect/modifiers.h"

namespace vigil::sigma::testing {
namespace {

void add_json(Event* ev, std::string_view key, simdjson::dom::element el) {
  using simdjson::dom::element_type;
  key = ev->copy(key);
  switch (el.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object obj;
      if (el.get_object().get(obj)) break;
      ev->begin_object(key);
      for (auto field : obj) add_json(ev, field.key, field.value);
      ev->end_container();
      break;
    }
    case element_type::ARRAY: {
      simdjson::dom::array arr;
      if (el.get_array().get(arr)) break;
      ev->begin_array(key);
      for (auto item : arr) add_json(ev, {}, item);
      ev->end_container();
      break;
    }
    case element_type::STRING: ev->add_string(key, ev->copy(el.get_string().value())); break;
    case element_type::INT64: ev->add_int(key, el.get_int64().value()); break;
    case element_type::UINT64: ev->add_uint(key, el.get_uint64().value()); break;
    case element_type::DOUBLE: ev->add_double(key, el.get_double().value()); break;
    case element_type::BOOL: ev->add_bool(key, el.get_bool().value()); break;
    case element_type::NULL_VALUE: ev->add_null(key); break;
    default: break;
  }
}

void add_yaml(Event* ev, std::string_view key, const YAML::Node& n) {
  key = ev->copy(key);
  if (n.IsMap()) {
    ev->begin_object(key);
    for (const auto& kv : n) add_yaml(ev, kv.first.as<std::string>(), kv.second);
    ev->end_container();
  } else if (n.IsSequence()) {
    ev->begin_array(key);
    for (const auto& item : n) add_yaml(ev, {}, item);
    ev->end_container();
  } else if (n.IsNull()) {
    ev->add_null(key);
  } else {
    RawValue v = raw_value(n);
    int64_t i;
    double d;
    switch (v.kind) {
      case RawValue::kNull: ev->add_null(key); break;
      case RawValue::kBool: ev->add_bool(key, v.text == "true"); break;
      case RawValue::kNumber:
        if (parse_int(v.text, &i)) ev->add_int(key, i);
        else if (parse_double(v.text, &d)) ev->add_double(key, d);
        else ev->add_string(key, ev->copy(v.text));
        break;
      case RawValue::kString: ev->add_string(key, ev->copy(v.text)); break;
    }
  }
}

}  // namespace

// Splits concatenated (or line-separated) top-level objects by brace depth, outside strings,
// and parses each one on its own.
bool events_from_json(std::string_view text, std::vector<std::unique_ptr<Event>>* out, std::string* error) {
  simdjson::dom::parser parser;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = text.find('{', i);
    if (start == std::string_view::npos) break;
    int depth = 0;
    bool in_string = false;
    size_t end = start;
    for (; end < text.size(); ++end) {
      char c = text[end];
      if (in_string) {
        if (c == '\\') ++end;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        break;
      }
    }
    if (end >= text.size()) {
      *error = "unterminated object at offset " + std::to_string(start);
      return false;
    }
    simdjson::padded_string one(text.substr(start, end - start + 1));
    simdjson::dom::element el;
    if (auto err = parser.parse(one).get(el)) {
      *error = std::string(simdjson::error_message(err)) + " at offset " + std::to_string(start);
      return false;
    }
    simdjson::dom::object obj;
    if (el.get_object().get(obj) == simdjson::SUCCESS) {
      auto ev = std::make_unique<Event>();
      for (auto field : obj) add_json(ev.get(), field.key, field.value);
      out->push_back(std::move(ev));
    }
    i = end + 1;
  }
  return true;
}

void event_from_yaml(const YAML::Node& map, Event* out) {
  out->clear();
  for (const auto& kv : map) add_yaml(out, kv.first.as<std::string>(), kv.second);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vigil::sigma::testing
