#include "store/sqlite/sqlite_store.h"

#include <chrono>
#include <cstring>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/codec.h"
#include "store/scan.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/event_writer.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_schema.h"

namespace uplift::store {
namespace {

using sqlite::Db;
using sqlite::SqliteError;
using sqlite::Stmt;

// Statement texts: Db caches prepared statements by these literals' addresses.
constexpr const char* kReadSeq = "SELECT v FROM meta WHERE k = 'seq'";
// Where a write continues numbering: the stored counter, or past the newest record should the
// counter ever lag (a file edited by hand or restored apart from its tables) — a sequence names
// one record, and EventWriter's undo deletes by seq range and must never meet an older row there.
constexpr const char* kReadSeqForWrite =
    "SELECT max(coalesce((SELECT v FROM meta WHERE k = 'seq'), 0), coalesce((SELECT max(seq) FROM events), 0), "
    "coalesce((SELECT max(seq) FROM entities), 0))";
constexpr const char* kWriteSeq = "UPDATE meta SET v = ? WHERE k = 'seq'";
constexpr const char* kUpsertDocument =
    "INSERT INTO documents (collection, dkey, body, updated_at) VALUES (?,?,?,?) "
    "ON CONFLICT (collection, dkey) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at";
constexpr const char* kDocumentBody = "SELECT body FROM documents WHERE collection = ? AND dkey = ?";
constexpr const char* kFindEntity = "SELECT body FROM entities WHERE kind = ? AND rkey = ?";
constexpr const char* kInsertEntity = "INSERT INTO entities (kind, rkey, seq, body) VALUES (?,?,?,?)";
constexpr const char* kUpdateEntity = "UPDATE entities SET seq = ?, body = ? WHERE kind = ? AND rkey = ?";
constexpr const char* kEventsAfter =
    "SELECT seq, id, account, name, ts, learner, qty, props FROM events WHERE seq > ? ORDER BY seq LIMIT ?";
constexpr const char* kNamedEventsAfter =
    "SELECT seq, id, account, name, ts, learner, qty, props FROM events WHERE name = ? AND seq > ? ORDER BY seq LIMIT ?";
constexpr const char* kNamedTimesAfter =
    "SELECT seq, account, ts FROM events WHERE name = ? AND seq > ? ORDER BY seq LIMIT ?";
// The events named in a JSON array of names (?1), by sequence: one pass over the log for all.
constexpr const char* kNamesTimesAfter =
    "SELECT seq, name, account, ts FROM events WHERE name IN (SELECT value FROM json_each(?)) AND seq > ? "
    "ORDER BY seq LIMIT ?";
constexpr const char* kEventById =
    "SELECT seq, id, account, name, ts, learner, qty, props FROM events WHERE id = ?";
constexpr const char* kEntitiesAfter =
    "SELECT seq, kind, rkey, body FROM entities WHERE seq > ? ORDER BY seq LIMIT ?";
constexpr const char* kKindAfter =
    "SELECT seq, kind, rkey, body FROM entities WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?";
constexpr const char* kKindFirstKeys = "SELECT seq, kind, rkey, body FROM entities WHERE kind = ? ORDER BY rkey LIMIT ?";
constexpr const char* kKindAfterKey =
    "SELECT seq, kind, rkey, body FROM entities WHERE kind = ? AND rkey > ? ORDER BY rkey LIMIT ?";
constexpr const char* kLearnersAfterKey =
    "SELECT seq, kind, rkey, body FROM entities WHERE kind = 'learner' AND rkey > ? ORDER BY rkey LIMIT ?";
constexpr const char* kEntityByKey = "SELECT seq, kind, rkey, body FROM entities WHERE kind = ? AND rkey = ?";

constexpr std::size_t kPageSize = 16384;             // for new files
constexpr std::size_t kCacheBytes = std::size_t{64} << 20;  // page cache per connection
// A bulk load starts with a smaller cache: appending rows in key order needs only the B-trees'
// right edges, and every MiB of fresh memory costs time to touch (~2.5 ms/MiB on this VM; 64 MiB
// was ~10% of a 1M-event import). It grows back to kCacheBytes as soon as a batch reads many pages
// back (ids in random order: the id index's working set is large).
constexpr std::size_t kBulkCacheBytes = std::size_t{16} << 20;
constexpr int kBulkMissesToGrow = 256;  // pages read back in one batch

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Db> db, std::string path, std::string sync)
      : db_(std::move(db)), path_(std::move(path)), sync_(std::move(sync)) {}

