// ApiToken: the bearer secret guarding Vigil's HTTP API and console data. Created once in
// DIR/token (mode 0600, 32 bytes from /dev/urandom as hex), loaded on every later start.
// Immutable after load: share freely across threads. Comparison runs in constant time.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::serve {

class ApiToken {
 public:
  // Reads `path`, or creates it (0600, fresh random secret) when it does not exist. Refuses a
  // token file that group or others may read, and one too short to be a secret.
  static Result<ApiToken> load_or_create(const std::string& path);
  static ApiToken from_secret(std::string secret) { return ApiToken(std::move(secret)); }

  // True when `presented` equals the secret; time depends only on the secret's length.
  bool matches(std::string_view presented) const;
  // True for an `Authorization` header value of the form `Bearer <secret>`.
  bool authorizes(std::string_view authorization_header) const;
  const std::string& secret() const { return secret_; }

 private:
  explicit ApiToken(std::string secret) : secret_(std::move(secret)) {}
  std::string secret_;
};

}  // namespace vigil::serve
