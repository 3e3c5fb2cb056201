#include "serve/store.h"

#include <gtest/gtest.h>

#include "serve/temp_dir_for_test.h"

namespace vigil::serve {
namespace {

Store open_store(const TempDir& dir) {
  auto store = Store::open(dir.file("vigil.db"), {});
  EXPECT_TRUE(store.ok()) << store.status().message();
  return std::move(store).value();
}

IncidentRow incident(std::string id, std::string status, double score, std::vector<std::string> hosts,
                     int64_t first, int64_t last, std::string text) {
  IncidentRow row;
  row.id = id;
  row.status = status;
  row.score = score;
  row.title = "incident " + id;
  row.hosts = std::move(hosts);
  row.first_seen_us = first;
  row.last_seen_us = last;
  row.alert_count = 1;
  row.search_text = text;
  row.summary = "{\"id\":\"" + id + "\"}";
  row.doc = "{\"id\":\"" + id + "\",\"detail\":true}";
  return row;
}

TEST(Store, MigratesToLatestAndReopens) {
  TempDir dir;
  {
    Store store = open_store(dir);
    auto version = store.schema_version();
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, Store::latest_schema_version());
    auto mode = store.db().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.ok());
    Status st;
    ASSERT_TRUE(mode->step(&st));
    EXPECT_EQ(mode->column_text(0), "wal");
  }
  Store again = open_store(dir);
  EXPECT_EQ(*again.schema_version(), Store::latest_schema_version());
}

TEST(Store, MigratesAnOlderDatabaseKeepingItsRows) {
  TempDir dir;
  {
    Store store = open_store(dir);
    // Make it a version-1 database: migration 2 added watched_files.head.
    ASSERT_TRUE(store.db().exec("ALTER TABLE watched_files DROP COLUMN head; PRAGMA user_version = 1").ok());
    RecordBatch batch("http");
    batch.add("{\"kept\":true}", "aitads");
    int64_t first = 0;
    ASSERT_TRUE(store.insert_alerts(batch, 1, &first).ok());
  }
  Store store = open_store(dir);
  EXPECT_EQ(*store.schema_version(), Store::latest_schema_version());
  EXPECT_EQ(*store.alert_count(), 1);
  FileProgress p{"/in/a", 1, 2, 3, 4, 5, 6, "", "head"};
  ASSERT_TRUE(store.save_file_progress(p).ok());
  EXPECT_EQ((*store.file_progress("/in/a"))->head, "head");
}

TEST(Store, RefusesNewerSchema) {
  TempDir dir;
  {
    Store store = open_store(dir);
    ASSERT_TRUE(store.db().exec("PRAGMA user_version = 999").ok());
  }
  auto store = Store::open(dir.file("vigil.db"), {});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnsupported);
}

TEST(Store, AlertsKeepOrderAndSeqsAreNeverReused) {
  TempDir dir;
  Store store = open_store(dir);
  RecordBatch batch("http");
  batch.add("{\"n\":1}", "aitads");
  batch.add("{\"n\":2}", "aitads");
  int64_t first = 0;
  {
    Transaction tx(store.db());
    ASSERT_TRUE(tx.begin().ok());
    ASSERT_TRUE(store.insert_alerts(batch, 1000, &first).ok());
    ASSERT_TRUE(tx.commit().ok());
  }
  EXPECT_EQ(first, 1);
  RecordBatch later("syslog-tcp");
  later.add("{\"n\":3}", "wazuh");
  ASSERT_TRUE(store.insert_alerts(later, 5000, &first).ok());
  EXPECT_EQ(first, 3);

  std::vector<std::string> seen;
  ASSERT_TRUE(store.scan_alerts(1, [&](const StoredAlert& a) {
    seen.push_back(std::to_string(a.seq) + a.profile + a.raw);
    return true;
  }).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"2aitads{\"n\":2}", "3wazuh{\"n\":3}"}));

  ASSERT_TRUE(store.db().exec("DELETE FROM alerts WHERE received_us < 2000").ok());
  EXPECT_EQ(*store.alert_count(), 1);
  ASSERT_TRUE(store.db().exec("DELETE FROM alerts").ok());
  EXPECT_EQ(*store.max_seq(), 3);
  ASSERT_TRUE(store.insert_alerts(later, 6000, &first).ok());
  EXPECT_EQ(first, 4);

  auto fetched = store.alerts_by_seq({4, 1});
  ASSERT_TRUE(fetched.ok());
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].origin, "syslog-tcp");
}

TEST(Store, RolledBackBatchLeavesNothing) {
  TempDir dir;
  Store store = open_store(dir);
  RecordBatch batch("http");
  batch.add("{}", "aitads");
  {
    Transaction tx(store.db());
    ASSERT_TRUE(tx.begin().ok());
    int64_t first = 0;
    ASSERT_TRUE(store.insert_alerts(batch, 1, &first).ok());
  }  // no commit
  EXPECT_EQ(*store.alert_count(), 0);
}

