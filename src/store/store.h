// Store: where uplift keeps its records, derived state and small documents.
//
// One abstract interface with two backends behind it: sqlite/ (the embedded default,
// "sqlite:PATH") and mysql/ (any MySQL-compatible server, "mysql://user:pass@host:port/db").
// Both pass the same conformance suite (tests/unit/store/).
//
// Promises:
//  * write() is atomic: either every record of the batch is committed or none is. When it returns
//    OK the batch is durable (committed), which is what the HTTP API's 2xx relies on.
//  * Events are append-only and deduplicated by id: writing an event whose id is stored already is
//    a no-op reported as a duplicate (the first version wins).
//  * Every other kind is an upsert by record_key(); writing identical content again is reported as
//    a duplicate and changes nothing (its sequence number stays).
//  * Every record inserted or changed gets a sequence number from one counter per database that
//    only grows and is committed in order, so scan_since(seq) lets replicas tail every change.
//  * Documents are small JSON values in named collections (api keys, cohorts, milestone state),
//    replaced whole by put_document.
//  * Opening a database migrates an older schema to the current one (schema_version table); a
//    database written by a newer uplift is refused with FailedPrecondition.
//  * Methods are safe to call from several threads; each backend serialises what it must.
//  * A database that cannot be reached yields Status code kUnavailable, never a crash; the next
//    call tries to reconnect.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.h"
#include "core/status.h"

namespace uplift {

using Sequence = std::int64_t;  // 0 means "before everything"

inline constexpr int kSchemaVersion = 1;

// What happened to each record of a write, in input order.
enum class WriteOutcome : std::uint8_t { kInserted, kUpdated, kDuplicate };

struct WriteResult {
  std::vector<WriteOutcome> outcomes;  // one per input record
  Sequence last_sequence = 0;          // highest sequence assigned by this write (0 if none)
  // The store's last sequence when this write's transaction began: every record up to it was
  // committed before, and this write's records are exactly (previous_sequence, last_sequence].
  // Set by the backends (nullopt: unknown), so a reader that had applied everything up to
  // previous_sequence knows it has applied everything up to last_sequence once it applied these.
  std::optional<Sequence> previous_sequence;
};

struct StoredRecord {
  Sequence seq = 0;
  Record record;
};

struct Document {
  std::string collection, key;
  std::string body;  // JSON text
  Timestamp updated_at = 0;
};

// Rows per table, for `uplift migrate` verification and summaries.
struct StoreCounts {
  std::array<std::int64_t, kRecordKindCount> records{};  // indexed by RecordKind
  std::int64_t documents = 0;
  bool operator==(const StoreCounts&) const = default;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite:PATH" (or a bare path), "mysql://user:pass@host:port/db". For mysql the password may
  // come from UPLIFT_DB_PASSWORD instead of the URL.
  static Result<std::unique_ptr<Store>> open(std::string_view url);

  // Atomically writes a batch (see promises above).
  virtual Result<WriteResult> write(std::span<const Record> records) = 0;
  // write() for a caller that already has each event's props as JSON text — exactly
  // store::props_text(event) (store/codec.h), or empty when it has none — so a bulk load can encode
  // them on its parsing thread. `props` is empty or one per record. Same promises as write();
  // the default ignores the texts.
  virtual Result<WriteResult> write_with_props(std::span<const Record> records,
                                               std::span<const std::string_view> props) {
    (void)props;
    return write(records);
  }
  // A bulk load (`uplift import`) brackets its writes with these. In between, a backend may make
  // each commit cheaper as long as a crash still never tears a batch or corrupts the database
  // (SQLite: WAL with synchronous=NORMAL — a power loss may forget the last batches); end_bulk()
  // returns once everything written is durable. Defaults do nothing.
  virtual Status begin_bulk() { return Status::OK(); }
  virtual Status end_bulk() { return Status::OK(); }
  // Another handle on the same database for reading beside this one (the start-up reads events
  // on it while this handle reads everything else). nullptr when the backend offers none.
  virtual Result<std::unique_ptr<Store>> open_reader() const { return std::unique_ptr<Store>(); }

