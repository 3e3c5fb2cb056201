// SyslogMessage: one syslog message split into its header fields and its text, for both
// RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG") and the BSD form of RFC 3164
// ("<PRI>Mmm dd hh:mm:ss HOST TAG: MSG"), plus RFC 6587 TCP framing. Views borrow the input
// bytes. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace vigil::serve {

struct SyslogMessage {
  int facility = -1;  // -1 when the message had no <PRI>
  int severity = -1;
  bool rfc5424 = false;
  std::string_view timestamp;  // as sent; empty when absent ("-" in RFC 5424)
  std::string_view hostname;
  std::string_view app;        // RFC 5424 APP-NAME, or the RFC 3164 TAG without [pid]
  std::string_view procid;
  std::string_view msgid;
  std::string_view structured_data;  // the raw SD elements, empty for "-"
  std::string_view text;             // MSG, without a leading UTF-8 BOM
};

// Parses what one datagram or one TCP frame carries. Never fails: text that does not follow
// either header layout becomes `text` as a whole (senders vary; the JSON inside is what counts).
SyslogMessage parse_syslog(std::string_view message);

// The JSON object a message carries: from the first '{' of its text to the last '}'. Empty
// when there is none.
std::string_view syslog_json_payload(const SyslogMessage& message);

// RFC 6587 framing of a TCP byte stream. Octet counting ("LEN SP MSG") when a frame starts with
// a digit, else one message per line (LF, CRLF or NUL terminated).
class SyslogFramer {
 public:
  explicit SyslogFramer(size_t max_frame_bytes) : max_frame_(max_frame_bytes) {}
  enum class Next { kFrame, kNeedMore, kOversized };
  // Looks for the next complete frame in `buffer` starting at `*pos`. On kFrame sets `frame`
  // and advances `*pos` past it. kOversized: a frame longer than the limit; the caller should
  // drop the connection (the stream cannot be resynchronised reliably).
  Next next(std::string_view buffer, size_t* pos, std::string_view* frame) const;

 private:
  size_t max_frame_;
};

}  // namespace vigil::serve