TEST(Store, IncidentFiltersAndPaging) {
  TempDir dir;
  Store store = open_store(dir);
  ASSERT_TRUE(store.upsert_incident(incident("a", "surfaced", 80, {"Mail", "web"}, 100, 200, "ssh brute force"), 1).ok());
  ASSERT_TRUE(store.upsert_incident(incident("b", "auto-closed", 10, {"mail"}, 150, 300, "clamav update"), 1).ok());
  ASSERT_TRUE(store.upsert_incident(incident("c", "surfaced", 95, {"db"}, 400, 500, "exfiltration dns"), 1).ok());

  auto ids = [&](const IncidentFilter& f) {
    auto page = store.list_incidents(f);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::string out;
    for (const auto& s : page->summaries) out += s.substr(7, 1);
    return out + "/" + std::to_string(page->total);
  };
  IncidentFilter f;
  EXPECT_EQ(ids(f), "cab/3");
  f.statuses = {"surfaced"};
  EXPECT_EQ(ids(f), "ca/2");
  f = {};
  f.host = "MAIL";
  EXPECT_EQ(ids(f), "ab/2");
  f.host = "mai";
  EXPECT_EQ(ids(f), "/0");
  f = {};
  f.min_score = 50;
  EXPECT_EQ(ids(f), "ca/2");
  f = {};
  f.since_us = 250;
  f.until_us = 450;
  EXPECT_EQ(ids(f), "cb/2");
  f = {};
  f.text = "DNS";
  EXPECT_EQ(ids(f), "c/1");
  f = {};
  f.order = IncidentFilter::Order::kLastSeen;
  f.limit = 2;
  f.offset = 1;
  EXPECT_EQ(ids(f), "ba/3");

  // An update replaces the row; a verdict shows in the summary.
  ASSERT_TRUE(store.upsert_incident(incident("a", "surfaced", 99, {"web"}, 100, 600, "x"), 2).ok());
  VerdictRow verdict{0, "a", "benign", "admin work", "analyst", 3, 10};
  ASSERT_TRUE(store.add_verdict(verdict).ok());
  f = {};
  auto page = store.list_incidents(f);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->summaries[0], "{\"id\":\"a\",\"verdict\":\"benign\"}");
  EXPECT_EQ(**store.incident_doc("a"), "{\"id\":\"a\",\"detail\":true}");
  EXPECT_FALSE(store.incident_doc("zz")->has_value());

  ASSERT_TRUE(store.delete_incidents_not_in({"a", "c"}).ok());
  EXPECT_EQ(*store.incident_count(""), 2);
  EXPECT_EQ(*store.incident_count("surfaced"), 2);
}

TEST(Store, VerdictsSuppressionsAndBlobs) {
  TempDir dir;
  Store store = open_store(dir);
  EXPECT_FALSE(store.add_verdict({0, "a", "maybe", "", "", 0, 0}).ok());
  ASSERT_TRUE(store.add_verdict({0, "a", "false_positive", "scanner", "ana", 7, 1}).ok());
  ASSERT_TRUE(store.add_verdict({0, "b", "true_positive", "confirmed", "ana", 9, 2}).ok());
  auto all = store.verdicts("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].at_seq, 7);
  EXPECT_EQ(store.verdicts("b")->size(), 1u);

  auto id = store.add_suppression({0, "{\"rule\":\"x\"}", "noise", 0, 5, 100, {}, {}});
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(store.suppressions(false)->size(), 1u);
  EXPECT_TRUE(*store.delete_suppression(*id, 8, 200));
  EXPECT_FALSE(*store.delete_suppression(*id, 9, 300));
  EXPECT_EQ(store.suppressions(false)->size(), 0u);
  auto kept = store.suppressions(true);
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(*(*kept)[0].deleted_at_seq, 8);

  std::string binary("a\0b", 3);
  ASSERT_TRUE(store.put_blob("baseline", binary).ok());
  EXPECT_EQ(**store.get_blob("baseline"), binary);
  EXPECT_FALSE(store.get_blob("other")->has_value());
}

TEST(Store, FileProgressRoundTrips) {
  TempDir dir;
  Store store = open_store(dir);
  EXPECT_FALSE(store.file_progress("/x")->has_value());
  FileProgress p{"/x", 1, 2, 300, 4, 250, 12, "time,name", std::string("\x1f\x8b\0\x01", 4)};
  ASSERT_TRUE(store.save_file_progress(p).ok());
  auto back = store.file_progress("/x");
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->offset, 250);
  EXPECT_EQ((*back)->header, "time,name");
  EXPECT_EQ((*back)->head, p.head);
}

}  // namespace
}  // namespace vigil::serve
