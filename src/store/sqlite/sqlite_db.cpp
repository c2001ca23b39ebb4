#include "store/sqlite/sqlite_db.h"

#include <fmt/format.h>

namespace uplift::store::sqlite {

Status sqlite_status(const SqliteError& e, std::string_view context) {
  std::string msg = fmt::format("{}: {}", context, e.what());
  switch (e.code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
      return Status::Unavailable(std::move(msg));
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::FailedPrecondition(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

static void check(sqlite3* db, int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  throw SqliteError(rc, fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  check(db_, sqlite3_bind_int64(s_, i, v), "bind");
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  check(db_, sqlite3_bind_double(s_, i, v), "bind");
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  check(db_, sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8), "bind");
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  check(db_, sqlite3_bind_null(s_, i), "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SqliteError(rc, sqlite3_errmsg(db_));
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string_view Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  if (!p) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))};
}

Db::Db(const std::string& path) {
  // SQLite's global memory statistics take a mutex on every allocation; nothing reads them.
  // Must precede SQLite's initialisation (a later call is refused harmlessly).
  static const bool no_memstatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)no_memstatus;
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(rc, fmt::format("cannot open {}: {}", path, msg));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Db::~Db() {
  cache_.clear();
  sqlite3_close_v2(db_);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, msg);
  }
}

StmtRef Db::stmt(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    check(db_, rc, fmt::format("prepare '{}'", sql));
    it = cache_.emplace(sql, std::make_unique<Stmt>(db_, s)).first;
  }
  return StmtRef(*it->second);
}

}  // namespace uplift::store::sqlite
