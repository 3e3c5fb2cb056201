// From JSON text to the Event tree with simdjson On-Demand.
//
// On-Demand indexes the structural characters of the text with SIMD (stage 1), then lets us walk
// it like a cursor: each value is parsed at the moment we ask for it, straight into the Event's
// pre-order node array. No DOM is built in between, and the parser's buffers (the structural
// index and the unescaped-string area) are kept from record to record, so the steady state
// allocates nothing. Unescaped strings and keys live in the parser's string area until the next
// parse, which is exactly as long as the Event they are handed to is used.
//
// Trade-offs: On-Demand reads each value once and in order, which is all a tree copy needs; the
// walk is recursive but bounded by max_depth (checked before descending), so a hostile
// `[[[[...` costs a clear kLimit, not the stack. Integers beyond 64 bits, which simdjson 3.0
// refuses, are kept as doubles, the way most JSON tools read them.
#include "read/json_record.h"

#include <simdjson.h>

#include <cstring>

#include "core/text.h"

namespace vigil {

namespace od = simdjson::ondemand;
using simdjson::error_code;

struct JsonRecordParser::Impl {
  od::parser parser;
  uint32_t max_depth;
  std::unique_ptr<char[]> copy_buf;
  size_t copy_cap = 0;
  bool depth_exceeded = false;

  explicit Impl(uint32_t depth) : max_depth(depth) {}

  error_code walk_value(std::string_view key, od::value v, Event& ev, uint32_t depth);

  error_code walk_object(od::object obj, Event& ev, uint32_t depth) {
    for (auto field : obj) {
      std::string_view key;
      if (error_code e = field.unescaped_key().get(key)) return e;
      od::value v;
      if (error_code e = field.value().get(v)) return e;
      if (error_code e = walk_value(key, v, ev, depth)) return e;
    }
    return simdjson::SUCCESS;
  }

  error_code walk_array(od::array arr, Event& ev, uint32_t depth) {
    for (auto element : arr) {
      od::value v;
      if (error_code e = element.get(v)) return e;
      if (error_code e = walk_value({}, v, ev, depth)) return e;
    }
    return simdjson::SUCCESS;
  }

