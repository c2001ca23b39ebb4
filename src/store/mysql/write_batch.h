// One write() on MySQL: the batch is encoded up front (so a record that cannot be stored fails
// the batch before any SQL runs), then written in one transaction that
//   1. locks the sequence counter row (SELECT ... FOR UPDATE) — writers queue here, so sequence
//      numbers are committed in order across threads and processes;
//   2. looks up which event ids and entity keys already exist (multi-row IN queries);
//   3. decides each record's outcome in input order, exactly as the SQLite backend does;
//   4. inserts new events and upserts changed entities with multi-row prepared INSERTs;
//   5. stores the new counter value and commits.
// Statements with N rows are prepared for N in {2048, 1024, ..., 1} (fewer, bigger round trips;
// halved while a statement's values exceed 4 MiB), so a connection caches at most twelve
// statements per shape.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/records.h"
#include "core/status.h"
#include "store/mysql/pool.h"
#include "store/store.h"

namespace uplift::store::mysql {

struct EncodedRecord {
  RecordKind kind;
  std::string key;           // event id or record_key()
  std::string text;          // props JSON for events, canonical body for the other kinds
  const Event* event = nullptr;
};

Result<std::vector<EncodedRecord>> encode_batch(std::span<const Record> records);
// Throws sql::SQLException; rolls the transaction back before rethrowing.
// assume_new_events skips step 2 for events (a bulk import into a table without those ids saves a
// lookup per row): if an id turns out to be stored, the INSERT fails, the transaction is rolled
// back and the batch is written again the careful way (*fell_back set). Outcomes, sequence
// numbers and stored rows are the same either way.
Result<WriteResult> write_batch(Conn& c, const std::vector<EncodedRecord>& batch, bool assume_new_events = false,
                                bool* fell_back = nullptr);

}  // namespace uplift::store::mysql
