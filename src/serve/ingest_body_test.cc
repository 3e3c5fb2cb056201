#include "serve/ingest_body.h"

#include <gtest/gtest.h>

namespace vigil::serve {
namespace {

struct Split {
  Result<BodyResult> result = BodyResult{};
  RecordBatch batch;
};

RecordClassifier any_generic() {
  return [](const Event&) -> Result<std::string> { return std::string("generic"); };
}

Split run(std::string_view body, const RecordClassifier& classify = any_generic(), BodyLimits limits = {}) {
  Split out;
  JsonEventParser parser;
  Event scratch;
  out.result = split_body(body, classify, limits, parser, scratch, out.batch);
  return out;
}

TEST(IngestBody, JsonLinesKeepEachLineAsSent) {
  auto s = run("{\"a\":1}\n\n{\"b\": \"x\"}\r\n  {\"c\":[1,2]}");
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 3u);
  EXPECT_EQ(s.batch.record(0), "{\"a\":1}");
  EXPECT_EQ(s.batch.record(1), "{\"b\": \"x\"}");
  EXPECT_EQ(s.batch.record(2), "{\"c\":[1,2]}");
  EXPECT_EQ(s.result->rejected, 0u);
}

TEST(IngestBody, ArrayElementsAreMinified) {
  auto s = run("[ {\"a\" : 1},\n {\"b\": {\"c\": null}} ]");
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.batch.record(0), "{\"a\":1}");
  EXPECT_EQ(s.batch.record(1), "{\"b\":{\"c\":null}}");
}

TEST(IngestBody, BadLinesAreReportedWithLineNumberAndTheRestKept) {
  auto s = run("{\"a\":1}\n{\"a\":\n[1,2]\n{\"a\":3}\n");
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.batch.record(1), "{\"a\":3}");
  ASSERT_EQ(s.result->rejected, 2u);
  EXPECT_EQ(s.result->issues[0].line, 2u);
  EXPECT_EQ(s.result->issues[0].index, 1u);
  EXPECT_EQ(s.result->issues[1].line, 3u);
  EXPECT_NE(s.result->issues[1].message.find("not a JSON object"), std::string::npos);
}

TEST(IngestBody, ArrayWithNonObjectsRejectsThoseElements) {
  auto s = run("[{\"a\":1}, 7, \"x\", {\"b\":2}]");
  ASSERT_TRUE(s.result.ok());
  EXPECT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.result->rejected, 2u);
  EXPECT_EQ(s.result->issues[1].index, 2u);
}

TEST(IngestBody, BrokenArrayOrForeignBodyFailsAsAWhole) {
  EXPECT_FALSE(run("[{\"a\":1}, {").result.ok());
  EXPECT_FALSE(run("time,name\n1,x\n").result.ok());
  auto empty = run("  \n ");
  ASSERT_TRUE(empty.result.ok());
  EXPECT_EQ(empty.batch.size(), 0u);
}

TEST(IngestBody, ClassifierNamesProfilesAndRejectsRecords) {
  RecordClassifier by_layout = [](const Event& e) -> Result<std::string> {
    if (e.root().get("time")) return std::string("aitads");
    if (e.root().get("event_type")) return std::string("suricata");
    return Invalid("no time field");
  };
  auto s = run("{\"time\":1}\n{\"name\":\"x\"}\n{\"event_type\":\"alert\"}", by_layout);
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.batch.profile(0), "aitads");
  EXPECT_EQ(s.batch.profile(1), "suricata");
  ASSERT_EQ(s.result->issues.size(), 1u);
  EXPECT_EQ(s.result->issues[0].message, "no time field");
}

TEST(IngestBody, LimitsOnRecordsRecordSizeAndListedIssues) {
  BodyLimits limits;
  limits.max_records = 2;
  EXPECT_EQ(run("{}\n{}\n{}", any_generic(), limits).result.status().code(), Code::kLimit);
  limits = {};
  limits.max_record_bytes = 10;
  auto big = run("{\"a\":\"0123456789\"}\n{}", any_generic(), limits);
  ASSERT_TRUE(big.result.ok());
  EXPECT_EQ(big.batch.size(), 1u);
  limits = {};
  limits.max_issues_listed = 1;
  auto many = run("{x\n{y\n{z", any_generic(), limits);
  ASSERT_TRUE(many.result.ok());
  EXPECT_EQ(many.result->rejected, 3u);
  EXPECT_EQ(many.result->issues.size(), 1u);
}

TEST(IngestBody, DeepNestingIsRefusedNotCrashed) {
  std::string deep = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  auto s = run(deep + "\n{\"ok\":true}");
  ASSERT_TRUE(s.result.ok());
  EXPECT_EQ(s.batch.size(), 1u);
  EXPECT_EQ(s.result->rejected, 1u);
}

TEST(JsonEventParser, BuildsTypedEvent) {
  JsonEventParser parser;
  Event ev;
  ASSERT_TRUE(parser.parse(R"({"s":"x","i":-3,"u":18446744073709551615,"d":1.5,"b":true,"n":null,"o":{"k":[1,"two"]}})", ev).ok());
  EXPECT_EQ(ev.root().get("s").str(), "x");
  int64_t i = 0;
  ASSERT_TRUE(ev.root().get("i").as_int(&i));
  EXPECT_EQ(i, -3);
  EXPECT_EQ(ev.root().get("u").kind(), Kind::kUInt);
  EXPECT_EQ(ev.root().get("b").kind(), Kind::kBool);
  EXPECT_TRUE(ev.root().get("n").is_null());
  Value arr = ev.root().get("o").get("k");
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr.first_child().next().str(), "two");
  std::string json;
  write_json(ev, json);
  EXPECT_EQ(json, R"({"s":"x","i":-3,"u":18446744073709551615,"d":1.5,"b":true,"n":null,"o":{"k":[1,"two"]}})");
}

}  // namespace
}  // namespace vigil::serve
