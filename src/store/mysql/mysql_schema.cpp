#include "store/mysql/mysql_schema.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "store/store.h"

namespace uplift::store::mysql {
namespace {

// Identifiers and keys are VARBINARY so they compare byte for byte (no case folding, no
// PAD SPACE), exactly like SQLite; free text is utf8mb4.
constexpr const char* kTableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

// kMigrations[i] takes the database from version i to i + 1. Every statement is idempotent
// (IF NOT EXISTS / INSERT IGNORE) because MySQL DDL is not transactional: a step interrupted
// half-way is simply run again. Append only.
const std::vector<std::vector<std::string>>& migrations() {
  static const std::vector<std::vector<std::string>> m = {
      {
          std::string("CREATE TABLE IF NOT EXISTS meta (k VARCHAR(64) NOT NULL PRIMARY KEY, v BIGINT NOT NULL)") +
              kTableOptions,
          "INSERT IGNORE INTO meta (k, v) VALUES ('seq', 0)",
          std::string("CREATE TABLE IF NOT EXISTS events ("
                      " seq BIGINT NOT NULL PRIMARY KEY,"
                      " id VARBINARY(768) NOT NULL,"
                      " account VARBINARY(768) NOT NULL,"
                      " name VARBINARY(768) NOT NULL,"
                      " ts BIGINT NOT NULL,"
                      " learner VARBINARY(768) NOT NULL,"
                      " qty DOUBLE NOT NULL,"
                      " props MEDIUMTEXT NOT NULL,"
                      " UNIQUE KEY events_id (id))") +
              kTableOptions,
          std::string("CREATE TABLE IF NOT EXISTS entities ("
                      " kind VARCHAR(16) NOT NULL,"
                      " rkey VARBINARY(2048) NOT NULL,"
                      " seq BIGINT NOT NULL,"
                      " body MEDIUMTEXT NOT NULL,"
                      " PRIMARY KEY (kind, rkey),"
                      " UNIQUE KEY entities_seq (seq),"
                      " KEY entities_kind_seq (kind, seq))") +
              kTableOptions,
          std::string("CREATE TABLE IF NOT EXISTS documents ("
                      " collection VARBINARY(255) NOT NULL,"
                      " dkey VARBINARY(767) NOT NULL,"
                      " body MEDIUMTEXT NOT NULL,"
                      " updated_at BIGINT NOT NULL,"
                      " PRIMARY KEY (collection, dkey))") +
              kTableOptions,
      },
  };
  return m;
}

// schema_version has a primary key (Galera with wsrep_mode=REQUIRED_PRIMARY_KEY refuses tables
// without one); databases created before it had none get it here. Idempotent.
void ensure_version_key(Conn& c) {
  auto& s = c.prep(
      "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
      "AND table_name = 'schema_version' AND index_name = 'PRIMARY'");
  std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
  if (rs->next() && rs->getInt64(1) > 0) return;
  c.run("DELETE FROM schema_version WHERE version < (SELECT v FROM (SELECT MAX(version) AS v FROM schema_version) m)");
  try {
    c.run("ALTER TABLE schema_version ADD PRIMARY KEY (version)");
  } catch (const sql::SQLException& e) {
    constexpr int kMultiplePrimaryKey = 1068;  // another process added it meanwhile
    if (e.getErrorCode() != kMultiplePrimaryKey) throw;
  }
}

bool has_schema_table(Conn& c) {
  auto& s = c.prep(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'schema_version'");
  std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
  return rs->next() && rs->getInt64(1) > 0;
}

}  // namespace

int stored_version(Conn& c) {
  if (!has_schema_table(c)) return 0;
  std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT MAX(version) FROM schema_version").executeQuery());
  if (!rs->next() || rs->isNull(1)) return 0;
  return rs->getInt(1);
}

namespace {

Status ensure_schema_once(Pool& pool) {
  const MysqlUrl& url = pool.url();
  {
    auto bare = pool.connect(/*with_schema=*/false);
    // The name was checked against [A-Za-z0-9_]+ by parse_mysql_url; identifiers cannot be bound.
    std::string create = "CREATE DATABASE IF NOT EXISTS `" + url.database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
    bare->run(create.c_str());
  }
  auto c = pool.connect();
  auto too_new = [&](int v) {
    return Status::FailedPrecondition(fmt::format(
        "{}: database was written by a newer uplift (schema {}, this build knows {})", url.redacted(), v, kSchemaVersion));
  };
  int v = stored_version(*c);
  if (v > kSchemaVersion) return too_new(v);
  if (v == kSchemaVersion) {
    ensure_version_key(*c);
    pool.release(std::move(c));
    return Status::OK();
  }
  // GET_LOCK serialises migrations through one server (or one Galera node: it is not a cluster
  // lock). Across nodes every step is idempotent, DDL is replicated in total order, and a step
  // that loses a write conflict to the same step on another node is retried (ensure_schema).
  std::string lock_name = "uplift_migrate_" + url.database;
  bool locked = true;
  try {
    auto& s = c->prep("SELECT GET_LOCK(?, 60)");
    s.setString(1, lock_name);
    std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
    if (!rs->next() || rs->getInt(1) != 1)
      return Status::Unavailable(fmt::format("{}: another process is migrating the schema", url.redacted()));
  } catch (const sql::SQLException& e) {
    // MariaDB 10.6.13 / 10.11.3 with wsrep on refuse GET_LOCK (1235, MDEV-30473): the steps are
    // idempotent and retried on conflict, so go on without the lock.
    if (e.getErrorCode() != 1235) throw;
    locked = false;
  }
  auto release_lock = [&] {
    if (!locked) return;
    auto& s = c->prep("SELECT RELEASE_LOCK(?)");
    s.setString(1, lock_name);
    std::unique_ptr<sql::ResultSet>(s.executeQuery());
  };
  Status result;
  try {
    v = stored_version(*c);
    if (v > kSchemaVersion) {
      result = too_new(v);
    } else {
      c->run("CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL PRIMARY KEY) ENGINE=InnoDB");
      ensure_version_key(*c);
      for (; v < kSchemaVersion; ++v) {
        for (const std::string& stmt : migrations()[v]) c->run(stmt.c_str());
        c->run("START TRANSACTION");
        auto& ins = c->prep("INSERT IGNORE INTO schema_version (version) VALUES (?)");
        ins.setInt(1, v + 1);
        ins.executeUpdate();
        auto& del = c->prep("DELETE FROM schema_version WHERE version < ?");
        del.setInt(1, v + 1);
        del.executeUpdate();
        c->run("COMMIT");
      }
    }
  } catch (...) {
    try {
      c->run("ROLLBACK");
      release_lock();
    } catch (...) {
    }
    throw;
  }
  release_lock();
  if (result.ok()) pool.release(std::move(c));
  return result;
}

}  // namespace

Status ensure_schema(Pool& pool) {
  // Processes opening a fresh database through different Galera nodes at once collide on the
  // same rows (1213): every step is idempotent, so the loser runs them again.
  constexpr int kAttempts = 12;
  for (int attempt = 1;; ++attempt) {
    try {
      return ensure_schema_once(pool);
    } catch (const sql::SQLException& e) {
      if (!is_transient_error(e) || attempt == kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    }
  }
}

}  // namespace uplift::store::mysql
