#include "core/event.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

void build_sample(Event& ev) {
  ev.begin_object("Event");
  ev.begin_object("System");
  ev.add_int("EventID", 4688);
  ev.add_string("Channel", "Security");
  ev.end_container();
  ev.begin_object("EventData");
  ev.add_string("CommandLine", "cmd.exe /c whoami");
  ev.add_bool("Elevated", true);
  ev.add_null("Empty");
  ev.begin_array("List");
  ev.add_string("", "a");
  ev.add_uint("", 18446744073709551615ull);
  ev.end_container();
  ev.add_double("Ratio", 0.5);
  ev.end_container();
  ev.end_container();
}

TEST(Event, BuildsTreeInDocumentOrder) {
  Event ev;
  build_sample(ev);
  Value data = ev.root().get("Event").get("EventData");
  ASSERT_TRUE(data);
  EXPECT_EQ(data.size(), 5u);
  EXPECT_EQ(data.get("CommandLine").str(), "cmd.exe /c whoami");
  EXPECT_EQ(data.get("Elevated").kind(), Kind::kBool);
  EXPECT_TRUE(data.get("Empty").is_null());
  EXPECT_FALSE(data.get("Missing"));
  EXPECT_EQ(data.get_icase("commandline").str(), "cmd.exe /c whoami");
  Value list = data.get("List");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.first_child().str(), "a");
  std::string scratch;
  EXPECT_EQ(list.first_child().next().text(scratch), "18446744073709551615");
  EXPECT_FALSE(list.first_child().next().next());
}

TEST(Event, TextOfScalars) {
  Event ev;
  build_sample(ev);
  std::string scratch;
  Value sys = ev.root().get("Event").get("System");
  EXPECT_EQ(sys.get("EventID").text(scratch), "4688");
  int64_t id = 0;
  EXPECT_TRUE(sys.get("EventID").as_int(&id));
  EXPECT_EQ(id, 4688);
  Value data = ev.root().get("Event").get("EventData");
  EXPECT_EQ(data.get("Elevated").text(scratch), "true");
  EXPECT_EQ(data.get("Ratio").text(scratch), "0.5");
  EXPECT_EQ(data.get("Empty").text(scratch), "");
}

TEST(Event, ClearReusesAndResets) {
  Event ev;
  build_sample(ev);
  ev.clear();
  EXPECT_EQ(ev.node_count(), 1u);
  EXPECT_EQ(ev.root().size(), 0u);
  ev.add_string("k", ev.copy("v"));
  EXPECT_EQ(ev.root().get("k").str(), "v");
}

TEST(Event, WritesJson) {
  Event ev;
  ev.add_string("a", "x\"y\n");
  ev.begin_array("b");
  ev.add_int("", -3);
  ev.add_null("");
  ev.end_container();
  std::string out;
  write_json(ev, out);
  EXPECT_EQ(out, R"({"a":"x\"y\n","b":[-3,null]})");
}

TEST(Event, EndContainerNeverClosesRoot) {
  Event ev;
  ev.end_container();
  ev.end_container();
  ev.add_int("x", 1);
  EXPECT_EQ(ev.root().get("x").node().num.i, 1);
}

// json_escape finds the bytes to escape sixteen (SSE2) or eight at a time: it must escape exactly
// what a byte-by-byte escaper does, wherever the special bytes fall.
TEST(Event, JsonEscapeAgreesWithBytewise) {
  auto bytewise = [](std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (c == '\b') out += "\\b";
      else if (c == '\f') out += "\\f";
      else if (c < 0x20) out += "\\u00" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
      else out += static_cast<char>(c);
    }
    return out;
  };
  const unsigned char bytes[] = {'a', 'Z', ' ', '"', '\\', 0x00, 0x01, 0x1f, 0x20, 0x21, 0x5b, 0x5d,
                                 0x7f, 0x80, 0xc3, 0xa9, 0xff, '\n', '\t'};
  uint32_t state = 12345;
  for (int i = 0; i < 40000; ++i) {
    std::string s;
    state = state * 1103515245 + 12345;
    // Mostly up to five 16-byte blocks and a tail; every tenth string longer, to some hundred
    // blocks (an output that outgrows the room first made for it).
    const size_t len = (state >> 16) % (i % 10 == 0 ? 1600 : 90);
    // Mostly clean text, so that whole clean blocks occur too; every other string dense with
    // bytes to escape, as a Windows path is with backslashes.
    const uint32_t clean_in = i % 2 ? 4 : (i % 3 ? 2 : 1);  // 1: every byte from `bytes`
    for (size_t k = 0; k < len; ++k) {
      state = state * 1103515245 + 12345;
      s += (state >> 16) % clean_in ? 'x' : static_cast<char>(bytes[(state >> 8) % std::size(bytes)]);
    }
    std::string out = "prefix";
    json_escape(s, out);
    ASSERT_EQ(out, "prefix" + bytewise(s)) << i;
  }
}

}  // namespace
}  // namespace vigil
