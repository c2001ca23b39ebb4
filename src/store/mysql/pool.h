// Connections to a MySQL-compatible server for the mysql backend: a pooled connection with its
// own cache of server-side prepared statements, the pool itself, and the rule that decides which
// server errors mean "the database is unreachable right now" (→ Unavailable, drop connections).
// Connector/C++ throws sql::SQLException; these types are used only inside src/store/mysql/.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "core/status.h"
#include "store/url.h"

namespace uplift::store::mysql {

// One server connection and the statements prepared on it.
struct Conn {
  std::unique_ptr<sql::Connection> c;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>> stmts;
  std::chrono::steady_clock::time_point last_used;
  bool fresh = true;       // opened for this call (not taken from the idle list)
  bool used_ok = false;    // at least one statement succeeded during this checkout

  // The prepared statement for this SQL text (prepared on first use, then reused).
  sql::PreparedStatement& prep(const std::string& sql);
  // Runs a statement that carries no values (transaction control).
  void run(const char* sql);
};

// True when the error means the connection (or the server) is gone: the caller reports
// Unavailable and the pool drops its idle connections.
bool is_connection_error(const sql::SQLException& e);
// True for errors worth retrying later that leave the connection usable (deadlock, lock wait).
bool is_transient_error(const sql::SQLException& e);
// The Status for a Connector/C++ error during `what`.
Status mysql_status(const sql::SQLException& e, const std::string& what, const MysqlUrl& url);

class Pool {
 public:
  explicit Pool(MysqlUrl url, std::size_t max_idle = 8) : url_(std::move(url)), max_idle_(max_idle) {}
  // Opens a connection; with_schema=false is used once, before the database exists. Throws.
  std::unique_ptr<Conn> connect(bool with_schema = true);
  // An idle connection, or a new one. Throws sql::SQLException when none can be opened.
  std::unique_ptr<Conn> acquire();
  void release(std::unique_ptr<Conn> c);
  // Forgets every idle connection (after a connection error, they are all suspect).
  void drop_idle();
  const MysqlUrl& url() const { return url_; }

 private:
  MysqlUrl url_;
  std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace uplift::store::mysql
