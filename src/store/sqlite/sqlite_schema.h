// Versioned migrations of the SQLite schema. migrate() brings a database from whatever version
// it has (0 = empty or pre-versioning) to kSchemaVersion inside one transaction, and refuses a
// database written by a newer uplift.
#pragma once

#include "core/status.h"
#include "store/sqlite/sqlite_db.h"

namespace uplift::store::sqlite {

// The version recorded in the file (0 when there is no schema_version table or row).
int stored_version(Db& db);
// Throws SqliteError on database errors; returns FailedPrecondition for a newer schema.
Status migrate(Db& db, const std::string& path);

}  // namespace uplift::store::sqlite