  // Visits committed records with seq > after, in sequence order, at most `limit` of them
  // (0 = no limit). The visitor returns false to stop early.
  // Tailing: a replica remembers the last seq it applied and polls scan_since(that seq); because
  // sequence numbers become visible strictly in commit order it never misses a record. An entity
  // that changed reappears with its new seq (its old seq is gone); sequence numbers may have gaps.
  // Records are read in pages and no lock or cursor is held while the visitor runs, so it may
  // call back into the store.
  virtual Status scan_since(Sequence after, std::size_t limit,
                            const std::function<bool(const StoredRecord&)>& visit) = 0;
  // Visits every stored record of one kind, in sequence order.
  virtual Status scan_kind(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) = 0;
  // Visits every stored record of one kind once, in the backend's key order: its table's own
  // order, read without an index lookup per row. For readers whose result does not depend on the
  // order — the server's start-up puts 1.7M learners and 2.2M completions into memory, each kind
  // keyed by record_key(), where sequence order costs a lookup per row. Records committed during
  // the scan may or may not be visited (a reader tails from the last_sequence() it read before).
  // Pages are read before the visitor runs, as above. This default (inline) is scan_kind.
  virtual Status scan_kind_by_key(RecordKind kind, const std::function<bool(const StoredRecord&)>& visit) {
    return scan_kind(kind, visit);
  }
  // Visits every stored event's fields in sequence order, as views and without building an Event
  // (the server's start-up reads ten million). Each visit's props are a JSON object's minified
  // text ("{}" when empty); a row whose props are not an object fails the scan, as in scan_kind.
  // The views are valid during the call only; pages are read before the visitor runs, as above.
  // This default (inline) projects scan_kind; backends override it to read the columns directly.
  using EventFieldsVisitor = std::function<bool(const EventFields&)>;
  virtual Status scan_event_fields(const EventFieldsVisitor& visit) {
    std::string props;
    return scan_kind(RecordKind::kEvent, [&](const StoredRecord& r) {
      const auto& e = std::get<Event>(r.record);
      props = e.props.empty() ? std::string("{}") : e.props.dump();
      return visit(EventFields{e.id, e.account, e.name, e.learner, props, e.ts, e.qty});
    });
  }
  // Visits the stored events named `name`, in sequence order: scan_kind(kEvent) filtered, for
  // readers that need one kind of event (the ROI report reads only its programs' target events).
  // This default (inline: fakes in tests need no store library) filters while scanning; backends
  // override it to filter in the database.
  virtual Status scan_events_named(std::string_view name, const std::function<bool(const StoredRecord&)>& visit) {
    return scan_kind(RecordKind::kEvent, [&](const StoredRecord& r) {
      const auto* e = std::get_if<Event>(&r.record);
      return !e || e->name != name || visit(r);
    });
  }
  // Visits (account, ts) of the stored events named `name`, in sequence order: scan_events_named
  // without the rest of the row, for readers that only place events in time per account (the ROI
  // report's usage windows read millions of them). `account` is valid during the call only.
  // Pages are read before the visitor runs, as for the scans above. This default (inline)
  // projects scan_events_named; backends override it to read only the two columns.
  using EventTimeVisitor = std::function<bool(std::string_view account, Timestamp ts)>;
  virtual Status scan_event_times(std::string_view name, const EventTimeVisitor& visit) {
    return scan_events_named(name, [&](const StoredRecord& r) {
      const auto& e = std::get<Event>(r.record);
      return visit(e.account, e.ts);
    });
  }
  // scan_event_times for several distinct names in one pass over the log: visits
  // (i, account, ts) of the stored events named names[i], each name's in sequence order (names
  // interleave). The ROI report reads every program's target event; a backend whose events have
  // no name index reads the log once instead of once per name. This default (inline) scans the
  // names in turn.
  using NamedEventTimeVisitor = std::function<bool(std::size_t name, std::string_view account, Timestamp ts)>;
  virtual Status scan_event_times_of(std::span<const std::string> names, const NamedEventTimeVisitor& visit) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      bool stopped = false;
      Status st = scan_event_times(names[i], [&](std::string_view account, Timestamp ts) {
        stopped = !visit(i, account, ts);
        return !stopped;
      });
      if (!st.ok() || stopped) return st;
    }
    return Status::OK();
  }
  // Visits the stored learners whose role is one of `roles`, in no particular order (a backend
  // reads them in its key order). The ROI report's matched control needs only the learners of the
  // programs' eligible roles — at 100,000 accounts, 0.8M of 1.7M — and not in sequence order.
  // Pages are read before the visitor runs, as for the scans above. This default (inline)
  // filters scan_kind; backends override it to skip other learners before decoding them.
  virtual Status scan_learners_with_roles(std::span<const std::string> roles,
                                          const std::function<bool(const StoredRecord&)>& visit) {
    return scan_kind(RecordKind::kLearner, [&](const StoredRecord& r) {
      const auto* l = std::get_if<Learner>(&r.record);
      return !l || std::find(roles.begin(), roles.end(), l->role) == roles.end() || visit(r);
    });
  }
  virtual Result<Sequence> last_sequence() = 0;

  // Looks up one record by kind and record_key(); NotFound if absent.
  virtual Result<StoredRecord> get(RecordKind kind, std::string_view key) = 0;

  virtual Status put_document(const Document& doc) = 0;
  // Upserts several documents in one transaction: all of them or none (one commit, not one per
  // document — the server saves every changed account's state after each ingest batch).
  virtual Status put_documents(std::span<const Document> docs) = 0;
  // Compare-and-set over several documents: in one transaction, checks every expectation (the
  // stored body of (collection, key) is still `body`; nullopt: there is no such document), and
  // only if all hold writes `put` and deletes `erase`. Atomic with respect to every other writer
  // of the database, in this process or another. Returns true when it wrote, false (having written
  // nothing) when an expected document had changed — the caller reads it again and decides again.
  // Two processes changing the same key from the same old version cannot both win. (The trigger
  // outbox relies on this: an alert, its deliveries and its account's episodes are written
  // together, guarded by the episodes' previous version.)
  struct DocumentExpectation {
    std::string collection, key;
    std::optional<std::string> body;
  };
  struct DocumentChanges {
    std::vector<DocumentExpectation> expect;
    std::vector<Document> put;
    std::vector<std::pair<std::string, std::string>> erase;  // (collection, key)
  };
  virtual Result<bool> apply_documents(const DocumentChanges& changes) = 0;
  // apply_documents for one document: writes `doc` only while the stored body is still
  // `expected` (nullopt: only while there is no such document).
  Result<bool> put_document_if(const Document& doc, const std::optional<std::string>& expected) {
    return apply_documents({{{doc.collection, doc.key, expected}}, {doc}, {}});
  }
  virtual Result<Document> get_document(std::string_view collection, std::string_view key) = 0;
  virtual Status delete_document(std::string_view collection, std::string_view key) = 0;
  virtual Status scan_documents(std::string_view collection,
                                const std::function<bool(const Document&)>& visit) = 0;
  // Names of the collections holding at least one document, sorted (for `uplift migrate`).
  virtual Result<std::vector<std::string>> document_collections() = 0;

  // Integrity check for `uplift doctor`: visits each stored event whose props column is not a JSON
  // object text (seq, id, the stored bytes as they are), in sequence order. Such a row makes every
  // scan that meets it fail; it can only come from a defect (an import before issue 22's fix
  // stored "\0..." for short props), never from a write of the current code.
  using DamagedPropsVisitor = std::function<bool(Sequence seq, std::string_view id, std::string_view stored)>;
  // Both backends override these; the inline defaults serve test fakes, which hold no events.
  virtual Status scan_damaged_event_props(const DamagedPropsVisitor& visit) {
    (void)visit;
    return Status::OK();
  }
  // Replaces the props text of the stored event `seq` (for `uplift doctor --repair` only: events
  // are otherwise append-only). NotFound when there is no such event.
  virtual Status repair_event_props(Sequence seq, std::string_view props) {
    (void)props;
    return Status::NotFound("no stored event with sequence number " + std::to_string(seq));
  }

  virtual Result<StoreCounts> counts() = 0;
  virtual Result<int> schema_version() = 0;
  // Cheap round trip to the database: OK when it answers and can serve (reads a real table; on a
  // Galera node, the node is in the primary component).
  virtual Status ping() = 0;
  // "sqlite:/path/uplift.db" or "mysql://user@host:port/db" — never the password.
  virtual std::string describe() const = 0;

  // Counters since open, for metrics: transactions run again after losing a write conflict
  // (Galera certification, deadlock), and moves to another host of a cluster URL.
  struct Stats {
    std::uint64_t conflict_retries = 0, failovers = 0;
  };
  virtual Stats stats() const { return {}; }
};

// Helpers shared by both backends.
// "sqlite:", "mysql://"… → the backend name; used by Store::open and error messages.
std::string_view store_scheme(std::string_view url);
// The database URL to use: explicit flag, else $UPLIFT_DB, else "sqlite:uplift.db".
std::string default_store_url(std::string_view flag_value);

}  // namespace uplift
