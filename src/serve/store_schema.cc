// The store's schema and its migrations.
//
// The schema version lives in SQLite's own `PRAGMA user_version`. Each migration is one SQL
// script that moves the database from version N-1 to N and runs in its own transaction together
// with the version bump, so a crash mid-migration leaves the old version intact and the next
// start retries it. Migrations are append-only: a released step is never edited, a change is a
// new step. A database newer than this build is refused rather than guessed at.
#include <string>
#include <vector>

#include "serve/store.h"

namespace vigil::serve {
namespace {

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> steps = {
      // 1: the first schema.
      R"sql(
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- acknowledgement order; never reused
  received_us INTEGER NOT NULL,
  profile TEXT NOT NULL,
  origin TEXT NOT NULL,                   -- http, syslog-tcp, syslog-udp, file:PATH
  raw TEXT NOT NULL                       -- the record as received (one JSON object)
);
CREATE INDEX alerts_by_received ON alerts(received_us);

CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  score REAL NOT NULL,
  title TEXT NOT NULL,
  first_seen_us INTEGER NOT NULL,
  last_seen_us INTEGER NOT NULL,
  hosts TEXT NOT NULL,                    -- "\nhost\nhost\n", lowercased, for exact lookups
  alert_count INTEGER NOT NULL,
  search TEXT NOT NULL,                   -- lowercased text for substring search
  summary TEXT NOT NULL,                  -- JSON for the queue
  doc TEXT NOT NULL,                      -- JSON for the incident page
  updated_us INTEGER NOT NULL
);
CREATE INDEX incidents_by_score ON incidents(score DESC, last_seen_us DESC);
CREATE INDEX incidents_by_last_seen ON incidents(last_seen_us DESC);

CREATE TABLE verdicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('true_positive', 'false_positive', 'benign')),
  reason TEXT NOT NULL,
  analyst TEXT NOT NULL,
  at_seq INTEGER NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX verdicts_by_incident ON verdicts(incident_id, id);

CREATE TABLE suppressions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  spec TEXT NOT NULL,
  reason TEXT NOT NULL,
  verdict_id INTEGER NOT NULL,            -- 0 when created directly
  at_seq INTEGER NOT NULL,
  created_us INTEGER NOT NULL,
  deleted_at_seq INTEGER,
  deleted_us INTEGER
);

CREATE TABLE blobs (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;

CREATE TABLE watched_files (
  path TEXT PRIMARY KEY,
  device INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  records INTEGER NOT NULL,
  header TEXT NOT NULL
) WITHOUT ROWID;
)sql",
      // 2: a watched file is also known by its first bytes (inode numbers are reused).
      R"sql(
ALTER TABLE watched_files ADD COLUMN head BLOB NOT NULL DEFAULT x'';
)sql",
  };
  return steps;
}

}  // namespace

int Store::latest_schema_version() { return static_cast<int>(migrations().size()); }

Result<int> Store::schema_version() {
  auto version = db_.query_int("PRAGMA user_version");
  if (!version.ok()) return version.status();
  return static_cast<int>(*version);
}

Status Store::migrate() {
  auto current = schema_version();
  if (!current.ok()) return current.status();
  const auto& steps = migrations();
  if (*current > static_cast<int>(steps.size())) {
    return Unsupported("database schema version " + std::to_string(*current) +
                       " is newer than this build understands (" +
                       std::to_string(steps.size()) + ")");
  }
  for (size_t step = static_cast<size_t>(*current); step < steps.size(); ++step) {
    Transaction tx(db_);
    VIGIL_RETURN_IF_ERROR(tx.begin());
    VIGIL_RETURN_IF_ERROR(db_.exec(steps[step]).with_context("migration " + std::to_string(step + 1)));
    VIGIL_RETURN_IF_ERROR(db_.exec("PRAGMA user_version = " + std::to_string(step + 1)));
    VIGIL_RETURN_IF_ERROR(tx.commit());
  }
  return Status::Ok();
}

}  // namespace vigil::serve
