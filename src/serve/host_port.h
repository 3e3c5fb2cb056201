// HostPort: a listen address as the user writes it ("127.0.0.1:8600", "[::1]:8600",
// "localhost:514", "0.0.0.0:6514"), parsed into host and port. Plain value; pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::serve {

struct HostPort {
  std::string host;
  int port = 0;
  std::string to_string() const;
  // True for 127.0.0.0/8, ::1 and "localhost": reachable only from this machine.
  bool is_loopback() const;
};

// Port 0 is allowed (the kernel picks one; useful for tests).
Result<HostPort> parse_host_port(std::string_view text);

}  // namespace vigil::serve
