// The embedded SQLite backend ("sqlite:PATH"), uplift's zero-setup default.
//
// One connection in WAL mode guarded by a mutex; write() is one BEGIN IMMEDIATE transaction, so
// writers in other processes (an import beside a running server) queue on SQLite's write lock
// (busy_timeout 10 s, then Unavailable). Durability: PRAGMA synchronous=FULL by default, so a
// write that returned OK survives power loss; "sqlite:PATH?sync=normal" trades the last
// transactions on power loss (never on a process crash) for fewer fsyncs.
// Tables: schema_version, meta (the sequence counter), events, entities (other kinds as canonical
// JSON), documents. See sqlite_schema.cpp for the migrations.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/store.h"
#include "store/url.h"

namespace uplift::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteUrl& url);

// Called by a process about to bulk-load into SQLite (uplift import) before it opens the store:
// the page cache of a bulk load (sqlite_store.cpp) gets its memory up front in huge pages instead
// of thousands of page faults on the writing thread. Does nothing once a store is open.
void prepare_sqlite_bulk_load();

}  // namespace uplift::store
