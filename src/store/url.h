// Database URLs: parsing "mysql://user[:pass]@host[:port]/db" and "sqlite:PATH" into parts, and
// printing them back without the password (for logs, errors and Store::describe()).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace uplift::store {

struct MysqlUrl {
  std::string user, password, host;
  int port = 3306;
  std::string database;
  // "mysql://user@host:port/db" — never the password.
  std::string redacted() const;
};

// Password: from the URL when given (percent-decoded), else $UPLIFT_DB_PASSWORD, else empty.
// The database name must match [A-Za-z0-9_]+ because it is used as an SQL identifier.
Result<MysqlUrl> parse_mysql_url(std::string_view url);

// "sqlite:PATH?sync=normal" → PATH and options; a bare path is a sqlite path.
struct SqliteUrl {
  std::string path;
  std::string sync = "full";  // full | normal | off (PRAGMA synchronous)
};
Result<SqliteUrl> parse_sqlite_url(std::string_view url);

// The URL with any password replaced, for messages about URLs that failed to parse.
std::string redact_url(std::string_view url);

}  // namespace uplift::store
