#include "serve/store.h"

#include "core/event.h"
#include "core/text.h"

namespace vigil::serve {
namespace {

std::string host_column(const std::vector<std::string>& hosts) {
  std::string column = "\n";
  for (const auto& host : hosts) {
    column += to_lower(host);
    column += '\n';
  }
  return column;
}

}  // namespace

Result<Store> Store::open(const std::string& path, const StoreOptions& options) {
  auto db = Db::open(path, options.read_only);
  if (!db.ok()) return db.status();
  Store store(std::move(db).value());
  if (!options.read_only) {
    // WAL: readers (the API) never block the writer (ingest). synchronous=NORMAL in WAL mode
    // makes COMMIT return once the frames are written to the WAL file (in the kernel's page
    // cache): a killed process loses nothing committed; only an OS crash or power loss can drop
    // the last commits before the next checkpoint. FULL adds an fsync of the WAL per commit.
    VIGIL_RETURN_IF_ERROR(store.db_.exec("PRAGMA journal_mode=WAL"));
    VIGIL_RETURN_IF_ERROR(store.db_.exec(options.durability == Durability::kFull
                                             ? "PRAGMA synchronous=FULL"
                                             : "PRAGMA synchronous=NORMAL"));
    VIGIL_RETURN_IF_ERROR(store.db_.exec("PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY"));
    VIGIL_RETURN_IF_ERROR(store.migrate().with_context(path));
  } else {
    auto version = store.schema_version();
    if (!version.ok()) return version.status();
    if (*version != latest_schema_version()) {
      return Unsupported(path + ": schema version " + std::to_string(*version) + ", expected " +
                         std::to_string(latest_schema_version()));
    }
  }
  VIGIL_RETURN_IF_ERROR(store.prepare_hot_statements());
  return store;
}

Status Store::prepare_hot_statements() {
  auto insert = db_.prepare(
      "INSERT INTO alerts(received_us, profile, origin, raw) VALUES (?1, ?2, ?3, ?4)");
  if (!insert.ok()) return insert.status();
  insert_alert_ = std::move(insert).value();
  auto upsert = db_.prepare(
      "INSERT INTO incidents(id, status, score, title, first_seen_us, last_seen_us, hosts, "
      "alert_count, search, summary, doc, updated_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
      "ON CONFLICT(id) DO UPDATE SET status=excluded.status, score=excluded.score, "
      "title=excluded.title, first_seen_us=excluded.first_seen_us, "
      "last_seen_us=excluded.last_seen_us, hosts=excluded.hosts, "
      "alert_count=excluded.alert_count, search=excluded.search, summary=excluded.summary, "
      "doc=excluded.doc, updated_us=excluded.updated_us");
  if (!upsert.ok()) return upsert.status();
  upsert_incident_ = std::move(upsert).value();
  return Status::Ok();
}

// --- alerts ---

Status Store::insert_alerts(const RecordBatch& batch, int64_t received_us, int64_t* first_seq) {
  *first_seq = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    insert_alert_.bind(1, received_us).bind(2, batch.profile(i)).bind(3, batch.origin());
    insert_alert_.bind(4, batch.record(i));
    VIGIL_RETURN_IF_ERROR(insert_alert_.run());
    if (i == 0) *first_seq = db_.last_insert_rowid();
  }
  return Status::Ok();
}

