// Syslog parsing is deliberately forgiving. Senders in the field (Wazuh's syslog_output,
// Suricata's EVE syslog filetype, rsyslog and syslog-ng relays) differ in small ways: missing
// PRI, no hostname, "TAG:" vs "TAG[pid]:", a BOM, octet-counted or line-framed TCP. What Vigil
// needs is the JSON alert inside, so the header is parsed for metrics and context, and any text
// that does not follow a layout is kept whole as the message rather than rejected.
#include "serve/syslog_message.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace vigil::serve {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Takes the next space-delimited token; advances `rest` past one separating space.
std::string_view take_token(std::string_view& rest) {
  size_t end = rest.find(' ');
  std::string_view token = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return token;
}

std::string_view nil_to_empty(std::string_view field) { return field == "-" ? std::string_view() : field; }

std::string_view strip_bom(std::string_view s) {
  return s.substr(0, 3) == "\xEF\xBB\xBF" ? s.substr(3) : s;
}

// Structured data: "-" or one or more [id k="v" ...] elements; values may hold escaped \] \" \\.
std::string_view take_structured_data(std::string_view& rest) {
  if (rest.empty()) return {};
  if (rest[0] == '-') {
    rest = rest.size() > 1 && rest[1] == ' ' ? rest.substr(2) : rest.substr(1);
    return {};
  }
  if (rest[0] != '[') return {};
  size_t i = 0;
  while (i < rest.size() && rest[i] == '[') {
    bool in_quotes = false;
    for (++i; i < rest.size(); ++i) {
      char c = rest[i];
      if (in_quotes && c == '\\') {
        ++i;
      } else if (c == '"') {
        in_quotes = !in_quotes;
      } else if (!in_quotes && c == ']') {
        ++i;
        break;
      }
    }
  }
  i = std::min(i, rest.size());  // a backslash as the last byte inside quotes steps past the end
  std::string_view sd = rest.substr(0, i);
  rest = i < rest.size() && rest[i] == ' ' ? rest.substr(i + 1) : rest.substr(i);
  return sd;
}

bool looks_like_bsd_timestamp(std::string_view s) {
  // "Mmm dd hh:mm:ss" or "Mmm  d hh:mm:ss" (15 bytes).
  return s.size() >= 15 && std::isalpha(static_cast<unsigned char>(s[0])) && s[3] == ' ' &&
         s[9] == ':' && s[12] == ':';
}

}  // namespace

SyslogMessage parse_syslog(std::string_view message) {
  SyslogMessage out;
  std::string_view rest = message;
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r' || rest.back() == '\0')) {
    rest.remove_suffix(1);
  }
  // <PRI>: 1-3 digits, value <= 191.
  if (rest.size() >= 3 && rest[0] == '<') {
    size_t close = rest.find('>');
    if (close != std::string_view::npos && close >= 2 && close <= 4) {
      int pri = 0;
      bool digits = true;
      for (size_t i = 1; i < close; ++i) {
        if (!is_digit(rest[i])) digits = false;
        pri = pri * 10 + (rest[i] - '0');
      }
      if (digits && pri <= 191) {
        out.facility = pri / 8;
        out.severity = pri % 8;
        rest = rest.substr(close + 1);
      }
    }
  }
  if (rest.size() >= 2 && is_digit(rest[0]) && rest[1] == ' ') {
    // RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
    out.rfc5424 = true;
    rest = rest.substr(2);
    out.timestamp = nil_to_empty(take_token(rest));
    out.hostname = nil_to_empty(take_token(rest));
    out.app = nil_to_empty(take_token(rest));
    out.procid = nil_to_empty(take_token(rest));
    out.msgid = nil_to_empty(take_token(rest));
    out.structured_data = take_structured_data(rest);
    out.text = strip_bom(rest);
    return out;
  }
  if (looks_like_bsd_timestamp(rest)) {
    // RFC 3164: TIMESTAMP SP HOSTNAME SP TAG[pid]: MSG. A tag ends at ':' or '['; when the
    // token after the timestamp already ends with ':' it is the tag and there is no hostname.
    out.timestamp = rest.substr(0, 15);
    rest = rest.substr(rest.size() > 15 && rest[15] == ' ' ? 16 : 15);
    std::string_view token = take_token(rest);
    bool token_is_tag = !token.empty() && (token.back() == ':' || token.find('[') != std::string_view::npos);
    std::string_view tag = token;
    if (!token_is_tag) {
      out.hostname = token;
      std::string_view after_host = rest;
      tag = take_token(rest);
      if (tag.empty() || (tag.back() != ':' && tag.find('[') == std::string_view::npos)) {
        // No tag: the message starts right after the hostname.
        out.text = strip_bom(after_host);
        return out;
      }
    }
    if (!tag.empty() && tag.back() == ':') tag.remove_suffix(1);
    size_t bracket = tag.find('[');
    if (bracket != std::string_view::npos) {
      size_t close = tag.find(']', bracket);
      out.procid = tag.substr(bracket + 1, close == std::string_view::npos ? std::string_view::npos
                                                                            : close - bracket - 1);
      tag = tag.substr(0, bracket);
    }
    out.app = tag;
    out.text = strip_bom(rest);
    return out;
  }
  out.text = strip_bom(rest);
  return out;
}

std::string_view syslog_json_payload(const SyslogMessage& message) {
  size_t open = message.text.find('{');
  size_t close = message.text.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
  return message.text.substr(open, close - open + 1);
}

SyslogFramer::Next SyslogFramer::next(std::string_view buffer, size_t* pos,
                                      std::string_view* frame) const {
  // Skip stray separators between frames.
  size_t at = *pos;
  while (at < buffer.size() && (buffer[at] == '\n' || buffer[at] == '\r' || buffer[at] == '\0')) ++at;
  *pos = at;
  if (at >= buffer.size()) return Next::kNeedMore;
  if (is_digit(buffer[at])) {
    size_t space = at;
    uint64_t length = 0;
    while (space < buffer.size() && is_digit(buffer[space])) {
      length = length * 10 + static_cast<uint64_t>(buffer[space] - '0');
      if (length > max_frame_) return Next::kOversized;
      ++space;
    }
    if (space >= buffer.size()) return Next::kNeedMore;
    if (buffer[space] == ' ') {
      if (buffer.size() - space - 1 < length) return Next::kNeedMore;
      *frame = buffer.substr(space + 1, length);
      *pos = space + 1 + length;
      return Next::kFrame;
    }
    // Digits not followed by a space: not octet counting; fall through to line framing.
  }
  size_t end = buffer.find_first_of(std::string_view("\n\0", 2), at);
  if (end == std::string_view::npos) {
    return buffer.size() - at > max_frame_ ? Next::kOversized : Next::kNeedMore;
  }
  if (end - at > max_frame_) return Next::kOversized;
  *frame = buffer.substr(at, end - at);
  if (!frame->empty() && frame->back() == '\r') frame->remove_suffix(1);
  *pos = end + 1;
  return Next::kFrame;
}

}  // namespace vigil::serve
