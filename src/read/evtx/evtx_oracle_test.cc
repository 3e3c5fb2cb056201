// Fidelity oracle: every record of every .evtx in ../shared/data/sigma-regression must equal,
// tree for tree (same keys in the same order, same value types, same values), the evtx_dump JSON
// export stored beside it. Also: every .evtx of ../shared/data/evtx decodes without a single
// broken record, and the record counts agree with a plain walk of the record headers.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "read/evtx/evtx_file.h"

namespace vigil::evtx {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> find_files(const fs::path& root, const std::string& ext) {
  std::vector<fs::path> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && entry.path().extension() == ext) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Compares one of our values with the oracle's; on mismatch describes the first difference.
bool same(Value v, simdjson::dom::element e, const std::string& path, std::string* why) {
  using simdjson::dom::element_type;
  auto fail = [&](const std::string& what) {
    *why = path + ": " + what;
    return false;
  };
  switch (e.type()) {
    case element_type::OBJECT: {
      if (v.kind() != Kind::kObject) return fail("expected an object");
      simdjson::dom::object obj = e.get_object().value();
      if (obj.size() != v.size()) {
        return fail("expected " + std::to_string(obj.size()) + " members, got " +
                    std::to_string(v.size()));
      }
      Value c = v.first_child();
      for (auto field : obj) {
        if (c.key() != field.key) {
          return fail("member key '" + std::string(c.key()) + "', expected '" +
                      std::string(field.key) + "'");
        }
        if (!same(c, field.value, path + "." + std::string(field.key), why)) return false;
        c = c.next();
      }
      return true;
    }
    case element_type::ARRAY: {
      if (v.kind() != Kind::kArray) return fail("expected an array");
      simdjson::dom::array arr = e.get_array().value();
      if (arr.size() != v.size()) return fail("array size differs");
      Value c = v.first_child();
      size_t i = 0;
      for (auto item : arr) {
        if (!same(c, item, path + "[" + std::to_string(i++) + "]", why)) return false;
        c = c.next();
      }
      return true;
    }
    case element_type::STRING:
      if (v.kind() != Kind::kString) return fail("expected a string");
      if (v.str() != e.get_string().value()) {
        return fail("'" + std::string(v.str()) + "' != '" + std::string(e.get_string().value()) +
                    "'");
      }
      return true;
    case element_type::INT64:
    case element_type::UINT64: {
      int64_t got;
      if ((v.kind() != Kind::kInt && v.kind() != Kind::kUInt) || !v.as_int(&got)) {
        return fail("expected an integer");
      }
      bool eq = e.type() == element_type::INT64 ? got == e.get_int64().value()
                                                : static_cast<uint64_t>(got) == e.get_uint64().value();
      return eq ? true : fail("integer differs: " + std::to_string(got));
    }
    case element_type::DOUBLE:
      if (v.kind() != Kind::kDouble || v.node().num.d != e.get_double().value()) {
        return fail("expected the double " + std::to_string(e.get_double().value()));
      }
      return true;
    case element_type::BOOL:
      if (v.kind() != Kind::kBool || v.node().num.b != e.get_bool().value()) {
        return fail("boolean differs");
      }
      return true;
    case element_type::NULL_VALUE:
      return v.kind() == Kind::kNull ? true : fail("expected null");
  }
  return fail("unknown element type");
}

class OracleSink : public EventSink {
 public:
  // Expected records by EventRecordID, each a minified JSON document.
  std::map<uint64_t, std::string> expected;
  std::vector<std::string> failures;
  std::vector<std::string> issues;
  size_t matched = 0;
  size_t seen = 0;
  simdjson::dom::parser parser;

