// Thin RAII layer over the SQLite C API for the sqlite backend: a connection that caches its
// prepared statements, and a statement cursor. Errors are thrown as SqliteError inside the
// backend and turned into Status at the Store boundary (sqlite_status).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace uplift::store::sqlite {

struct SqliteError : std::runtime_error {
  int code;
  SqliteError(int c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};

// Maps an SQLite result code to a Status code: busy/locked/io → Unavailable, else Internal.
Status sqlite_status(const SqliteError& e, std::string_view context);

// For a process about to bulk-load (uplift import): gives SQLite's page cache `bytes` of memory
// for pages of up to `page_size` up front, in one mapping with transparent huge pages asked for.
// Filled 4 KiB at a time by malloc, a 64 MiB cache costs 16k page faults (~15 µs each on a VM,
// ~0.2 s of the importing thread). Works only before SQLite initialises (before the first Db);
// returns false, changing nothing, otherwise or when the memory is not available.
bool reserve_page_cache(std::size_t bytes, std::size_t page_size);

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds are 1-based. Text is bound without copying: it must outlive the next step().
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind_null(int i);
  // true while a row is available; false when done. Throws on error.
  bool step();
  // Clears bindings and rewinds; always safe to call.
  void reset();

  std::int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }
  std::string_view text(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

// A statement borrowed from the cache, reset when the borrow ends.
class StmtRef {
 public:
  explicit StmtRef(Stmt& s) : s_(&s) {}
  ~StmtRef() { s_->reset(); }
  StmtRef(const StmtRef&) = delete;
  StmtRef& operator=(const StmtRef&) = delete;
  Stmt* operator->() { return s_; }
  Stmt& operator*() { return *s_; }

 private:
  Stmt* s_;
};

class Db {
 public:
  // Opens (creating if missing) the file; throws SqliteError.
  explicit Db(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const char* sql);
  // The cached prepared statement for this SQL text (keyed by the literal's address).
  StmtRef stmt(const char* sql);
  std::int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, std::unique_ptr<Stmt>> cache_;
};

}  // namespace uplift::store::sqlite
