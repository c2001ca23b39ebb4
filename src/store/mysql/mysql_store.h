// The MySQL / MariaDB backend ("mysql://user[:pass]@host[:port]/db") through Connector/C++.
//
// A small connection pool; every statement is a server-side prepared statement (values are never
// spliced into SQL; the only identifier, the database name, is checked against [A-Za-z0-9_]).
// write() is one InnoDB transaction that first locks the one-row sequence counter
// (SELECT ... FOR UPDATE), so concurrent writers — threads or other uplift processes — are
// serialised there and sequence numbers become visible strictly in order (what replicas tailing
// scan_since rely on). Rows are inserted with multi-row prepared INSERTs.
// Any lost or refused connection is reported as Unavailable (never an exception or a crash); the
// broken connections are dropped and the next call opens fresh ones.
#pragma once

#include <memory>

#include "core/status.h"
#include "store/store.h"
#include "store/url.h"

namespace uplift::store {

Result<std::unique_ptr<Store>> open_mysql_store(const MysqlUrl& url);

}  // namespace uplift::store
