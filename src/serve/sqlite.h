// Sqlite: a thin RAII layer over the SQLite C API (one connection, prepared statements) that turns
// SQLite result codes into Status values. A Db owns its connection and every Stmt it prepared must
// die before it. One thread at a time per Db (SQLite's "multi-thread" mode); open one Db per thread.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::serve {

class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& other) noexcept;
  ~Stmt();

  bool valid() const { return stmt_ != nullptr; }
  // Binding is 1-based like SQLite's; text and blobs are copied (SQLITE_TRANSIENT).
  Stmt& bind(int index, int64_t value);
  Stmt& bind(int index, double value);
  Stmt& bind(int index, std::string_view text);
  Stmt& bind_blob(int index, std::string_view bytes);
  Stmt& bind_null(int index);
  // Steps once: true with a row available, false when done; `status` set on error.
  bool step(Status* status);
  // Steps to completion (an INSERT/UPDATE/DELETE) and resets for reuse.
  Status run();
  void reset();

  int64_t column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double column_double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // The view lives until the next step/reset of this statement.
  std::string_view column_text(int col) const;
  std::string_view column_blob(int col) const;

 private:
  friend class Db;
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Db& operator=(Db&& other) noexcept;
  ~Db();

  static Result<Db> open(const std::string& path, bool read_only);

  // Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
  Status exec(const std::string& sql);
  Result<Stmt> prepare(std::string_view sql);
  // The first column of the first row as an integer (0 when there is no row).
  Result<int64_t> query_int(std::string_view sql);
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() const { return db_; }

  Status error(std::string_view what) const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Holds BEGIN IMMEDIATE..COMMIT; rolls back on destruction unless commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status begin();
  Status commit();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace vigil::serve
