#include "store/sqlite/sqlite_schema.h"

#include <fmt/format.h>

#include "store/store.h"

namespace uplift::store::sqlite {
namespace {

// migrations[i] takes a database from version i to version i + 1. Append only: a released step
// is never edited, because files in the field have already run it.
constexpr const char* kMigrations[] = {
    // 0 -> 1: the first schema.
    R"sql(
    CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    INSERT OR IGNORE INTO meta (k, v) VALUES ('seq', 0);
    CREATE TABLE events (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      account TEXT NOT NULL,
      name TEXT NOT NULL,
      ts INTEGER NOT NULL,
      learner TEXT NOT NULL,
      qty REAL NOT NULL,
      props TEXT NOT NULL);
    CREATE TABLE entities (
      kind TEXT NOT NULL,
      rkey TEXT NOT NULL,
      seq INTEGER NOT NULL UNIQUE,
      body TEXT NOT NULL,
      PRIMARY KEY (kind, rkey)) WITHOUT ROWID;
    CREATE INDEX entities_kind_seq ON entities (kind, seq);
    CREATE TABLE documents (
      collection TEXT NOT NULL,
      dkey TEXT NOT NULL,
      body TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (collection, dkey)) WITHOUT ROWID;
    )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

bool has_table(Db& db, const char* name) {
  auto s = db.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  s->bind(1, std::string_view(name));
  return s->step();
}

}  // namespace

int stored_version(Db& db) {
  if (!has_table(db, "schema_version")) return 0;
  auto s = db.stmt("SELECT max(version) FROM schema_version");
  if (!s->step() || s->is_null(0)) return 0;
  return static_cast<int>(s->int64(0));
}

Status migrate(Db& db, const std::string& path) {
  // Cheap check outside a write transaction first, so a read-only look at a newer file writes
  // nothing; then again under the write lock in case another process migrated meanwhile.
  auto too_new = [&](int v) {
    return Status::FailedPrecondition(fmt::format(
        "{}: database was written by a newer uplift (schema {}, this build knows {})", path, v, kSchemaVersion));
  };
  int v = stored_version(db);
  if (v > kSchemaVersion) return too_new(v);
  if (v == kSchemaVersion) return Status::OK();
  db.exec("BEGIN IMMEDIATE");
  try {
    v = stored_version(db);
    if (v > kSchemaVersion) {
      db.exec("ROLLBACK");
      return too_new(v);
    }
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    for (; v < kSchemaVersion; ++v) db.exec(kMigrations[v]);
    db.exec("DELETE FROM schema_version");
    {
      auto s = db.stmt("INSERT INTO schema_version (version) VALUES (?)");
      s->bind(1, static_cast<std::int64_t>(kSchemaVersion));
      s->step();
    }
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.raw(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return Status::OK();
}

}  // namespace uplift::store::sqlite
