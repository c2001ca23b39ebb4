// EventWriter: appends events to the sqlite backend's `events` table, inside a write transaction
// the caller holds (SqliteStore::write_with_props).
//
// Events are deduplicated by id (INSERT OR IGNORE on the unique id index: the first version wins)
// and each new one takes the next sequence number, in input order; a duplicate takes none.
// Runs of events are written kEventsPerInsert per INSERT statement — the statement's cursors and
// set-up once for 64 rows instead of per row, about a tenth of a bulk import's writing time —
// with outcomes and sequence numbers exactly as one at a time would give them.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace uplift::store::sqlite {

class EventWriter {
 public:
  static constexpr std::size_t kEventsPerInsert = 64;
  // After a duplicate, events go one at a time until this many in a row were new (a file imported
  // again would otherwise try, and undo, a 64-row statement for every row).
  static constexpr std::size_t kSingleEventsAfterDuplicate = 4 * kEventsPerInsert;

  explicit EventWriter(Db& db) : db_(db) {}

  // When records[at, at + kEventsPerInsert) are all events (and no duplicate was met lately):
  // writes them with one statement, appends their outcomes, advances `at` and `seq`, returns true.
  // When the statement stores fewer rows than it was given (an id already stored, or twice among
  // them), the rows it stored are deleted again and it returns false: the caller writes the same
  // records one at a time (write_one), which tells the duplicates apart. `props[i]`: props_text of
  // records[i] when the caller has it, else empty. Throws (with `at` on the record) when a
  // record's props cannot be encoded.
  bool write_together(std::span<const Record> records, std::span<const std::string_view> props, std::size_t& at,
                      Sequence& seq, std::vector<WriteOutcome>& outcomes);
  // One event, as sequence number `seq` unless its id is stored already. `props` as above.
  WriteOutcome write_one(const Event& e, std::string_view props, Sequence seq);

 private:
  Db& db_;
  PropsWriter props_writer_;
  std::array<std::string, kEventsPerInsert> props_texts_;  // encoded for write_together's rows
  std::size_t single_events_ = 0;  // events still to write one at a time after a duplicate
};

}  // namespace uplift::store::sqlite
