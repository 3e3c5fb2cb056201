#include "serve/json_event.h"

#include <cstring>

namespace vigil::serve {
namespace {

Status add_value(simdjson::dom::element value, std::string_view key, int depth, Event& event) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::OBJECT: {
      if (depth >= JsonEventParser::kMaxDepth) return LimitError("JSON nested too deeply");
      simdjson::dom::object object;
      if (value.get_object().get(object)) return Corrupt("bad JSON object");
      event.begin_object(key);
      for (auto field : object) {
        VIGIL_RETURN_IF_ERROR(add_value(field.value, field.key, depth + 1, event));
      }
      event.end_container();
      return Status::Ok();
    }
    case element_type::ARRAY: {
      if (depth >= JsonEventParser::kMaxDepth) return LimitError("JSON nested too deeply");
      simdjson::dom::array array;
      if (value.get_array().get(array)) return Corrupt("bad JSON array");
      event.begin_array(key);
      for (auto item : array) {
        VIGIL_RETURN_IF_ERROR(add_value(item, {}, depth + 1, event));
      }
      event.end_container();
      return Status::Ok();
    }
    case element_type::STRING: {
      std::string_view text;
      if (value.get_string().get(text)) return Corrupt("bad JSON string");
      event.add_string(key, text);
      return Status::Ok();
    }
    case element_type::INT64: {
      int64_t number = 0;
      if (value.get_int64().get(number)) return Corrupt("bad JSON number");
      event.add_int(key, number);
      return Status::Ok();
    }
    case element_type::UINT64: {
      uint64_t number = 0;
      if (value.get_uint64().get(number)) return Corrupt("bad JSON number");
      event.add_uint(key, number);
      return Status::Ok();
    }
    case element_type::DOUBLE: {
      double number = 0;
      if (value.get_double().get(number)) return Corrupt("bad JSON number");
      event.add_double(key, number);
      return Status::Ok();
    }
    case element_type::BOOL: {
      bool flag = false;
      if (value.get_bool().get(flag)) return Corrupt("bad JSON boolean");
      event.add_bool(key, flag);
      return Status::Ok();
    }
    case element_type::NULL_VALUE:
      event.add_null(key);
      return Status::Ok();
  }
  return Corrupt("unknown JSON value type");
}

}  // namespace

Status JsonEventParser::to_event(simdjson::dom::element object, Event& event) {
  event.clear();
  simdjson::dom::object fields;
  if (object.get_object().get(fields)) return Corrupt("record is not a JSON object");
  for (auto field : fields) {
    VIGIL_RETURN_IF_ERROR(add_value(field.value, field.key, 1, event));
  }
  return Status::Ok();
}

Status JsonEventParser::parse(std::string_view json, size_t capacity, Event& event) {
  event.clear();
  const char* data = json.data();
  if (capacity < json.size() + simdjson::SIMDJSON_PADDING) {
    if (scratch_.size() < json.size()) scratch_ = simdjson::padded_string(json.size() * 2 + 64);
    std::memcpy(scratch_.data(), json.data(), json.size());
    data = scratch_.data();
  }
  simdjson::dom::element root;
  auto error = parser_.parse(data, json.size(), false).get(root);
  if (error) return Corrupt(std::string("invalid JSON: ") + simdjson::error_message(error));
  return to_event(root, event);
}

}  // namespace vigil::serve
