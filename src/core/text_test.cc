// Text helpers: markup escaping as XML (EVTX rendered as XML) and HTML (reports) need it.
#include "core/text.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

std::string escaped(std::string_view s, bool quotes) {
  std::string out;
  xml_escape(s, quotes, out);
  return out;
}

TEST(XmlEscape, MarkupQuotesAndControls) {
  EXPECT_EQ(escaped("a<b>&\"c\"", false), "a&lt;b&gt;&amp;\"c\"");
  EXPECT_EQ(escaped("a<b>&\"c\"", true), "a&lt;b&gt;&amp;&quot;c&quot;");
  // Tab, LF and CR stay; other C0 controls cannot be carried by XML 1.0 and become U+FFFD.
  EXPECT_EQ(escaped(std::string_view("x\t\n\r\x01\x1f\0y", 8), true), "x\t\n\r\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdy");
  // UTF-8 passes through untouched.
  EXPECT_EQ(escaped("\xc3\xa9\xe4\xb8\xad", false), "\xc3\xa9\xe4\xb8\xad");
}

}  // namespace
}  // namespace vigil