Status Store::save_file_progress(const FileProgress& p) {
  auto stmt = db_.prepare(
      "INSERT OR REPLACE INTO watched_files(path, device, inode, size, mtime_ns, offset, records, "
      "header, head) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, p.path).bind(2, p.device).bind(3, p.inode).bind(4, p.size);
  stmt->bind(5, p.mtime_ns).bind(6, p.offset).bind(7, p.records).bind(8, p.header).bind_blob(9, p.head);
  return stmt->run();
}

Result<std::optional<FileProgress>> Store::file_progress(const std::string& path) {
  auto stmt = db_.prepare(
      "SELECT device, inode, size, mtime_ns, offset, records, header, head FROM watched_files "
      "WHERE path = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, path);
  Status status;
  if (!stmt->step(&status)) {
    if (!status.ok()) return status;
    return std::optional<FileProgress>();
  }
  FileProgress p;
  p.path = path;
  p.device = stmt->column_int(0);
  p.inode = stmt->column_int(1);
  p.size = stmt->column_int(2);
  p.mtime_ns = stmt->column_int(3);
  p.offset = stmt->column_int(4);
  p.records = stmt->column_int(5);
  p.header = std::string(stmt->column_text(6));
  p.head = std::string(stmt->column_blob(7));
  return std::optional<FileProgress>(std::move(p));
}

Status Store::scan_alerts(int64_t after_seq, const std::function<bool(const StoredAlert&)>& fn) {
  auto stmt = db_.prepare(
      "SELECT seq, received_us, profile, origin, raw FROM alerts WHERE seq > ?1 ORDER BY seq");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, after_seq);
  Status status;
  StoredAlert alert;
  while (stmt->step(&status)) {
    alert.seq = stmt->column_int(0);
    alert.received_us = stmt->column_int(1);
    alert.profile.assign(stmt->column_text(2));
    alert.origin.assign(stmt->column_text(3));
    alert.raw.assign(stmt->column_text(4));
    if (!fn(alert)) break;
  }
  return status;
}

Result<std::vector<StoredAlert>> Store::alerts_by_seq(const std::vector<int64_t>& seqs) {
  auto stmt = db_.prepare("SELECT seq, received_us, profile, origin, raw FROM alerts WHERE seq = ?1");
  if (!stmt.ok()) return stmt.status();
  std::vector<StoredAlert> out;
  out.reserve(seqs.size());
  for (int64_t seq : seqs) {
    stmt->bind(1, seq);
    Status status;
    if (stmt->step(&status)) {
      out.push_back({stmt->column_int(0), stmt->column_int(1), std::string(stmt->column_text(2)),
                     std::string(stmt->column_text(3)), std::string(stmt->column_text(4))});
    }
    stmt->reset();
    if (!status.ok()) return status;
  }
  return out;
}

Result<int64_t> Store::alert_count() { return db_.query_int("SELECT count(*) FROM alerts"); }

Result<int64_t> Store::max_seq() {
  // sqlite_sequence remembers the highest seq ever handed out, even after retention.
  return db_.query_int("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'alerts'");
}

// --- incidents ---

Status Store::upsert_incident(const IncidentRow& row, int64_t now_us) {
  Stmt& s = upsert_incident_;
  s.bind(1, row.id).bind(2, row.status).bind(3, row.score).bind(4, row.title);
  s.bind(5, row.first_seen_us).bind(6, row.last_seen_us).bind(7, host_column(row.hosts));
  s.bind(8, row.alert_count).bind(9, row.search_text).bind(10, row.summary).bind(11, row.doc);
  s.bind(12, now_us);
  return s.run();
}

Status Store::delete_incidents_not_in(const std::vector<std::string>& keep_ids) {
  VIGIL_RETURN_IF_ERROR(db_.exec("CREATE TEMP TABLE IF NOT EXISTS keep_ids(id TEXT PRIMARY KEY); "
                                 "DELETE FROM temp.keep_ids"));
  auto insert = db_.prepare("INSERT OR IGNORE INTO temp.keep_ids(id) VALUES (?1)");
  if (!insert.ok()) return insert.status();
  for (const auto& id : keep_ids) {
    insert->bind(1, id);
    VIGIL_RETURN_IF_ERROR(insert->run());
  }
  return db_.exec("DELETE FROM incidents WHERE id NOT IN (SELECT id FROM temp.keep_ids)");
}

Result<IncidentPage> Store::list_incidents(const IncidentFilter& f) {
  std::string where = " WHERE 1";
  std::vector<std::string> text_args;
  if (!f.statuses.empty()) {
    where += " AND status IN (";
    for (size_t i = 0; i < f.statuses.size(); ++i) {
      where += i ? ",?" : "?";
      text_args.push_back(f.statuses[i]);
    }
    where += ")";
  }
  int next = static_cast<int>(text_args.size()) + 1;
  auto param = [&next] { return std::string("?").append(std::to_string(next++)); };
  int host_param = 0, text_param = 0, score_param = 0, since_param = 0, until_param = 0;
  if (!f.host.empty()) {
    host_param = next;
    where += " AND instr(hosts, char(10) || " + param() + " || char(10)) > 0";
  }
  if (!f.text.empty()) {
    text_param = next;
    where += " AND instr(search, " + param() + ") > 0";
  }
  if (f.min_score) {
    score_param = next;
    where += " AND score >= " + param();
  }
  if (f.since_us) {
    since_param = next;
    where += " AND last_seen_us >= " + param();
  }
  if (f.until_us) {
    until_param = next;
    where += " AND first_seen_us <= " + param();
  }
  auto bind_all = [&](Stmt& s) {
    for (size_t i = 0; i < text_args.size(); ++i) s.bind(static_cast<int>(i + 1), text_args[i]);
    if (host_param) s.bind(host_param, to_lower(f.host));
    if (text_param) s.bind(text_param, to_lower(f.text));
    if (score_param) s.bind(score_param, *f.min_score);
    if (since_param) s.bind(since_param, *f.since_us);
    if (until_param) s.bind(until_param, *f.until_us);
  };

  IncidentPage page;
  auto count = db_.prepare("SELECT count(*) FROM incidents" + where);
  if (!count.ok()) return count.status();
  bind_all(*count);
  Status status;
  if (count->step(&status)) page.total = count->column_int(0);
  if (!status.ok()) return status;

  std::string order = f.order == IncidentFilter::Order::kScore
                          ? " ORDER BY score DESC, last_seen_us DESC, id"
                          : " ORDER BY last_seen_us DESC, score DESC, id";
  auto rows = db_.prepare(
      "SELECT summary, (SELECT verdict FROM verdicts v WHERE v.incident_id = incidents.id "
      "ORDER BY v.id DESC LIMIT 1) FROM incidents" +
      where + order + " LIMIT " + std::to_string(f.limit) + " OFFSET " +
      std::to_string(f.offset));
  if (!rows.ok()) return rows.status();
  bind_all(*rows);
  while (rows->step(&status)) {
    std::string summary(rows->column_text(0));
    if (!rows->column_is_null(1) && summary.size() >= 2 && summary.back() == '}') {
      summary.pop_back();
      summary += summary.size() > 1 ? ",\"verdict\":\"" : "\"verdict\":\"";
      json_escape(rows->column_text(1), summary);
      summary += "\"}";
    }
    page.summaries.push_back(std::move(summary));
  }
  if (!status.ok()) return status;
  return page;
}

Result<std::optional<std::string>> Store::incident_doc(const std::string& id) {
  auto stmt = db_.prepare("SELECT doc FROM incidents WHERE id = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, id);
  Status status;
  if (stmt->step(&status)) return std::optional<std::string>(std::string(stmt->column_text(0)));
  if (!status.ok()) return status;
  return std::optional<std::string>();
}

Result<int64_t> Store::incident_count(const std::string& status_name) {
  auto stmt = db_.prepare(status_name.empty()
                              ? "SELECT count(*) FROM incidents WHERE ?1 = ''"
                              : "SELECT count(*) FROM incidents WHERE status = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, status_name);
  Status status;
  int64_t n = 0;
  if (stmt->step(&status)) n = stmt->column_int(0);
  if (!status.ok()) return status;
  return n;
}

// --- verdicts and suppressions ---

Result<int64_t> Store::add_verdict(const VerdictRow& row) {
  auto stmt = db_.prepare(
      "INSERT INTO verdicts(incident_id, verdict, reason, analyst, at_seq, created_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, row.incident_id).bind(2, row.verdict).bind(3, row.reason).bind(4, row.analyst);
  stmt->bind(5, row.at_seq).bind(6, row.created_us);
  VIGIL_RETURN_IF_ERROR(stmt->run());
  return db_.last_insert_rowid();
}

Result<std::vector<VerdictRow>> Store::verdicts(const std::string& incident_id) {
  auto stmt = db_.prepare(
      "SELECT id, incident_id, verdict, reason, analyst, at_seq, created_us FROM verdicts "
      "WHERE ?1 = '' OR incident_id = ?1 ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, incident_id);
  std::vector<VerdictRow> out;
  Status status;
  while (stmt->step(&status)) {
    out.push_back({stmt->column_int(0), std::string(stmt->column_text(1)),
                   std::string(stmt->column_text(2)), std::string(stmt->column_text(3)),
                   std::string(stmt->column_text(4)), stmt->column_int(5), stmt->column_int(6)});
  }
  if (!status.ok()) return status;
  return out;
}

Result<int64_t> Store::add_suppression(const SuppressionRow& row) {
  auto stmt = db_.prepare(
      "INSERT INTO suppressions(spec, reason, verdict_id, at_seq, created_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, row.spec).bind(2, row.reason).bind(3, row.verdict_id).bind(4, row.at_seq);
  stmt->bind(5, row.created_us);
  VIGIL_RETURN_IF_ERROR(stmt->run());
  return db_.last_insert_rowid();
}

Result<bool> Store::delete_suppression(int64_t id, int64_t at_seq, int64_t now_us) {
  auto stmt = db_.prepare(
      "UPDATE suppressions SET deleted_at_seq = ?2, deleted_us = ?3 "
      "WHERE id = ?1 AND deleted_us IS NULL");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, id).bind(2, at_seq).bind(3, now_us);
  VIGIL_RETURN_IF_ERROR(stmt->run());
  return db_.changes() > 0;
}

Result<std::vector<SuppressionRow>> Store::suppressions(bool include_deleted) {
  auto stmt = db_.prepare(
      std::string("SELECT id, spec, reason, verdict_id, at_seq, created_us, deleted_at_seq, "
                  "deleted_us FROM suppressions") +
      (include_deleted ? "" : " WHERE deleted_us IS NULL") + " ORDER BY id");
  if (!stmt.ok()) return stmt.status();
  std::vector<SuppressionRow> out;
  Status status;
  while (stmt->step(&status)) {
    SuppressionRow row;
    row.id = stmt->column_int(0);
    row.spec = std::string(stmt->column_text(1));
    row.reason = std::string(stmt->column_text(2));
    row.verdict_id = stmt->column_int(3);
    row.at_seq = stmt->column_int(4);
    row.created_us = stmt->column_int(5);
    if (!stmt->column_is_null(6)) row.deleted_at_seq = stmt->column_int(6);
    if (!stmt->column_is_null(7)) row.deleted_us = stmt->column_int(7);
    out.push_back(std::move(row));
  }
  if (!status.ok()) return status;
  return out;
}

// --- blobs ---

Status Store::put_blob(std::string_view key, std::string_view value) {
  auto stmt = db_.prepare("INSERT OR REPLACE INTO blobs(key, value) VALUES (?1, ?2)");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, key).bind_blob(2, value);
  return stmt->run();
}

Result<std::optional<std::string>> Store::get_blob(std::string_view key) {
  auto stmt = db_.prepare("SELECT value FROM blobs WHERE key = ?1");
  if (!stmt.ok()) return stmt.status();
  stmt->bind(1, key);
  Status status;
  if (stmt->step(&status)) return std::optional<std::string>(std::string(stmt->column_blob(0)));
  if (!status.ok()) return status;
  return std::optional<std::string>();
}

}  // namespace vigil::serve
