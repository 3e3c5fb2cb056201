#include "serve/host_port.h"

#include "core/text.h"

namespace vigil::serve {

std::string HostPort::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool HostPort::is_loopback() const {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Result<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Invalid("bad address '" + std::string(text) + "': expected [IPv6]:PORT");
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return Invalid("bad address '" + std::string(text) + "': expected HOST:PORT");
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  int64_t port = 0;
  if (out.host.empty() || !parse_int(port_text, &port) || port < 0 || port > 65535) {
    return Invalid("bad address '" + std::string(text) + "': expected HOST:PORT with PORT 0-65535");
  }
  out.port = static_cast<int>(port);
  return out;
}

}  // namespace vigil::serve