  // A bulk import commits with synchronous=NORMAL (WAL: atomic and crash-safe, but a commit is
  // not fsynced until the next checkpoint). Meanwhile checkpoints run on a Checkpointer thread
  // instead of in the writing thread's commits (which would stop for their copying and fsyncs);
  // one checkpoint at the end syncs the log and the database file before the import reports
  // success.
  Status begin_bulk() override {
    return guarded_status("begin_bulk", [&] {
      if (sync_ == "full") db_->exec("PRAGMA synchronous = NORMAL");
      db_->exec("PRAGMA wal_autocheckpoint = 0");
      db_->exec(fmt::format("PRAGMA cache_size = -{}", kBulkCacheBytes / 1024).c_str());
      bulk_small_cache_ = true;
      bulk_misses_ = cache_misses();
      checkpointer_ = std::make_unique<sqlite::Checkpointer>(path_);
    });
  }
  Status end_bulk() override {
    return guarded_status("end_bulk", [&] {
      checkpointer_.reset();
      db_->exec("PRAGMA wal_autocheckpoint = 1000");
      db_->exec(fmt::format("PRAGMA cache_size = -{}", kCacheBytes / 1024).c_str());
      bulk_small_cache_ = false;
      if (sync_ == "off") return;
      std::string sync = "PRAGMA synchronous = " + sync_;
      db_->exec(sync.c_str());
      db_->exec("PRAGMA wal_checkpoint(PASSIVE)");
    });
  }

  Result<WriteResult> write(std::span<const Record> records) override { return write_with_props(records, {}); }

