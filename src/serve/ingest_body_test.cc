#include "serve/ingest_body.h"

#include <zlib.h>

#include <gtest/gtest.h>

#include "serve/intake_for_test.h"

namespace vigil::serve {
namespace {

struct Split {
  Result<BodyResult> result = BodyResult{};
  RecordBatch batch;
};

RecordIntake any_generic() {
  return intake_picking([](const Event&) -> Result<std::string> { return std::string("generic"); });
}

Split run(std::string body, const RecordIntake& intake = any_generic(), BodyLimits limits = {}) {
  Split out;
  out.result = split_body(std::move(body), intake, limits, out.batch);
  return out;
}

std::string gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(IngestBody, JsonLinesBecomeCompactRecords) {
  auto s = run("{\"a\":1}\n\n{\"b\": \"x\"}\r\n  {\"c\":[1,2]}");
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 3u);
  EXPECT_EQ(s.batch.record(0), "{\"a\":1}");
  EXPECT_EQ(s.batch.record(1), "{\"b\":\"x\"}");
  EXPECT_EQ(s.batch.record(2), "{\"c\":[1,2]}");
  EXPECT_EQ(s.batch.profile(2), "generic");
  EXPECT_EQ(s.result->rejected, 0u);
}

TEST(IngestBody, ArrayElementsAreRecords) {
  auto s = run("[ {\"a\" : 1},\n {\"b\": {\"c\": null}} ]");
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.batch.record(0), "{\"a\":1}");
  EXPECT_EQ(s.batch.record(1), "{\"b\":{\"c\":null}}");
}

TEST(IngestBody, GzipBodyIsDecoded) {
  auto s = run(gzip("{\"a\":1}\n{\"a\":2}\n"));
  ASSERT_TRUE(s.result.ok());
  EXPECT_EQ(s.batch.size(), 2u);
}

TEST(IngestBody, BadLinesAreReportedWithLineNumberAndTheRestKept) {
  auto s = run("{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.batch.record(1), "{\"a\":3}");
  ASSERT_EQ(s.result->rejected, 1u);
  EXPECT_EQ(s.result->issues[0].line, 2u);
  EXPECT_EQ(s.result->issues[0].offset, 8u);
}

TEST(IngestBody, TextThatIsNotJsonIsRejectedNotStored) {
  auto csv = run("time,name\n1,x\n");
  ASSERT_TRUE(csv.result.ok());
  EXPECT_EQ(csv.batch.size(), 0u);
  EXPECT_GE(csv.result->rejected, 1u);
  auto empty = run("  \n ");
  ASSERT_TRUE(empty.result.ok());
  EXPECT_EQ(empty.batch.size(), 0u);
  EXPECT_EQ(empty.result->rejected, 0u);
}

TEST(IngestBody, ClassifierNamesProfilesAndRejectsRecords) {
  RecordIntake by_layout = intake_picking([](const Event& e) -> Result<std::string> {
    if (e.root().get("time")) return std::string("aitads");
    if (e.root().get("event_type")) return std::string("suricata");
    return Invalid("no time field");
  });
  auto s = run("{\"time\":1}\n{\"name\":\"x\"}\n{\"event_type\":\"alert\"}", by_layout);
  ASSERT_TRUE(s.result.ok());
  ASSERT_EQ(s.batch.size(), 2u);
  EXPECT_EQ(s.batch.profile(0), "aitads");
  EXPECT_EQ(s.batch.profile(1), "suricata");
  ASSERT_EQ(s.result->issues.size(), 1u);
  EXPECT_EQ(s.result->issues[0].message, "no time field");
  EXPECT_EQ(s.result->issues[0].line, 2u);
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
  EXPECT_EQ(big.result->rejected, 1u);
  limits = {};
  limits.max_issues_listed = 1;
  auto many = run("{}\n{\"a\":}\n{}\n{\"b\":}\n{}\n{\"c\":}\n", any_generic(), limits);
  ASSERT_TRUE(many.result.ok());
  EXPECT_EQ(many.batch.size(), 3u);
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

}  // namespace
}  // namespace vigil::serve
