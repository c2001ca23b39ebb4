// Connections to a MySQL-compatible server for the mysql backend: a pooled connection with its
// own cache of server-side prepared statements, the pool itself, and the rules that decide which
// server errors mean "this server cannot serve right now" (→ Unavailable, drop connections, try
// the next host) and which mean "a concurrent writer won" (→ retry the transaction).
//
// With several hosts (the nodes of a Galera cluster, MysqlUrl::hosts) new connections go to the
// current host; when it is lost or not ready (outside the cluster's primary component) they move
// to the next one that is, and every 10 s a checkout tries the first host again so the pool
// returns to it once it is back (connections to a host the pool moved away from are closed when
// released). A node counts as ready when it is not a Galera node, or when wsrep_ready is ON, its
// cluster status is Primary and it is Synced.
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
  std::size_t host = 0;    // index into MysqlUrl::hosts

  // The prepared statement for this SQL text (prepared on first use, then reused).
  sql::PreparedStatement& prep(const std::string& sql);
  // Runs a statement that carries no values (transaction control).
  void run(const char* sql);
};

// True when the error means the connection (or the server) is gone: the caller reports
// Unavailable and the pool drops its idle connections.
bool is_connection_error(const sql::SQLException& e);
// True for errors worth retrying later that leave the connection usable (deadlock, lock wait, a
// Galera certification conflict — reported as a deadlock — ): the transaction was rolled back.
bool is_transient_error(const sql::SQLException& e);
// True when the server answers but cannot serve (a Galera node outside the primary component:
// 1047 "WSREP has not yet prepared node for application use", 1180 at COMMIT): try another host.
bool is_node_unready_error(const sql::SQLException& e);
// The Status for a Connector/C++ error during `what`.
Status mysql_status(const sql::SQLException& e, const std::string& what, const MysqlUrl& url);

class Pool {
 public:
  explicit Pool(MysqlUrl url, std::size_t max_idle = 8);
  // Opens a connection to the current host, else the next ready one (see the file comment);
  // with_schema=false is used once, before the database exists. Throws the last host's error
  // when none can be used.
  std::unique_ptr<Conn> connect(bool with_schema = true);
  // An idle connection, or a new one. Throws sql::SQLException when none can be opened.
  std::unique_ptr<Conn> acquire();
  void release(std::unique_ptr<Conn> c);
  // Forgets every idle connection (after a connection error, they are all suspect).
  void drop_idle();
  // `host` failed (lost, or not ready): later connections start at the next host.
  void host_failed(std::size_t host);
  // How many times the pool moved to another host (for logs and tests).
  std::size_t failovers() const;
  const MysqlUrl& url() const { return url_; }

 private:
  std::unique_ptr<Conn> connect_to(std::size_t host, bool with_schema);
  MysqlUrl url_;
  std::size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
  std::size_t current_ = 0;  // the host new connections go to
  std::size_t failovers_ = 0;
  std::chrono::steady_clock::time_point next_home_try_{};  // when to try hosts[0] again
};

}  // namespace uplift::store::mysql