  Result<WriteResult> write_with_props(std::span<const Record> records,
                                       std::span<const std::string_view> props) override {
    std::lock_guard lock(mu_);
    WriteResult result;
    result.outcomes.reserve(records.size());
    if (records.empty()) return result;
    std::size_t at = 0;
    try {
      db_->exec("BEGIN IMMEDIATE");
      try {
        Sequence seq = 0;
        {
          auto s = db_->stmt(kReadSeqForWrite);
          if (s->step()) seq = s->int64(0);
        }
        result.previous_sequence = seq;
        while (at < records.size()) {
          if (events_.write_together(records, props, at, seq, result.outcomes)) continue;
          const Record& r = records[at];
          std::string_view given = at < props.size() ? props[at] : std::string_view();
          WriteOutcome o = std::holds_alternative<Event>(r) ? events_.write_one(std::get<Event>(r), given, seq + 1)
                                                             : write_entity(r, seq + 1);
          if (o != WriteOutcome::kDuplicate) ++seq;
          result.outcomes.push_back(o);
          ++at;
        }
        {
          auto s = db_->stmt(kWriteSeq);
          s->bind(1, seq);
          s->step();
        }
        db_->exec("COMMIT");
        if (checkpointer_) checkpointer_->nudge();
        if (bulk_small_cache_) {
          int misses = cache_misses();
          if (misses - bulk_misses_ > kBulkMissesToGrow) {
            db_->exec(fmt::format("PRAGMA cache_size = -{}", kCacheBytes / 1024).c_str());
            bulk_small_cache_ = false;
          }
          bulk_misses_ = misses;
        }
        result.last_sequence = seq;
        bool any = false;
        for (auto o : result.outcomes) any |= o != WriteOutcome::kDuplicate;
        if (!any) result.last_sequence = 0;
      } catch (...) {
        sqlite3_exec(db_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } catch (const SqliteError& e) {
      return sqlite::sqlite_status(e, fmt::format("{}: write", path_));
    } catch (const nlohmann::json::exception& e) {
      return Status::InvalidArgument(fmt::format("record {} of the batch ({} '{}') cannot be stored: {}", at + 1,
                                                 kind_name(kind_of(records[at])), record_key(records[at]), e.what()));
    }
    return result;
  }

  Status scan_since(Sequence after, std::size_t limit,
                    const std::function<bool(const StoredRecord&)>& visit) override {
    return scan_in_pages(after, limit, [&](Sequence a, std::size_t n) { return page_all(a, n); }, visit);
  }

  Status scan_kind(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) override {
    return scan_in_pages(0, 0, [&](Sequence a, std::size_t n) { return page_kind(kind, a, n); }, visit);
  }

  // The entities' primary key is (kind, rkey), and the table is WITHOUT ROWID: key order is its
  // own order. Events have no kind column and their seq is their key: scan_kind.
  Status scan_kind_by_key(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) override {
    if (kind == RecordKind::kEvent) return scan_kind(kind, visit);
    return scan_in_key_pages(
        [&](const std::string* after, std::size_t n) {
          return guarded<KeyPage>("scan_kind_by_key", [&]() -> Result<KeyPage> {
            KeyPage page;
            auto s = db_->stmt(after ? kKindAfterKey : kKindFirstKeys);
            s->bind(1, kind_column(kind));
            if (after) s->bind(2, std::string_view(*after));
            s->bind(after ? 3 : 2, static_cast<std::int64_t>(n));
            while (s->step()) {
              auto r = entity_row(*s);
              if (!r.ok()) return r.status();
              page.records.push_back(std::move(*r));
              page.last_key.assign(s->text(2));
            }
            return page;
          });
        },
        visit);
  }

  Status scan_event_fields(const EventFieldsVisitor& visit) override {
    EventFieldsPage page;
    Sequence after = 0;
    std::string canonical;
    for (;;) {
      page.clear();
      Status bad;
      Status read = guarded_status("scan_event_fields", [&] {
        auto s = db_->stmt(kEventsAfter);
        s->bind(1, after).bind(2, static_cast<std::int64_t>(kTimesPage));
        while (s->step()) {
          auto props = props_object_text(s->text(7), s->text(1), canonical);
          if (!props.ok()) {
            bad = props.status();
            return;
          }
          page.add(s->int64(0), s->text(1), s->text(2), s->text(3), s->text(5), *props, s->int64(4), s->real(6));
        }
      });
      if (!read.ok()) return read;
      if (!bad.ok()) return bad;
      if (!page.visit(visit) || page.size() < kTimesPage) return Status::OK();
      after = page.last_sequence();
    }
  }

  Status scan_events_named(std::string_view name, const std::function<bool(const StoredRecord&)>& visit) override {
    return scan_in_pages(0, 0, [&](Sequence a, std::size_t n) { return page_named(name, a, n); }, visit);
  }

  Status scan_event_times(std::string_view name, const EventTimeVisitor& visit) override {
    EventTimesPage page;
    Sequence after = 0;
    for (;;) {
      page.clear();
      Status read = guarded_status("scan_event_times", [&] {
        auto s = db_->stmt(kNamedTimesAfter);
        s->bind(1, name).bind(2, after).bind(3, static_cast<std::int64_t>(kTimesPage));
        while (s->step()) {
          after = s->int64(0);
          page.add(s->text(1), s->int64(2));
        }
      });
      if (!read.ok()) return read;
      if (!page.visit(visit) || page.size() < kTimesPage) return Status::OK();
    }
  }

  Status scan_event_times_of(std::span<const std::string> names, const NamedEventTimeVisitor& visit) override {
    if (names.empty()) return Status::OK();
    if (names.size() == 1)
      return scan_event_times(names[0], [&](std::string_view account, Timestamp ts) { return visit(0, account, ts); });
    const std::string list = nlohmann::json(std::vector<std::string>(names.begin(), names.end())).dump();
    EventTimesPage page;
    Sequence after = 0;
    for (;;) {
      page.clear();
      Status bad;
      Status read = guarded_status("scan_event_times_of", [&] {
        auto s = db_->stmt(kNamesTimesAfter);
        s->bind(1, std::string_view(list)).bind(2, after).bind(3, static_cast<std::int64_t>(kTimesPage));
        while (s->step()) {
          after = s->int64(0);
          const auto name = std::find(names.begin(), names.end(), s->text(1));
          if (name == names.end()) {
            bad = Status::Internal(fmt::format("event name '{}' was not asked for", s->text(1)));
            return;
          }
          page.add(s->text(2), s->int64(3), static_cast<std::size_t>(name - names.begin()));
        }
      });
      if (!read.ok()) return read;
      if (!bad.ok()) return bad;
      if (!page.visit(visit) || page.size() < kTimesPage) return Status::OK();
    }
  }

  // In key order (the table's own order: no index lookup per row). A body is decoded only when it
  // could hold one of the roles: it contains one as a JSON string ("admin", quotes included), or
  // it contains an escape (a role written with escapes is then still found). Either way the
  // decoded role decides.
  Status scan_learners_with_roles(std::span<const std::string> roles,
                                  const std::function<bool(const StoredRecord&)>& visit) override {
    if (roles.empty()) return Status::OK();
    std::vector<std::string> needles;
    for (const auto& r : roles) needles.push_back(nlohmann::json(r).dump());
    // memmem (glibc's two-way search), not string_view::find, which compares at every quote.
    auto could_hold = [&](std::string_view body) {
      if (std::memchr(body.data(), '\\', body.size())) return true;
      for (const auto& n : needles)
        if (::memmem(body.data(), body.size(), n.data(), n.size())) return true;
      return false;
    };
    std::string after;
    std::vector<StoredRecord> page;
    for (;;) {
      page.clear();
      std::size_t rows = 0;
      Status bad;
      Status read = guarded_status("scan_learners_with_roles", [&] {
        const std::string from = after;  // bound without a copy: must not change while stepping
        auto s = db_->stmt(kLearnersAfterKey);
        s->bind(1, std::string_view(from)).bind(2, static_cast<std::int64_t>(kScanPage));
        while (s->step()) {
          ++rows;
          after.assign(s->text(2));
          if (!could_hold(s->text(3))) continue;
          auto r = entity_row(*s);
          if (!r.ok()) {
            bad = r.status();
            return;
          }
          const auto* l = std::get_if<Learner>(&r->record);
          if (l && std::find(roles.begin(), roles.end(), l->role) != roles.end()) page.push_back(std::move(*r));
        }
      });
      if (!read.ok()) return read;
      if (!bad.ok()) return bad;
      for (const auto& r : page)
        if (!visit(r)) return Status::OK();
      if (rows < kScanPage) return Status::OK();
    }
  }

  Result<Sequence> last_sequence() override {
    return guarded<Sequence>("last_sequence", [&]() -> Result<Sequence> {
      auto s = db_->stmt(kReadSeq);
      return s->step() ? s->int64(0) : Sequence{0};
    });
  }

  Result<StoredRecord> get(RecordKind kind, std::string_view key) override {
    return guarded<StoredRecord>("get", [&]() -> Result<StoredRecord> {
      std::string k(key);
      if (kind == RecordKind::kEvent) {
        auto s = db_->stmt(kEventById);
        s->bind(1, std::string_view(k));
        if (!s->step()) return Status::NotFound(fmt::format("no event with id '{}'", key));
        return event_row(*s);
      }
      auto s = db_->stmt(kEntityByKey);
      s->bind(1, kind_column(kind)).bind(2, std::string_view(k));
      if (!s->step()) return Status::NotFound(fmt::format("no {} with key '{}'", kind_name(kind), key));
      return entity_row(*s);
    });
  }

  Status put_document(const Document& doc) override { return put_documents({&doc, 1}); }

  Status put_documents(std::span<const Document> docs) override {
    if (docs.empty()) return Status::OK();
    return guarded_status("put_documents", [&] {
      db_->exec("BEGIN IMMEDIATE");
      try {
        for (const Document& doc : docs) upsert_document(doc);
      } catch (...) {
        sqlite3_exec(db_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      db_->exec("COMMIT");
    });
  }

  // BEGIN IMMEDIATE takes the database's write lock: nobody can change a document between the
  // comparison and the write.
  Result<bool> apply_documents(const DocumentChanges& changes) override {
    return guarded<bool>("apply_documents", [&]() -> Result<bool> {
      db_->exec("BEGIN IMMEDIATE");
      try {
        for (const DocumentExpectation& e : changes.expect) {
          std::optional<std::string> current;
          auto s = db_->stmt(kDocumentBody);
          s->bind(1, std::string_view(e.collection)).bind(2, std::string_view(e.key));
          if (s->step()) current = std::string(s->text(0));
          if (current != e.body) {
            db_->exec("ROLLBACK");
            return false;
          }
        }
        for (const Document& doc : changes.put) upsert_document(doc);
        for (const auto& [collection, key] : changes.erase) {
          auto s = db_->stmt("DELETE FROM documents WHERE collection = ? AND dkey = ?");
          s->bind(1, std::string_view(collection)).bind(2, std::string_view(key));
          s->step();
        }
      } catch (...) {
        sqlite3_exec(db_->raw(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      db_->exec("COMMIT");
      return true;
    });
  }

  Result<Document> get_document(std::string_view collection, std::string_view key) override {
    return guarded<Document>("get_document", [&]() -> Result<Document> {
      auto s = db_->stmt("SELECT body, updated_at FROM documents WHERE collection = ? AND dkey = ?");
      s->bind(1, collection).bind(2, key);
      if (!s->step()) return Status::NotFound(fmt::format("no document '{}' in '{}'", key, collection));
      return Document{std::string(collection), std::string(key), std::string(s->text(0)), s->int64(1)};
    });
  }

  Status delete_document(std::string_view collection, std::string_view key) override {
    return guarded_status("delete_document", [&] {
      auto s = db_->stmt("DELETE FROM documents WHERE collection = ? AND dkey = ?");
      s->bind(1, collection).bind(2, key);
      s->step();
    });
  }

  Status scan_documents(std::string_view collection, const std::function<bool(const Document&)>& visit) override {
    std::string after;
    for (;;) {
      std::vector<Document> page;
      Status st = guarded_status("scan_documents", [&] {
        auto s = db_->stmt(
            "SELECT dkey, body, updated_at FROM documents WHERE collection = ? AND dkey > ? ORDER BY dkey LIMIT 512");
        s->bind(1, collection).bind(2, std::string_view(after));
        while (s->step())
          page.push_back(Document{std::string(collection), std::string(s->text(0)), std::string(s->text(1)),
                                  s->int64(2)});
      });
      if (!st.ok()) return st;
      if (page.empty()) return Status::OK();
      for (const Document& d : page)
        if (!visit(d)) return Status::OK();
      after = page.back().key;
    }
  }

  Result<std::vector<std::string>> document_collections() override {
    return guarded<std::vector<std::string>>("document_collections", [&]() -> Result<std::vector<std::string>> {
      std::vector<std::string> out;
      auto s = db_->stmt("SELECT DISTINCT collection FROM documents ORDER BY collection");
      while (s->step()) out.emplace_back(s->text(0));
      return out;
    });
  }

  Result<StoreCounts> counts() override {
    return guarded<StoreCounts>("counts", [&]() -> Result<StoreCounts> {
      StoreCounts c;
      {
        auto s = db_->stmt("SELECT count(*) FROM events");
        s->step();
        c.records[static_cast<std::size_t>(RecordKind::kEvent)] = s->int64(0);
      }
      {
        auto s = db_->stmt("SELECT kind, count(*) FROM entities GROUP BY kind");
        while (s->step()) {
          auto k = parse_kind(s->text(0));
          if (k) c.records[static_cast<std::size_t>(*k)] = s->int64(1);
        }
      }
      {
        auto s = db_->stmt("SELECT count(*) FROM documents");
        s->step();
        c.documents = s->int64(0);
      }
      return c;
    });
  }

  Result<int> schema_version() override {
    return guarded<int>("schema_version", [&]() -> Result<int> { return sqlite::stored_version(*db_); });
  }

  Status scan_damaged_event_props(const DamagedPropsVisitor& visit) override {
    struct Row {
      Sequence seq;
      std::string id, stored;
    };
    std::vector<Row> rows;
    Status st = guarded_status("scan_damaged_event_props", [&] {
      // json_valid alone may stop at an embedded NUL: look for one in the bytes too.
      auto s = db_->stmt(
          "SELECT seq, id, props FROM events WHERE props <> '{}' AND (instr(CAST(props AS BLOB), x'00') > 0 "
          "OR json_valid(props) = 0 OR json_type(props) <> 'object') ORDER BY seq");
      while (s->step()) rows.push_back({s->int64(0), std::string(s->text(1)), std::string(s->text(2))});
    });
    if (!st.ok()) return st;
    for (const auto& r : rows)
      if (!visit(r.seq, r.id, r.stored)) break;
    return Status::OK();
  }

  Status repair_event_props(Sequence seq, std::string_view props) override {
    bool found = false;
    Status st = guarded_status("repair_event_props", [&] {
      auto s = db_->stmt("UPDATE events SET props = ? WHERE seq = ?");
      s->bind(1, props).bind(2, seq);
      s->step();
      found = db_->changes() > 0;
    });
    if (!st.ok()) return st;
    if (!found) return Status::NotFound(fmt::format("no stored event with sequence number {}", seq));
    return Status::OK();
  }

  Status ping() override {
    return guarded_status("ping", [&] {
      auto s = db_->stmt("SELECT 1");
      s->step();
    });
  }

  std::string describe() const override { return "sqlite:" + path_; }

  // A second connection; its reads map the file (no copy of each page out of the page cache).
  Result<std::unique_ptr<Store>> open_reader() const override {
    // An in-memory database (":memory:", "file:…") cannot be opened twice: no second handle.
    if (path_.empty() || path_.front() == ':' || path_.rfind("file:", 0) == 0) return std::unique_ptr<Store>();
    auto reader = open_sqlite_store(SqliteUrl{path_, sync_});
    if (!reader.ok()) return reader.status();
    static_cast<SqliteStore&>(**reader).map_file_for_reading();
    return reader;
  }
  void map_file_for_reading() {
    // Up to 16 GiB; where mapping is refused, reads go on through read() as before.
    (void)guarded_status("mmap", [&] { db_->exec("PRAGMA mmap_size = 17179869184"); });
  }

 private:
  int cache_misses() {
    int current = 0, highwater = 0;
    sqlite3_db_status(db_->raw(), SQLITE_DBSTATUS_CACHE_MISS, &current, &highwater, 0);
    return current;
  }

  void upsert_document(const Document& doc) {
    auto s = db_->stmt(kUpsertDocument);
    s->bind(1, std::string_view(doc.collection)).bind(2, std::string_view(doc.key));
    s->bind(3, std::string_view(doc.body)).bind(4, doc.updated_at ? doc.updated_at : wall_clock_now());
    s->step();
  }

  WriteOutcome write_entity(const Record& r, Sequence seq) {
    std::string key = record_key(r), body = entity_body(r);
    std::string_view kind = kind_column(kind_of(r));
    bool exists = false;
    {
      auto s = db_->stmt(kFindEntity);
      s->bind(1, kind).bind(2, std::string_view(key));
      if (s->step()) {
        if (s->text(0) == body) return WriteOutcome::kDuplicate;
        exists = true;
      }
    }
    if (exists) {
      auto s = db_->stmt(kUpdateEntity);
      s->bind(1, seq).bind(2, std::string_view(body)).bind(3, kind).bind(4, std::string_view(key));
      s->step();
      return WriteOutcome::kUpdated;
    }
    auto s = db_->stmt(kInsertEntity);
    s->bind(1, kind).bind(2, std::string_view(key)).bind(3, seq).bind(4, std::string_view(body));
    s->step();
    return WriteOutcome::kInserted;
  }

  static Result<StoredRecord> event_row(Stmt& s) {
    Event e;
    e.id = s.text(1);
    e.account = s.text(2);
    e.name = s.text(3);
    e.ts = s.int64(4);
    e.learner = s.text(5);
    e.qty = s.real(6);
    Status st = decode_props(s.text(7), e);
    if (!st.ok()) return st;
    return StoredRecord{s.int64(0), std::move(e)};
  }

  static Result<StoredRecord> entity_row(Stmt& s) {
    auto kind = parse_kind(s.text(1));
    if (!kind) return Status::Internal(fmt::format("stored entity has unknown kind '{}'", s.text(1)));
    auto r = decode_entity(*kind, s.text(2), s.text(3));
    if (!r.ok()) return r.status();
    return StoredRecord{s.int64(0), std::move(*r)};
  }

  // Reads up to n rows of a statement into `out`; returns whether the page was full.
  template <typename RowFn>
  static Result<bool> read_rows(Stmt& s, std::size_t n, RowFn row, std::vector<StoredRecord>& out) {
    while (s.step()) {
      auto r = row(s);
      if (!r.ok()) return r.status();
      out.push_back(std::move(*r));
    }
    return out.size() == n;
  }

  Result<std::vector<StoredRecord>> page_all(Sequence after, std::size_t n) {
    return guarded<std::vector<StoredRecord>>("scan_since", [&]() -> Result<std::vector<StoredRecord>> {
      // One read transaction so both tables are read at the same commit point.
      db_->exec("BEGIN");
      struct End {
        Db& db;
        ~End() { sqlite3_exec(db.raw(), "COMMIT", nullptr, nullptr, nullptr); }
      } end{*db_};
      std::vector<StoredRecord> ev, en;
      auto se = db_->stmt(kEventsAfter);
      se->bind(1, after).bind(2, static_cast<std::int64_t>(n));
      auto fe = read_rows(*se, n, event_row, ev);
      if (!fe.ok()) return fe.status();
      auto sn = db_->stmt(kEntitiesAfter);
      sn->bind(1, after).bind(2, static_cast<std::int64_t>(n));
      auto fn = read_rows(*sn, n, entity_row, en);
      if (!fn.ok()) return fn.status();
      return merge_pages(std::move(ev), *fe, std::move(en), *fn);
    });
  }

  Result<std::vector<StoredRecord>> page_kind(RecordKind kind, Sequence after, std::size_t n) {
    return guarded<std::vector<StoredRecord>>("scan_kind", [&]() -> Result<std::vector<StoredRecord>> {
      std::vector<StoredRecord> out;
      if (kind == RecordKind::kEvent) {
        auto s = db_->stmt(kEventsAfter);
        s->bind(1, after).bind(2, static_cast<std::int64_t>(n));
        auto f = read_rows(*s, n, event_row, out);
        if (!f.ok()) return f.status();
      } else {
        auto s = db_->stmt(kKindAfter);
        s->bind(1, kind_column(kind)).bind(2, after).bind(3, static_cast<std::int64_t>(n));
        auto f = read_rows(*s, n, entity_row, out);
        if (!f.ok()) return f.status();
      }
      return out;
    });
  }

  Result<std::vector<StoredRecord>> page_named(std::string_view name, Sequence after, std::size_t n) {
    return guarded<std::vector<StoredRecord>>("scan_events_named", [&]() -> Result<std::vector<StoredRecord>> {
      std::vector<StoredRecord> out;
      auto s = db_->stmt(kNamedEventsAfter);
      s->bind(1, name).bind(2, after).bind(3, static_cast<std::int64_t>(n));
      auto f = read_rows(*s, n, event_row, out);
      if (!f.ok()) return f.status();
      return out;
    });
  }

  // Runs fn under the mutex, turning SQLite errors into Status.
  template <typename T, typename Fn>
  Result<T> guarded(const char* what, Fn&& fn) {
    std::lock_guard lock(mu_);
    try {
      return fn();
    } catch (const SqliteError& e) {
      return sqlite::sqlite_status(e, fmt::format("{}: {}", path_, what));
    }
  }
  template <typename Fn>
  Status guarded_status(const char* what, Fn&& fn) {
    std::lock_guard lock(mu_);
    try {
      fn();
      return Status::OK();
    } catch (const SqliteError& e) {
      return sqlite::sqlite_status(e, fmt::format("{}: {}", path_, what));
    }
  }

  std::mutex mu_;
  std::unique_ptr<Db> db_;
  std::string path_;
  std::string sync_;  // the URL's synchronous level: full | normal | off
  sqlite::EventWriter events_{*db_};  // used under mu_
  bool bulk_small_cache_ = false;  // during a bulk load, until a batch reads many pages back
  int bulk_misses_ = 0;            // cache misses counted when the last batch ended
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;  // during a bulk load; destroyed first
};

}  // namespace

void prepare_sqlite_bulk_load() { sqlite::reserve_page_cache(kBulkCacheBytes, kPageSize); }

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteUrl& url) {
  try {
    auto db = std::make_unique<Db>(url.path);
    db->exec("PRAGMA busy_timeout = 10000");
    // 16 KiB pages for a new file (an existing one keeps its size): a bulk import does about a
    // fifth less B-tree work than with 4 KiB pages, and scans read fewer pages.
    db->exec(fmt::format("PRAGMA page_size = {}", kPageSize).c_str());
    // A file that is not SQLite fails here, with a clear "file is not a database".
    db->exec("PRAGMA journal_mode = WAL");
    std::string sync = "PRAGMA synchronous = " + url.sync;
    db->exec(sync.c_str());
    db->exec("PRAGMA temp_store = MEMORY");
    db->exec(fmt::format("PRAGMA cache_size = -{}", kCacheBytes / 1024).c_str());
    Status st = sqlite::migrate(*db, url.path);
    if (!st.ok()) return st;
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), url.path, url.sync));
  } catch (const SqliteError& e) {
    Status st = sqlite::sqlite_status(e, url.path);
    if (st.code() == Code::kUnavailable && (e.code & 0xff) == SQLITE_CANTOPEN)
      return Status::InvalidArgument(st.message());
    return st;
  }
}

}  // namespace uplift::store
