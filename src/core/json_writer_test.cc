// JsonWriter: commas, escaping, numbers, nesting, raw values and reopening a finished object.
#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace vigil {
namespace {

TEST(JsonWriter, WritesCompactJson) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("s", "tab\there \"q\" \\ \x01").field("i", int64_t{-3}).field("u", uint64_t{18446744073709551615u});
  w.field("d", 0.25).field("nan", std::numeric_limits<double>::quiet_NaN()).field("b", true);
  w.key("n").null();
  w.key("a").begin_array().value(1).value("x").begin_object().end_object().begin_array().end_array().end_array();
  w.key("raw").raw("{\"k\":[1,2]}");
  w.end_object();
  EXPECT_EQ(out, R"({"s":"tab\there \"q\" \\ \u0001","i":-3,"u":18446744073709551615,"d":0.25,"nan":null,)"
                 R"("b":true,"n":null,"a":[1,"x",{},[]],"raw":{"k":[1,2]}})");
}

TEST(JsonWriter, FixedDecimals) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().fixed(2, 2).fixed(67.7649, 2).fixed(-0.5, 1).fixed(std::nan(""), 2).end_array();
  EXPECT_EQ(out, "[2.00,67.76,-0.5,null]");
}

TEST(JsonWriter, DoublesRoundTrip) {
  for (double v : {0.1, 1.0 / 3.0, 1e-300, 6.02214076e23, -0.0, 42.0}) {
    std::string out;
    JsonWriter(out).value(v);
    EXPECT_EQ(std::stod(out), v) << out;
  }
}

TEST(JsonWriter, LineBreaksGoAfterTheComma) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("v", 1).line_break().key("list").begin_array();
  for (int i = 0; i < 2; ++i) w.line_break().begin_object().field("i", i).end_object();
  w.end_array().end_object();
  EXPECT_EQ(out, "{\"v\":1,\n\"list\":[\n{\"i\":0},\n{\"i\":1}]}");
}

TEST(JsonWriter, ContinuesAFinishedObject) {
  std::string out = R"({"a":1})";
  JsonWriter w(out);
  w.continue_object().field("b", 2).end_object();
  EXPECT_EQ(out, R"({"a":1,"b":2})");
  std::string empty = "{}";
  JsonWriter e(empty);
  e.continue_object().field("b", 2).end_object();
  EXPECT_EQ(empty, R"({"b":2})");
}

}  // namespace
}  // namespace vigil