  error_code walk_number(std::string_view key, od::value& v, Event& ev) {
    od::number_type type;
    if (error_code e = v.get_number_type().get(type)) return e;
    if (type == od::number_type::signed_integer) {
      int64_t i;
      if (error_code e = v.get_int64().get(i)) return e;
      ev.add_int(key, i);
      return simdjson::SUCCESS;
    }
    if (type == od::number_type::unsigned_integer) {
      uint64_t u;
      if (v.get_uint64().get(u) == simdjson::SUCCESS) {
        ev.add_uint(key, u);
        return simdjson::SUCCESS;
      }
      // Wider than 64 bits: keep the magnitude as a double (read from the raw token).
      double d;
      if (parse_double(trim(v.raw_json_token()), &d)) {
        ev.add_double(key, d);
        return simdjson::SUCCESS;
      }
      return simdjson::NUMBER_ERROR;
    }
    double d;
    if (error_code e = v.get_double().get(d)) return e;
    ev.add_double(key, d);
    return simdjson::SUCCESS;
  }
};

error_code JsonRecordParser::Impl::walk_value(std::string_view key, od::value v, Event& ev,
                                              uint32_t depth) {
  od::json_type type;
  if (error_code e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      if (depth + 1 > max_depth) {
        depth_exceeded = true;
        return simdjson::DEPTH_ERROR;
      }
      od::object obj;
      if (error_code e = v.get_object().get(obj)) return e;
      ev.begin_object(key);
      if (error_code e = walk_object(obj, ev, depth + 1)) return e;
      ev.end_container();
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      if (depth + 1 > max_depth) {
        depth_exceeded = true;
        return simdjson::DEPTH_ERROR;
      }
      od::array arr;
      if (error_code e = v.get_array().get(arr)) return e;
      ev.begin_array(key);
      if (error_code e = walk_array(arr, ev, depth + 1)) return e;
      ev.end_container();
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      if (error_code e = v.get_string().get(s)) return e;
      ev.add_string(key, s);
      return simdjson::SUCCESS;
    }
    case od::json_type::number:
      return walk_number(key, v, ev);
    case od::json_type::boolean: {
      bool b;
      if (error_code e = v.get_bool().get(b)) return e;
      ev.add_bool(key, b);
      return simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (error_code e = v.is_null().get(is_null)) return e;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      ev.add_null(key);
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

JsonRecordParser::JsonRecordParser(uint32_t max_depth)
    : impl_(std::make_unique<Impl>(max_depth == 0 ? 1 : max_depth)) {}
JsonRecordParser::~JsonRecordParser() = default;

namespace {

// Where the top-level value that starts `text` closes, or len when it does not close first.
// Used only on the error path, to name the common damage "two records glued together".
size_t first_value_end(const char* text, size_t len) {
  uint32_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < len; ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && depth > 0 && --depth == 0) {
      return i + 1;
    }
  }
  return len;
}

Status describe(error_code e, const char* text, size_t len, const char* where) {
  size_t end = first_value_end(text, len);
  while (end < len && (text[end] == ' ' || text[end] == '\t' || text[end] == '\r' ||
                       text[end] == '\n')) {
    ++end;
  }
  if (end < len) {
    return Corrupt("malformed JSON: unexpected content after the object (at byte +" +
                   std::to_string(end) + ")");
  }
  std::string msg = std::string("malformed JSON: ") + simdjson::error_message(e);
  if (where != nullptr && where > text && where < text + len) {
    msg += " (at byte +" + std::to_string(where - text) + ")";
  }
  return Corrupt(std::move(msg));
}

// Where the document's cursor stands (null when it is past the end).
const char* location_of(od::document& doc) {
  const char* where = nullptr;
  if (doc.current_location().get(where) != simdjson::SUCCESS) return nullptr;
  return where;
}

}  // namespace

Status JsonRecordParser::parse(const char* text, size_t len, size_t readable, Event& ev) {
  ev.clear();
  Impl& im = *impl_;
  im.depth_exceeded = false;
  od::document doc;
  if (error_code e = im.parser.iterate(text, len, readable).get(doc)) {
    return describe(e, text, len, nullptr);
  }
  od::json_type type;
  if (error_code e = doc.type().get(type)) {
    return describe(e, text, len, location_of(doc));
  }
  if (type != od::json_type::object) {
    return Corrupt("record is not a JSON object");
  }
  od::object root;
  error_code e = doc.get_object().get(root);
  if (!e) e = im.walk_object(root, ev, 1);
  if (e) {
    if (im.depth_exceeded) {
      return LimitError("nesting deeper than " + std::to_string(im.max_depth) + " levels");
    }
    return describe(e, text, len, location_of(doc));
  }
  // Anything after the object but blanks is damage (two records glued, a stray bracket).
  const char* rest = location_of(doc);
  if (rest != nullptr && rest < text + len) {
    return Corrupt("malformed JSON: unexpected content after the object (at byte +" +
                   std::to_string(rest - text) + ")");
  }
  return Status::Ok();
}

Status JsonRecordParser::parse_copy(std::string_view text, Event& ev) {
  Impl& im = *impl_;
  size_t need = text.size() + simdjson::SIMDJSON_PADDING;
  if (im.copy_cap < need) {
    im.copy_buf.reset(new char[need]);
    im.copy_cap = need;
  }
  std::memcpy(im.copy_buf.get(), text.data(), text.size());
  std::memset(im.copy_buf.get() + text.size(), ' ', simdjson::SIMDJSON_PADDING);
  return parse(im.copy_buf.get(), text.size(), im.copy_cap, ev);
}

}  // namespace vigil
