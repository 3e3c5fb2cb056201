// Store: Vigil's SQLite database (WAL) of alerts as received, incidents as last published,
// analysts' verdicts and suppressions, the learned baseline and watched-file progress.
// A Store is one connection: use it from one thread at a time and open one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "serve/record_batch.h"
#include "serve/sqlite.h"

namespace vigil::serve {

// How much a commit promises. kNormal: durable once the process has handed the WAL to the
// kernel (survives kill -9, may lose the last commits on power loss); kFull: fsync per commit.
enum class Durability { kNormal, kFull };

struct StoreOptions {
  Durability durability = Durability::kNormal;
  bool read_only = false;
};

struct StoredAlert {
  int64_t seq = 0;
  int64_t received_us = 0;
  std::string profile;
  std::string origin;
  std::string raw;
};

// One incident as the API lists and shows it. `summary` and `doc` are JSON objects written by
// the publisher; the other fields are the columns the list filters on.
struct IncidentRow {
  std::string id;
  std::string status;
  double score = 0;
  std::string title;
  int64_t first_seen_us = 0;
  int64_t last_seen_us = 0;
  std::vector<std::string> hosts;
  int64_t alert_count = 0;
  std::string search_text;  // lowercased words for the `q` filter
  std::string summary;      // JSON object for the queue
  std::string doc;          // JSON object for the incident page
};

struct IncidentFilter {
  std::vector<std::string> statuses;  // empty = any
  std::optional<double> min_score;
  std::string host;                   // exact host name (case-insensitive), empty = any
  std::optional<int64_t> since_us;    // incidents whose last alert is at or after
  std::optional<int64_t> until_us;    // incidents whose first alert is at or before
  std::string text;                   // substring of title, hosts, entities, narrative
  enum class Order { kScore, kLastSeen } order = Order::kScore;
  int64_t limit = 50;
  int64_t offset = 0;
};

struct IncidentPage {
  int64_t total = 0;                  // rows matching the filter, before paging
  std::vector<std::string> summaries; // JSON objects with "verdict" set from the verdict table
};

struct VerdictRow {
  int64_t id = 0;
  std::string incident_id;
  std::string verdict;  // true_positive | false_positive | benign
  std::string reason;
  std::string analyst;
  int64_t at_seq = 0;   // alerts stored when it was given: replay applies it after this alert
  int64_t created_us = 0;
};

struct SuppressionRow {
  int64_t id = 0;
  std::string spec;     // JSON object understood by the triage engine
  std::string reason;
  int64_t verdict_id = 0;  // 0 when created directly
  int64_t at_seq = 0;
  int64_t created_us = 0;
  std::optional<int64_t> deleted_at_seq;
  std::optional<int64_t> deleted_us;
};

class Store {
 public:
  // Opens (creating if needed) the database and brings its schema to the latest version.
  static Result<Store> open(const std::string& path, const StoreOptions& options);
  // The schema version this build writes; older databases are migrated on open.
  static int latest_schema_version();

  Db& db() { return db_; }
  Result<int> schema_version();

  // --- alerts (call inside a Transaction to batch) ---
  // Appends the batch's records; `*first_seq` receives the sequence number of the first.
  Status insert_alerts(const RecordBatch& batch, int64_t received_us, int64_t* first_seq);
  Status save_file_progress(const FileProgress& progress);
  Result<std::optional<FileProgress>> file_progress(const std::string& path);
  // Calls `fn` for alerts with seq > after_seq in seq order until it returns false.
  Status scan_alerts(int64_t after_seq, const std::function<bool(const StoredAlert&)>& fn);
  Result<std::vector<StoredAlert>> alerts_by_seq(const std::vector<int64_t>& seqs);
  Result<int64_t> alert_count();
  Result<int64_t> max_seq();

  // --- incidents ---
  Status upsert_incident(const IncidentRow& row, int64_t now_us);
  Status delete_incidents_not_in(const std::vector<std::string>& keep_ids);
  Result<IncidentPage> list_incidents(const IncidentFilter& filter);
  Result<std::optional<std::string>> incident_doc(const std::string& id);
  Result<int64_t> incident_count(const std::string& status);  // "" = all

  // --- verdicts and suppressions ---
  Result<int64_t> add_verdict(const VerdictRow& row);
  Result<std::vector<VerdictRow>> verdicts(const std::string& incident_id);  // "" = all, by id
  Result<int64_t> add_suppression(const SuppressionRow& row);
  // Marks it deleted (kept for replay); false when no live suppression has that id.
  Result<bool> delete_suppression(int64_t id, int64_t at_seq, int64_t now_us);
  Result<std::vector<SuppressionRow>> suppressions(bool include_deleted);

  // --- learned baseline and small settings ---
  Status put_blob(std::string_view key, std::string_view value);
  Result<std::optional<std::string>> get_blob(std::string_view key);

 private:
  explicit Store(Db db) : db_(std::move(db)) {}
  Status migrate();
  Status prepare_hot_statements();

  Db db_;
  Stmt insert_alert_;
  Stmt upsert_incident_;
};

}  // namespace vigil::serve
