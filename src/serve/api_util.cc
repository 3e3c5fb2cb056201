#include "serve/api_util.h"

#include "core/json_writer.h"
#include "core/text.h"
#include "core/time.h"

namespace vigil::serve::api {

void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message) {
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message);
  w.end_object().end_object();
  send_json(res, status, std::move(body));
}

void send_status(httplib::Response& res, const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      res.status = 200;
      return;
    case Code::kInvalidArgument:
      return send_error(res, 400, "invalid_argument", status.message());
    case Code::kCorrupt:
      return send_error(res, 400, "malformed", status.message());
    case Code::kNotFound:
      return send_error(res, 404, "not_found", status.message());
    case Code::kUnsupported:
      return send_error(res, 422, "unsupported", status.message());
    case Code::kLimit:
      res.set_header("Retry-After", "1");
      return send_error(res, 503, "overloaded", status.message());
    case Code::kIo:
      return send_error(res, 500, "storage", status.message());
  }
  send_error(res, 500, "internal", status.message());
}

Result<std::optional<int64_t>> int_param(const httplib::Request& req, const char* name,
                                         int64_t min, int64_t max) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  int64_t value = 0;
  std::string text = req.get_param_value(name);
  if (!parse_int(trim(text), &value) || value < min || value > max) {
    return Invalid(std::string("parameter ") + name + " must be an integer from " +
                   std::to_string(min) + " to " + std::to_string(max));
  }
  return std::optional<int64_t>(value);
}

Result<std::optional<double>> double_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<double>();
  double value = 0;
  if (!parse_double(trim(req.get_param_value(name)), &value)) {
    return Invalid(std::string("parameter ") + name + " must be a number");
  }
  return std::optional<double>(value);
}

Result<std::optional<int64_t>> time_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  std::string text(trim(req.get_param_value(name)));
  int64_t seconds = 0;
  if (parse_int(text, &seconds)) return std::optional<int64_t>(seconds * 1'000'000);
  auto us = parse_time_us(text);
  if (!us) {
    return Invalid(std::string("parameter ") + name +
                   " must be an RFC 3339 time or epoch seconds");
  }
  return std::optional<int64_t>(*us);
}

std::string text_param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? std::string(trim(req.get_param_value(name))) : std::string();
}

}  // namespace vigil::serve::api
