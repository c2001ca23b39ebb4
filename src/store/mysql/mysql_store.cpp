#include "store/mysql/mysql_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/codec.h"
#include "store/mysql/mysql_schema.h"
#include "store/mysql/pool.h"
#include "store/mysql/write_batch.h"
#include "store/scan.h"

namespace uplift::store {
namespace {

using mysql::Conn;
using mysql::Pool;

constexpr const char* kEventCols = "SELECT seq, id, account, name, ts, learner, qty, props FROM events ";
constexpr const char* kEntityCols = "SELECT seq, kind, rkey, body FROM entities ";

Result<StoredRecord> event_row(sql::ResultSet& rs) {
  Event e;
  e.id = rs.getString(2).asStdString();
  e.account = rs.getString(3).asStdString();
  e.name = rs.getString(4).asStdString();
  e.ts = rs.getInt64(5);
  e.learner = rs.getString(6).asStdString();
  e.qty = rs.getDouble(7);
  Status st = decode_props(rs.getString(8).asStdString(), e);
  if (!st.ok()) return st;
  return StoredRecord{rs.getInt64(1), std::move(e)};
}

Result<StoredRecord> entity_row(sql::ResultSet& rs) {
  std::string kind_text = rs.getString(2).asStdString();
  auto kind = parse_kind(kind_text);
  if (!kind) return Status::Internal(fmt::format("stored entity has unknown kind '{}'", kind_text));
  auto r = decode_entity(*kind, rs.getString(3).asStdString(), rs.getString(4).asStdString());
  if (!r.ok()) return r.status();
  return StoredRecord{rs.getInt64(1), std::move(*r)};
}

// Reads every row of a result into out; returns whether `n` rows came back (a full page).
template <typename RowFn>
Result<bool> read_rows(sql::ResultSet& rs, std::size_t n, RowFn row, std::vector<StoredRecord>& out) {
  while (rs.next()) {
    auto r = row(rs);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  return out.size() == n;
}

class MysqlStore final : public Store {
 public:
  explicit MysqlStore(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

  Result<WriteResult> write(std::span<const Record> records) override {
    if (records.empty()) return WriteResult{};
    // Encode first: a record that cannot be stored fails the batch before any SQL runs.
    auto plan = mysql::encode_batch(records);
    if (!plan.ok()) return plan.status();
    // Skip looking up stored event ids unless a recent write found some (re-imports, re-sent
    // API batches): then look them up first for the next 16 writes.
    bool optimistic = careful_writes_.load() <= 0;
    if (!optimistic) careful_writes_.fetch_sub(1);
    bool fell_back = false;
    auto r = with_conn<WriteResult>("write", [&](Conn& c) { return mysql::write_batch(c, *plan, optimistic, &fell_back); });
    if (fell_back) careful_writes_.store(16);
    return r;
  }

  Status scan_since(Sequence after, std::size_t limit,
                    const std::function<bool(const StoredRecord&)>& visit) override {
    return scan_in_pages(after, limit, [&](Sequence a, std::size_t n) { return page_all(a, n); }, visit);
  }

  Status scan_kind(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) override {
    return scan_in_pages(0, 0, [&](Sequence a, std::size_t n) { return page_kind(kind, a, n); }, visit);
  }

  // InnoDB keeps the entities in primary-key (kind, rkey) order: a range read, no secondary index.
  Status scan_kind_by_key(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) override {
    if (kind == RecordKind::kEvent) return scan_kind(kind, visit);
    return scan_in_key_pages(
        [&](const std::string* after, std::size_t n) {
          return with_conn<KeyPage>("scan_kind_by_key", [&](Conn& c) -> Result<KeyPage> {
            KeyPage page;
            auto& s = c.prep(std::string(kEntityCols) + (after ? "WHERE kind = ? AND rkey > ? ORDER BY rkey LIMIT ?"
                                                               : "WHERE kind = ? ORDER BY rkey LIMIT ?"));
            unsigned i = 1;
            s.setString(i++, std::string(kind_column(kind)));
            if (after) s.setString(i++, *after);
            s.setInt64(i++, static_cast<std::int64_t>(n));
            std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
            while (rs->next()) {
              auto r = entity_row(*rs);
              if (!r.ok()) return r.status();
              page.records.push_back(std::move(*r));
              page.last_key = rs->getString(3).asStdString();
            }
            return page;
          });
        },
        visit);
  }

  Status scan_events_named(std::string_view name, const std::function<bool(const StoredRecord&)>& visit) override {
    if (name.empty()) return Store::scan_events_named(name, visit);  // query_page binds only a non-empty filter
    return scan_in_pages(0, 0, [&](Sequence a, std::size_t n) { return page_named(name, a, n); }, visit);
  }

  Status scan_event_times(std::string_view name, const EventTimeVisitor& visit) override {
    EventTimesPage page;
    Sequence after = 0;
    for (;;) {
      page.clear();
      auto read = with_conn<bool>("scan_event_times", [&](Conn& c) -> Result<bool> {
        page.clear();  // a retried attempt starts the page again
        auto& s = c.prep("SELECT seq, account, ts FROM events WHERE name = ? AND seq > ? ORDER BY seq LIMIT ?");
        s.setString(1, std::string(name));
        s.setInt64(2, after);
        s.setInt64(3, static_cast<std::int64_t>(kTimesPage));
        std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
        Sequence last = after;
        while (rs->next()) {
          last = rs->getInt64(1);
          page.add(rs->getString(2).asStdString(), rs->getInt64(3));
        }
        after = last;
        return true;
      });
      if (!read.ok()) return read.status();
      if (!page.visit(visit) || page.size() < kTimesPage) return Status::OK();
    }
  }

  Result<Sequence> last_sequence() override {
    return with_conn<Sequence>("last_sequence", [&](Conn& c) -> Result<Sequence> {
      std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT v FROM meta WHERE k = 'seq'").executeQuery());
      return rs->next() ? rs->getInt64(1) : Sequence{0};
    });
  }

  Result<StoredRecord> get(RecordKind kind, std::string_view key) override {
    return with_conn<StoredRecord>("get", [&](Conn& c) -> Result<StoredRecord> {
      if (kind == RecordKind::kEvent) {
        auto& s = c.prep(std::string(kEventCols) + "WHERE id = ?");
        s.setString(1, std::string(key));
        std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
        if (!rs->next()) return Status::NotFound(fmt::format("no event with id '{}'", key));
        return event_row(*rs);
      }
      auto& s = c.prep(std::string(kEntityCols) + "WHERE kind = ? AND rkey = ?");
      s.setString(1, std::string(kind_column(kind)));
      s.setString(2, std::string(key));
      std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
      if (!rs->next()) return Status::NotFound(fmt::format("no {} with key '{}'", kind_name(kind), key));
      return entity_row(*rs);
    });
  }

  Status put_document(const Document& doc) override { return put_documents({&doc, 1}); }

  Status put_documents(std::span<const Document> docs) override {
    if (docs.empty()) return Status::OK();
    return with_conn<bool>("put_documents", [&](Conn& c) -> Result<bool> {
      auto& s = c.prep(
          "INSERT INTO documents (collection, dkey, body, updated_at) VALUES (?,?,?,?) "
          "ON DUPLICATE KEY UPDATE body = VALUES(body), updated_at = VALUES(updated_at)");
      c.run("START TRANSACTION");
      for (const Document& doc : docs) {
        s.setString(1, doc.collection);
        s.setString(2, doc.key);
        s.setString(3, doc.body);
        s.setInt64(4, doc.updated_at ? doc.updated_at : wall_clock_now());
        s.executeUpdate();
      }
      c.run("COMMIT");  // on an exception with_conn rolls back
      return true;
    }).status();
  }

  // The rows are locked (FOR UPDATE) between the comparison and the write. Two writers creating
  // the same absent document collide on the primary key or deadlock on the gap lock; either way the
  // loser's transaction is rolled back and runs again (with_conn retries 1213), then sees the
  // winner's version and is told it lost. (On Galera the row locks are the node's own: a writer on
  // another node fails certification at COMMIT instead — 1213 — and is retried the same way.)
  Result<bool> apply_documents(const DocumentChanges& changes) override {
    return with_conn<bool>("apply_documents", [&](Conn& c) -> Result<bool> {
      c.run("START TRANSACTION");
      try {
        for (const DocumentExpectation& e : changes.expect) {
          std::optional<std::string> current;
          auto& s = c.prep("SELECT body FROM documents WHERE collection = ? AND dkey = ? FOR UPDATE");
          s.setString(1, e.collection);
          s.setString(2, e.key);
          std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
          if (rs->next()) current = rs->getString(1).asStdString();
          if (current != e.body) {
            c.run("ROLLBACK");
            return false;
          }
        }
        auto& upsert = c.prep(
            "INSERT INTO documents (collection, dkey, body, updated_at) VALUES (?,?,?,?) "
            "ON DUPLICATE KEY UPDATE body = VALUES(body), updated_at = VALUES(updated_at)");
        // A document expected absent is created with a plain INSERT: a writer that created it
        // meanwhile (our gap lock did not stop it from waiting) makes this a duplicate key, not an
        // overwrite.
        auto& create = c.prep("INSERT INTO documents (collection, dkey, body, updated_at) VALUES (?,?,?,?)");
        for (const Document& doc : changes.put) {
          const bool expected_absent =
              std::any_of(changes.expect.begin(), changes.expect.end(), [&](const DocumentExpectation& e) {
                return !e.body && e.collection == doc.collection && e.key == doc.key;
              });
          auto& up = expected_absent ? create : upsert;
          up.setString(1, doc.collection);
          up.setString(2, doc.key);
          up.setString(3, doc.body);
          up.setInt64(4, doc.updated_at ? doc.updated_at : wall_clock_now());
          up.executeUpdate();
        }
        auto& del = c.prep("DELETE FROM documents WHERE collection = ? AND dkey = ?");
        for (const auto& [collection, key] : changes.erase) {
          del.setString(1, collection);
          del.setString(2, key);
          del.executeUpdate();
        }
        c.used_ok = true;  // a connection lost from here leaves the outcome unknown: no silent retry
        c.run("COMMIT");
        return true;
      } catch (const sql::SQLException& e) {
        // A deadlock or a Galera certification failure (1213) is thrown on: with_conn runs the
        // transaction again, which reads the expected documents again — the winner's version then
        // makes it lose, while expectations that still hold let it write. A duplicate key on the
        // plain INSERT of a document expected absent means another writer created it: lost.
        constexpr int kDuplicateEntry = 1062;
        if (e.getErrorCode() != kDuplicateEntry || changes.expect.empty()) throw;
        rollback_quietly(c);
        return false;
      }
    });
  }

  Result<Document> get_document(std::string_view collection, std::string_view key) override {
    return with_conn<Document>("get_document", [&](Conn& c) -> Result<Document> {
      auto& s = c.prep("SELECT body, updated_at FROM documents WHERE collection = ? AND dkey = ?");
      s.setString(1, std::string(collection));
      s.setString(2, std::string(key));
      std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
      if (!rs->next()) return Status::NotFound(fmt::format("no document '{}' in '{}'", key, collection));
      return Document{std::string(collection), std::string(key), rs->getString(1).asStdString(), rs->getInt64(2)};
    });
  }

  Status delete_document(std::string_view collection, std::string_view key) override {
    return with_conn<bool>("delete_document", [&](Conn& c) -> Result<bool> {
      auto& s = c.prep("DELETE FROM documents WHERE collection = ? AND dkey = ?");
      s.setString(1, std::string(collection));
      s.setString(2, std::string(key));
      s.executeUpdate();
      return true;
    }).status();
  }

  Status scan_documents(std::string_view collection, const std::function<bool(const Document&)>& visit) override {
    std::string after;
    for (;;) {
      auto page = with_conn<std::vector<Document>>("scan_documents", [&](Conn& c) -> Result<std::vector<Document>> {
        auto& s = c.prep(
            "SELECT dkey, body, updated_at FROM documents WHERE collection = ? AND dkey > ? ORDER BY dkey LIMIT 512");
        s.setString(1, std::string(collection));
        s.setString(2, after);
        std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
        std::vector<Document> out;
        while (rs->next())
          out.push_back(Document{std::string(collection), rs->getString(1).asStdString(),
                                 rs->getString(2).asStdString(), rs->getInt64(3)});
        return out;
      });
      if (!page.ok()) return page.status();
      if (page->empty()) return Status::OK();
      for (const Document& d : *page)
        if (!visit(d)) return Status::OK();
      after = page->back().key;
    }
  }

  Result<std::vector<std::string>> document_collections() override {
    return with_conn<std::vector<std::string>>("document_collections", [&](Conn& c) -> Result<std::vector<std::string>> {
      std::unique_ptr<sql::ResultSet> rs(
          c.prep("SELECT DISTINCT collection FROM documents ORDER BY collection").executeQuery());
      std::vector<std::string> out;
      while (rs->next()) out.push_back(rs->getString(1).asStdString());
      return out;
    });
  }

  Result<StoreCounts> counts() override {
    return with_conn<StoreCounts>("counts", [&](Conn& c) -> Result<StoreCounts> {
      StoreCounts out;
      {
        std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT COUNT(*) FROM events").executeQuery());
        if (rs->next()) out.records[static_cast<std::size_t>(RecordKind::kEvent)] = rs->getInt64(1);
      }
      {
        std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT kind, COUNT(*) FROM entities GROUP BY kind").executeQuery());
        while (rs->next())
          if (auto k = parse_kind(rs->getString(1).asStdString()))
            out.records[static_cast<std::size_t>(*k)] = rs->getInt64(2);
      }
      {
        std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT COUNT(*) FROM documents").executeQuery());
        if (rs->next()) out.documents = rs->getInt64(1);
      }
      return out;
    });
  }

  Result<int> schema_version() override {
    return with_conn<int>("schema_version", [&](Conn& c) -> Result<int> { return mysql::stored_version(c); });
  }

  Status scan_damaged_event_props(const DamagedPropsVisitor& visit) override {
    struct Row {
      Sequence seq;
      std::string id, stored;
    };
    auto rows = with_conn<std::vector<Row>>("scan_damaged_event_props", [&](Conn& c) -> Result<std::vector<Row>> {
      std::unique_ptr<sql::ResultSet> rs(
          c.prep("SELECT seq, id, props FROM events WHERE props <> '{}' AND (LOCATE(CHAR(0), props) > 0 "
                 "OR JSON_VALID(props) = 0 OR JSON_TYPE(props) <> 'OBJECT') ORDER BY seq")
              .executeQuery());
      std::vector<Row> out;
      while (rs->next())
        out.push_back({rs->getInt64(1), rs->getString(2).asStdString(), rs->getString(3).asStdString()});
      return out;
    });
    if (!rows.ok()) return rows.status();
    for (const auto& r : *rows)
      if (!visit(r.seq, r.id, r.stored)) break;
    return Status::OK();
  }

  Status repair_event_props(Sequence seq, std::string_view props) override {
    auto changed = with_conn<int>("repair_event_props", [&](Conn& c) -> Result<int> {
      auto& s = c.prep("UPDATE events SET props = ? WHERE seq = ?");
      s.setString(1, std::string(props));
      s.setInt64(2, seq);
      return s.executeUpdate();
    });
    if (!changed.ok()) return changed.status();
    if (*changed == 0) return Status::NotFound(fmt::format("no stored event with sequence number {}", seq));
    return Status::OK();
  }

  Status ping() override {
    // A real table: a Galera node outside the primary component answers SELECT 1 but refuses
    // this (1047), and a new connection to it is refused by Pool's readiness check.
    return with_conn<bool>("ping", [&](Conn& c) -> Result<bool> {
      std::unique_ptr<sql::ResultSet> rs(c.prep("SELECT v FROM meta WHERE k = 'seq'").executeQuery());
      return rs->next();
    }).status();
  }

  std::string describe() const override { return pool_->url().redacted(); }

  Stats stats() const override { return {conflict_retries_.load(), pool_->failovers()}; }

 private:
  Result<std::vector<StoredRecord>> page_all(Sequence after, std::size_t n) {
    return with_conn<std::vector<StoredRecord>>("scan_since", [&](Conn& c) -> Result<std::vector<StoredRecord>> {
      // Both tables at one snapshot: a consistent-read transaction. Sessions run at READ COMMITTED,
      // where the snapshot would be per statement (events and entities read at different moments,
      // and a record committed between them skipped for good): this one transaction is REPEATABLE READ.
      c.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      c.run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
      std::vector<StoredRecord> ev, en;
      auto fe = query_page(c, std::string(kEventCols) + "WHERE seq > ? ORDER BY seq LIMIT ?", {}, after, n, event_row, ev);
      auto fn = fe.ok() ? query_page(c, std::string(kEntityCols) + "WHERE seq > ? ORDER BY seq LIMIT ?", {}, after, n,
                                     entity_row, en)
                        : fe;
      c.run("COMMIT");
      if (!fe.ok()) return fe.status();
      if (!fn.ok()) return fn.status();
      return merge_pages(std::move(ev), *fe, std::move(en), *fn);
    });
  }

  Result<std::vector<StoredRecord>> page_kind(RecordKind kind, Sequence after, std::size_t n) {
    return with_conn<std::vector<StoredRecord>>("scan_kind", [&](Conn& c) -> Result<std::vector<StoredRecord>> {
      std::vector<StoredRecord> out;
      Result<bool> full =
          kind == RecordKind::kEvent
              ? query_page(c, std::string(kEventCols) + "WHERE seq > ? ORDER BY seq LIMIT ?", {}, after, n, event_row,
                           out)
              : query_page(c, std::string(kEntityCols) + "WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?",
                           std::string(kind_column(kind)), after, n, entity_row, out);
      if (!full.ok()) return full.status();
      return out;
    });
  }

  Result<std::vector<StoredRecord>> page_named(std::string_view name, Sequence after, std::size_t n) {
    return with_conn<std::vector<StoredRecord>>("scan_events_named", [&](Conn& c) -> Result<std::vector<StoredRecord>> {
      std::vector<StoredRecord> out;
      auto full = query_page(c, std::string(kEventCols) + "WHERE name = ? AND seq > ? ORDER BY seq LIMIT ?",
                             std::string(name), after, n, event_row, out);
      if (!full.ok()) return full.status();
      return out;
    });
  }

  // Runs "... [kind = ? AND] seq > ? ... LIMIT ?" and reads the rows.
  template <typename RowFn>
  static Result<bool> query_page(Conn& c, const std::string& sql, const std::string& kind, Sequence after,
                                 std::size_t n, RowFn row, std::vector<StoredRecord>& out) {
    auto& s = c.prep(sql);
    unsigned i = 1;
    if (!kind.empty()) s.setString(i++, kind);
    s.setInt64(i++, after);
    s.setInt64(i++, static_cast<std::int64_t>(n));
    std::unique_ptr<sql::ResultSet> rs(s.executeQuery());
    return read_rows(*rs, n, row, out);
  }

  // Runs fn on a pooled connection, turning every Connector/C++ exception into a Status.
  //  * A connection that fails before any statement succeeded was stale (the server restarted
  //    while it sat idle) or its host is lost: the call is tried once more on a fresh connection
  //    (to the next host of a cluster URL).
  //  * A host that answers but is not ready (a Galera node outside the primary component) is
  //    left for the next one the same way; its error is Unavailable.
  //  * A transaction that lost to a concurrent writer (1213 deadlock — how Galera reports a
  //    certification conflict — or 1205 lock wait timeout) was rolled back whole, so fn runs again,
  //    up to kConflictAttempts times with jittered exponential backoff, and not after
  //    kConflictBudget since the first conflict (a lock wait timeout alone takes
  //    innodb_lock_wait_timeout); then Aborted (never Unavailable: the database is there). Every
  //    fn is one transaction or one statement.
  template <typename T, typename Fn>
  Result<T> with_conn(const char* what, Fn&& fn) {
    constexpr int kConflictAttempts = 12;
    constexpr auto kConflictBudget = std::chrono::seconds(10);
    int stale_retries = 0, conflicts = 0;
    std::chrono::steady_clock::time_point first_conflict{};
    for (;;) {
      std::unique_ptr<Conn> c;
      try {
        c = pool_->acquire();
      } catch (const sql::SQLException& e) {
        return mysql::mysql_status(e, std::string(what) + ": connect", pool_->url());
      } catch (const std::exception& e) {
        return Status::Unavailable(fmt::format("{}: {}: connect: {}", describe(), what, e.what()));
      }
      try {
        Result<T> r = fn(*c);
        pool_->release(std::move(c));
        if (conflicts) conflict_retries_.fetch_add(static_cast<std::uint64_t>(conflicts));
        return r;
      } catch (const sql::SQLException& e) {
        if (mysql::is_connection_error(e) || mysql::is_node_unready_error(e)) {
          pool_->drop_idle();
          pool_->host_failed(c->host);
          const bool retry_elsewhere = pool_->url().hosts.size() > 1 || !c->fresh;
          if (stale_retries++ == 0 && !c->used_ok && retry_elsewhere) continue;
        } else if (mysql::is_transient_error(e)) {
          rollback_quietly(*c);
          pool_->release(std::move(c));
          if (conflicts == 0) first_conflict = std::chrono::steady_clock::now();
          if (++conflicts < kConflictAttempts && std::chrono::steady_clock::now() - first_conflict < kConflictBudget) {
            conflict_backoff(conflicts);
            continue;
          }
          conflict_retries_.fetch_add(static_cast<std::uint64_t>(conflicts));
        } else {
          rollback_quietly(*c);
          pool_->release(std::move(c));
        }
        return mysql::mysql_status(e, what, pool_->url());
      } catch (const std::exception& e) {
        rollback_quietly(*c);
        return Status::Internal(fmt::format("{}: {}: {}", describe(), what, e.what()));
      }
    }
  }

  // Before conflict retry n (1, 2, …): 2^n ms capped at 100 ms, times a random factor in
  // [0.5, 1.5) so that writers which collided do not collide again in step.
  static void conflict_backoff(int n) {
    thread_local std::minstd_rand rng(std::random_device{}());
    const double base = std::min(100.0, std::ldexp(1.0, n));
    const double ms = base * (0.5 + std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(ms * 1000)));
  }

  static void rollback_quietly(Conn& c) {
    try {
      c.run("ROLLBACK");
    } catch (...) {
    }
  }

  std::unique_ptr<Pool> pool_;
  std::atomic<int> careful_writes_{0};  // writes left that look up stored event ids first
  std::atomic<std::uint64_t> conflict_retries_{0};  // transactions run again after losing a conflict
};

}  // namespace

Result<std::unique_ptr<Store>> open_mysql_store(const MysqlUrl& url) {
  auto pool = std::make_unique<Pool>(url);
  try {
    Status st = mysql::ensure_schema(*pool);
    if (!st.ok()) return st;
  } catch (const sql::SQLException& e) {
    return mysql::mysql_status(e, "open", url);
  } catch (const std::exception& e) {
    return Status::Unavailable(fmt::format("{}: open: {}", url.redacted(), e.what()));
  }
  return std::unique_ptr<Store>(std::make_unique<MysqlStore>(std::move(pool)));
}

}  // namespace uplift::store
