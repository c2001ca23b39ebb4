#include "store/mysql/pool.h"

#include <mysql_driver.h>
#include <cppconn/statement.h>

#include <fmt/format.h>

namespace uplift::store::mysql {

sql::PreparedStatement& Conn::prep(const std::string& sql) {
  auto it = stmts.find(sql);
  if (it == stmts.end()) it = stmts.emplace(sql, std::unique_ptr<sql::PreparedStatement>(c->prepareStatement(sql))).first;
  return *it->second;
}

void Conn::run(const char* sql) {
  std::unique_ptr<sql::Statement> s(c->createStatement());
  s->execute(sql);
}

bool is_connection_error(const sql::SQLException& e) {
  switch (e.getErrorCode()) {
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 1927:  // connection was killed (MariaDB)
    case 2002:  // can't connect through socket
    case 2003:  // can't connect to server
    case 2005:  // unknown host
    case 2006:  // server has gone away
    case 2013:  // lost connection during query
    case 2026:  // TLS error
    case 2055:  // lost connection at reading
    case 4031:  // disconnected for inactivity
      return true;
    default:
      break;
  }
  // Connector/C++ itself raises code-less errors when it knows the connection is closed.
  std::string_view msg = e.what();
  return e.getErrorCode() == 0 &&
         (msg.find("onnection") != std::string_view::npos || msg.find("closed") != std::string_view::npos);
}

bool is_transient_error(const sql::SQLException& e) {
  return e.getErrorCode() == 1205 /* lock wait timeout */ || e.getErrorCode() == 1213 /* deadlock */;
}

Status mysql_status(const sql::SQLException& e, const std::string& what, const MysqlUrl& url) {
  std::string msg = fmt::format("{}: {}: {} (MySQL error {})", url.redacted(), what, e.what(), e.getErrorCode());
  if (is_connection_error(e) || is_transient_error(e)) return Status::Unavailable(std::move(msg));
  if (e.getErrorCode() == 1044 || e.getErrorCode() == 1045 || e.getErrorCode() == 1142)
    return Status::PermissionDenied(std::move(msg));
  if (e.getErrorCode() == 1406 || e.getErrorCode() == 1366) return Status::InvalidArgument(std::move(msg));
  return Status::Internal(std::move(msg));
}

std::unique_ptr<Conn> Pool::connect(bool with_schema) {
  sql::ConnectOptionsMap opts;
  opts["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", url_.host, url_.port));
  opts["userName"] = sql::SQLString(url_.user);
  opts["password"] = sql::SQLString(url_.password);
  opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  opts["OPT_CONNECT_TIMEOUT"] = 5;
  opts["OPT_READ_TIMEOUT"] = 60;
  opts["OPT_WRITE_TIMEOUT"] = 60;
  opts["OPT_RECONNECT"] = false;  // a silent reconnect would lose the transaction; we reconnect ourselves
  auto conn = std::make_unique<Conn>();
  conn->c.reset(sql::mysql::get_mysql_driver_instance()->connect(opts));
  conn->run("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  conn->run("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'");
  if (with_schema) conn->c->setSchema(url_.database);
  conn->last_used = std::chrono::steady_clock::now();
  return conn;
}

std::unique_ptr<Conn> Pool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      c->fresh = false;
      c->used_ok = false;
      return c;
    }
  }
  return connect();
}

void Pool::release(std::unique_ptr<Conn> c) {
  c->last_used = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
}

void Pool::drop_idle() {
  std::vector<std::unique_ptr<Conn>> doomed;
  {
    std::lock_guard lock(mu_);
    doomed.swap(idle_);
  }
  // Closing a connection to a dead server can itself throw; nothing useful to do about it.
  for (auto& c : doomed) {
    try {
      c->stmts.clear();
      c->c.reset();
    } catch (...) {
    }
  }
}

}  // namespace uplift::store::mysql
