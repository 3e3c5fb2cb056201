#include "serve/syslog_message.h"

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigil::serve {
namespace {

struct Case {
  int line = 0;
  std::map<std::string, std::string> fields;
};

std::vector<Case> load_cases() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/src/serve/testdata/syslog_cases.txt");
  std::vector<Case> cases;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty() || text[0] == '#') continue;
    size_t colon = text.find(':');
    std::string key = text.substr(0, colon);
    std::string value = colon + 1 < text.size() ? text.substr(colon + 2) : "";
    if (key == "in") cases.push_back({number, {}});
    cases.back().fields[key] = value;
  }
  return cases;
}

TEST(SyslogMessage, DeclarativeCases) {
  auto cases = load_cases();
  ASSERT_GE(cases.size(), 8u);
  for (const auto& c : cases) {
    SCOPED_TRACE("case at line " + std::to_string(c.line));
    SyslogMessage m = parse_syslog(c.fields.at("in"));
    std::map<std::string, std::string> got = {
        {"facility", std::to_string(m.facility)},
        {"severity", std::to_string(m.severity)},
        {"rfc5424", m.rfc5424 ? "true" : "false"},
        {"timestamp", std::string(m.timestamp)},
        {"hostname", std::string(m.hostname)},
        {"app", std::string(m.app)},
        {"procid", std::string(m.procid)},
        {"msgid", std::string(m.msgid)},
        {"sd", std::string(m.structured_data)},
        {"json", std::string(syslog_json_payload(m))},
    };
    for (const auto& [key, want] : c.fields) {
      if (key == "in") continue;
      ASSERT_TRUE(got.count(key)) << "unknown key " << key;
      EXPECT_EQ(got[key], want) << key;
    }
  }
}

// Found by ingest_fuzz: a backslash as the last byte inside a quoted SD-PARAM stepped the
// scan past the end and substr() threw out_of_range, which would end the listener's thread.
TEST(SyslogMessage, StructuredDataEndingInABackslashInsideQuotes) {
  SyslogMessage m = parse_syslog("<13>1 2024-01-01T00:00:00Z host app - - [x a=\"\\");
  EXPECT_EQ(m.structured_data, "[x a=\"\\");
  EXPECT_EQ(m.text, "");
}

TEST(SyslogFramer, OctetCountingAndLinesMixed) {
  SyslogFramer framer(1024);
  std::string stream = "11 <13>1 - - x\n<14>line two\r\n\n5 ab\ncd";
  size_t pos = 0;
  std::string_view frame;
  ASSERT_EQ(framer.next(stream, &pos, &frame), SyslogFramer::Next::kFrame);
  EXPECT_EQ(frame, "<13>1 - - x");
  ASSERT_EQ(framer.next(stream, &pos, &frame), SyslogFramer::Next::kFrame);
  EXPECT_EQ(frame, "<14>line two");
  ASSERT_EQ(framer.next(stream, &pos, &frame), SyslogFramer::Next::kFrame);
  EXPECT_EQ(frame, "ab\ncd");  // octet counting carries newlines inside a frame
  EXPECT_EQ(framer.next(stream, &pos, &frame), SyslogFramer::Next::kNeedMore);
}

TEST(SyslogFramer, WaitsForPartialFramesAndRefusesHugeOnes) {
  SyslogFramer framer(16);
  size_t pos = 0;
  std::string_view frame;
  EXPECT_EQ(framer.next("10 abc", &pos, &frame), SyslogFramer::Next::kNeedMore);
  EXPECT_EQ(pos, 0u);
  EXPECT_EQ(framer.next("<1>no newline yet", &pos, &frame), SyslogFramer::Next::kOversized);
  pos = 0;
  EXPECT_EQ(framer.next("99999 x", &pos, &frame), SyslogFramer::Next::kOversized);
  pos = 0;
  EXPECT_EQ(framer.next("<1>partial", &pos, &frame), SyslogFramer::Next::kNeedMore);
}

}  // namespace
}  // namespace vigil::serve
