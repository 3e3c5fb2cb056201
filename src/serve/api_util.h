// Helpers shared by the API's route files: JSON responses, error bodies, Status to HTTP status,
// query parameters. Internal to src/serve (it pulls in <httplib.h>). Pure functions.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::serve::api {

inline void send_json(httplib::Response& res, int status, std::string body) {
  res.status = status;
  res.set_content(std::move(body), "application/json");
}

// {"error": {"code": "...", "message": "..."}}
void send_error(httplib::Response& res, int status, std::string_view code, std::string_view message);
// Maps a Status code to the HTTP status and error code it is reported with.
void send_status(httplib::Response& res, const Status& status);

// Query parameter helpers: absent -> nullopt; present but malformed -> error Status.
Result<std::optional<int64_t>> int_param(const httplib::Request& req, const char* name,
                                         int64_t min, int64_t max);
Result<std::optional<double>> double_param(const httplib::Request& req, const char* name);
// ISO 8601 / RFC 3339 or epoch seconds; returns microseconds since the epoch.
Result<std::optional<int64_t>> time_param(const httplib::Request& req, const char* name);
std::string text_param(const httplib::Request& req, const char* name);

}  // namespace vigil::serve::api