  bool on_event(const Event& ev, const RecordRef& ref) override {
    ++seen;
    auto it = expected.find(ref.record_id);
    if (it == expected.end()) {
      failures.push_back("record " + std::to_string(ref.record_id) + " not in the oracle");
      return true;
    }
    simdjson::dom::element doc;
    if (parser.parse(it->second).get(doc) != simdjson::SUCCESS) {
      failures.push_back("oracle record does not parse");
      return true;
    }
    std::string why;
    if (same(ev.root(), doc, "$", &why)) {
      ++matched;
    } else {
      failures.push_back("record " + std::to_string(ref.record_id) + ": " + why);
    }
    return true;
  }
  void on_issue(const ReadIssue& issue) override { issues.push_back(issue.describe()); }
};

TEST(EvtxOracle, MatchesEvtxDumpJsonOnSigmaRegressionData) {
  fs::path root = fs::path(VIGIL_SHARED_DIR) / "data" / "sigma-regression";
  auto files = find_files(root, ".evtx");
  if (files.empty()) GTEST_SKIP() << "needs ../shared (data/sigma-regression)";
  size_t total = 0, compared_files = 0;
  for (const auto& path : files) {
    fs::path json = path;
    json.replace_extension(".json");
    if (!fs::exists(json)) continue;
    ++compared_files;
    OracleSink sink;
    simdjson::dom::parser stream_parser;
    simdjson::padded_string text = simdjson::padded_string::load(json.string()).value();
    simdjson::dom::document_stream docs;
    ASSERT_EQ(stream_parser.parse_many(text).get(docs), simdjson::SUCCESS) << json;
    for (auto doc : docs) {
      simdjson::dom::element e;
      ASSERT_EQ(doc.get(e), simdjson::SUCCESS) << json;
      uint64_t id = e["Event"]["System"]["EventRecordID"].get_uint64().value();
      sink.expected[id] = simdjson::minify(e);
    }
    auto file = EvtxFile::open(path.string());
    ASSERT_TRUE(file.ok()) << file.status().message();
    ASSERT_TRUE(file->read_all(sink).ok());
    EXPECT_TRUE(sink.issues.empty()) << path << ": " << sink.issues.front();
    EXPECT_EQ(sink.seen, sink.expected.size()) << path;
    EXPECT_EQ(sink.matched, sink.expected.size()) << path;
    for (const auto& f : sink.failures) ADD_FAILURE() << path.filename() << ": " << f;
    total += sink.matched;
  }
  std::printf("oracle: %zu files, %zu records identical to evtx_dump's JSON\n", compared_files,
              total);
  EXPECT_GT(total, 100u);
}

class CountingSink : public EventSink {
 public:
  size_t events = 0;
  std::vector<std::string> issues;
  bool on_event(const Event& ev, const RecordRef&) override {
    ++events;
    EXPECT_TRUE(ev.root().get("Event").valid());
    return true;
  }
  void on_issue(const ReadIssue& issue) override { issues.push_back(issue.describe()); }
};

TEST(EvtxOracle, DecodesEverySampleFile) {
  fs::path root = fs::path(VIGIL_SHARED_DIR) / "data" / "evtx";
  auto files = find_files(root, ".evtx");
  if (files.empty()) GTEST_SKIP() << "needs ../shared (data/evtx)";
  size_t records = 0, issues = 0, slots = 0;
  for (const auto& path : files) {
    auto file = EvtxFile::open(path.string());
    ASSERT_TRUE(file.ok()) << file.status().message();
    CountingSink sink;
    ASSERT_TRUE(file->read_all(sink).ok());
    size_t walked = 0;
    for (size_t c = 0; c < file->chunk_count(); ++c) walked += file->count_records(c);
    slots += walked;
    records += sink.events;
    issues += sink.issues.size();
    for (const auto& i : sink.issues) std::printf("  issue: %s\n", i.c_str());
    EXPECT_EQ(sink.events, walked) << path;
  }
  std::printf("samples: %zu files, %zu records decoded, %zu record slots, %zu issues\n",
              files.size(), records, slots, issues);
  EXPECT_GT(records, 10000u);
}

// Decoding chunks on two threads, with bases from count_records(), gives exactly the records,
// indices and offsets of a sequential read_all().
TEST(EvtxOracle, ParallelChunksMatchSequentialRead) {
  fs::path path = fs::path(VIGIL_SHARED_DIR) / "data/evtx/DeepBlueCLI/many-events-application.evtx";
  if (!fs::exists(path)) GTEST_SKIP() << "needs ../shared (data/evtx/DeepBlueCLI)";
  auto file = EvtxFile::open(path.string());
  ASSERT_TRUE(file.ok());
  struct Keep : EventSink {
    std::map<uint64_t, std::string> by_index;
    bool on_event(const Event& ev, const RecordRef& ref) override {
      std::string& s = by_index[ref.index];
      s = std::to_string(ref.offset) + "/" + std::to_string(ref.chunk) + " ";
      write_json(ev, s);
      return true;
    }
    void on_issue(const ReadIssue&) override { ADD_FAILURE() << "unexpected issue"; }
  };
  Keep sequential;
  ASSERT_TRUE(file->read_all(sequential).ok());
  std::vector<uint64_t> base(file->chunk_count() + 1, 0);
  for (size_t c = 0; c < file->chunk_count(); ++c) base[c + 1] = base[c] + file->count_records(c);
  Keep parts[2];
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      EvtxDecoder decoder;
      for (size_t c = t; c < file->chunk_count(); c += 2) {
        EXPECT_TRUE(file->decode_chunk(c, parts[t], decoder, base[c]).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::map<uint64_t, std::string> merged = parts[0].by_index;
  merged.insert(parts[1].by_index.begin(), parts[1].by_index.end());
  EXPECT_EQ(merged.size(), sequential.by_index.size());
  EXPECT_TRUE(merged == sequential.by_index);
  EXPECT_EQ(merged.rbegin()->first + 1, base.back());
}

}  // namespace
}  // namespace vigil::evtx
