#include "store/sqlite/sqlite_db.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

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

namespace {

// SQLite's global memory statistics take a mutex on every allocation; nothing reads them.
// Must precede SQLite's initialisation (a later call is refused harmlessly).
void configure_sqlite() {
  static const bool no_memstatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)no_memstatus;
}

}  // namespace

bool reserve_page_cache(std::size_t bytes, std::size_t page_size) {
  static bool reserved = false;
  if (reserved) return true;
  configure_sqlite();
  int header = 0;
  if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK) return false;  // initialised already
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  std::size_t line = (page_size + static_cast<std::size_t>(header) + 7) & ~std::size_t{7};
  std::size_t lines = bytes / page_size + 64;  // + a few for other connections' schema pages
  std::size_t len = ((line * lines + kHuge - 1) & ~(kHuge - 1)) + kHuge;
  void* map = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return false;
  auto* start = reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(map) + kHuge - 1) & ~(kHuge - 1));
#ifdef MADV_HUGEPAGE
  ::madvise(start, len - kHuge, MADV_HUGEPAGE);  // a hint: without it the memory still works
#endif
  // SQLite links every line into its free list now (touching it); the memory stays for the
  // process's lifetime, as SQLite requires.
  if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, start, static_cast<int>(line), static_cast<int>(lines)) != SQLITE_OK) {
    ::munmap(map, len);
    return false;
  }
  reserved = true;
  return true;
}

Db::Db(const std::string& path) {
  configure_sqlite();
  // A new database file is readable by its owner only (0600): it holds emails, ARR and API key
  // hashes. SQLite gives its -wal and -shm files the database file's mode. An existing file keeps
  // the mode its owner gave it.
  if (!path.empty() && path[0] != ':' && !path.starts_with("file:")) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
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
