// Versioned migrations of the MySQL schema (same versions as SQLite; see mysql_schema.cpp).
// ensure_schema creates the database if needed and migrates it under a server-side named lock,
// so several uplift processes starting together migrate once. Throws sql::SQLException; returns
// FailedPrecondition for a database written by a newer uplift.
#pragma once

#include "core/status.h"
#include "store/mysql/pool.h"

namespace uplift::store::mysql {

Status ensure_schema(Pool& pool);
int stored_version(Conn& c);

}  // namespace uplift::store::mysql
