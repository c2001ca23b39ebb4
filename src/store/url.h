// Database URLs: parsing "mysql://user[:pass]@host[:port]/db" and "sqlite:PATH" into parts, and
// printing them back without the password (for logs, errors and Store::describe()).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace uplift::store {

struct MysqlHost {
  std::string host;
  int port = 3306;
  bool operator==(const MysqlHost&) const = default;
};

struct MysqlUrl {
  std::string user, password, host;  // host, port: the first of `hosts`
  int port = 3306;
  std::vector<MysqlHost> hosts;      // in order of preference (a Galera cluster's nodes)
  std::string database;
  // "mysql://user@host:port[,host:port…]/db" — never the password.
  std::string redacted() const;
};

// "mysql://user[:pass]@host[:port][,host[:port]…]/db". Several hosts name the nodes of one
// cluster: connections go to the first that answers and is ready, move to the next when it is
// lost, and return to the first once it is back. Password: from the URL when given
// (percent-decoded), else $UPLIFT_DB_PASSWORD, else empty. The database name must match
// [A-Za-z0-9_]+ because it is used as an SQL identifier.
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
