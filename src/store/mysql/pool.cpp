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

bool is_node_unready_error(const sql::SQLException& e) {
  return e.getErrorCode() == 1047 /* WSREP not prepared */ || e.getErrorCode() == 1180 /* error during COMMIT */;
}

Status mysql_status(const sql::SQLException& e, const std::string& what, const MysqlUrl& url) {
  std::string msg = fmt::format("{}: {}: {} (MySQL error {})", url.redacted(), what, e.what(), e.getErrorCode());
  if (is_connection_error(e) || is_node_unready_error(e)) return Status::Unavailable(std::move(msg));
  if (is_transient_error(e)) return Status::Aborted(std::move(msg));
  if (e.getErrorCode() == 1044 || e.getErrorCode() == 1045 || e.getErrorCode() == 1142)
    return Status::PermissionDenied(std::move(msg));
  if (e.getErrorCode() == 1406 || e.getErrorCode() == 1366) return Status::InvalidArgument(std::move(msg));
  return Status::Internal(std::move(msg));
}

Pool::Pool(MysqlUrl url, std::size_t max_idle) : url_(std::move(url)), max_idle_(max_idle) {
  if (url_.hosts.empty()) url_.hosts.push_back({url_.host, url_.port});
}

namespace {

// A Galera node that is not ready (outside the primary component, still joining) must not serve;
// a server without Galera has no wsrep status at all and is always ready.
void check_ready(Conn& c) {
  std::unique_ptr<sql::Statement> s(c.c->createStatement());
  {
    // A MariaDB with the Galera library but wsrep off reports wsrep_ready OFF: it is no cluster node.
    std::unique_ptr<sql::ResultSet> on(s->executeQuery("SHOW GLOBAL VARIABLES WHERE Variable_name = 'wsrep_on'"));
    if (!on->next() || on->getString(2).asStdString() != "ON") return;
  }
  std::unique_ptr<sql::ResultSet> rs(
      s->executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_cluster_status', "
                      "'wsrep_local_state', 'wsrep_local_state_comment')"));
  std::string ready = "ON", status = "Primary", state = "4", comment = "Synced";
  while (rs->next()) {
    std::string name = rs->getString(1).asStdString(), value = rs->getString(2).asStdString();
    if (name == "wsrep_ready") ready = value;
    if (name == "wsrep_cluster_status") status = value;
    if (name == "wsrep_local_state") state = value;
    if (name == "wsrep_local_state_comment") comment = value;
  }
  // Synced (4) only: a donor of an rsync state transfer blocks writes, a joined node is behind.
  if (ready != "ON" || status != "Primary" || state != "4")
    throw sql::SQLException(fmt::format("Galera node not ready (wsrep_ready {}, cluster status {}, state {})", ready,
                                        status, comment),
                            "08S01", 1047);
}

}  // namespace

std::unique_ptr<Conn> Pool::connect_to(std::size_t host, bool with_schema) {
  const MysqlHost& h = url_.hosts[host];
  sql::ConnectOptionsMap opts;
  opts["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", h.host, h.port));
  opts["userName"] = sql::SQLString(url_.user);
  opts["password"] = sql::SQLString(url_.password);
  opts["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  opts["OPT_CONNECT_TIMEOUT"] = 5;
  opts["OPT_READ_TIMEOUT"] = 60;
  opts["OPT_WRITE_TIMEOUT"] = 60;
  opts["OPT_RECONNECT"] = false;  // a silent reconnect would lose the transaction; we reconnect ourselves
  auto conn = std::make_unique<Conn>();
  conn->c.reset(sql::mysql::get_mysql_driver_instance()->connect(opts));
  conn->host = host;
  conn->run("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  conn->run("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'");
  check_ready(*conn);
  if (with_schema) conn->c->setSchema(url_.database);
  conn->last_used = std::chrono::steady_clock::now();
  return conn;
}

std::unique_ptr<Conn> Pool::connect(bool with_schema) {
  const std::size_t n = url_.hosts.size();
  std::size_t start;
  {
    std::lock_guard lock(mu_);
    start = current_;
  }
  std::string last_what, last_state;  // SQLException cannot live on the heap or be reassigned
  int last_code = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t host = (start + k) % n;
    try {
      auto c = connect_to(host, with_schema);
      if (host != start) {
        std::lock_guard lock(mu_);
        if (current_ != host) {
          current_ = host;
          ++failovers_;
          next_home_try_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        }
      }
      return c;
    } catch (const sql::SQLException& e) {
      if (!is_connection_error(e) && !is_node_unready_error(e)) throw;  // e.g. access denied: the same everywhere
      last_what = e.what();
      last_state = e.getSQLStateCStr();
      last_code = e.getErrorCode();
    }
  }
  throw sql::SQLException(last_what, last_state, last_code);
}

std::unique_ptr<Conn> Pool::acquire() {
  bool try_home = false;
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (current_ != 0 && now >= next_home_try_) {
      try_home = true;
      next_home_try_ = now + std::chrono::seconds(10);
    } else if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      c->fresh = false;
      c->used_ok = false;
      return c;
    }
  }
  if (try_home) {  // the preferred host may be back: move there, and drop connections to the other
    try {
      auto c = connect_to(0, true);
      drop_idle();
      std::lock_guard lock(mu_);
      current_ = 0;
      ++failovers_;
      return c;
    } catch (const sql::SQLException&) {
    }
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

void Pool::host_failed(std::size_t host) {
  std::lock_guard lock(mu_);
  if (url_.hosts.size() > 1 && current_ == host) {
    current_ = (host + 1) % url_.hosts.size();
    ++failovers_;
    next_home_try_ = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  }
}

std::size_t Pool::failovers() const {
  std::lock_guard lock(mu_);
  return failovers_;
}

void Pool::release(std::unique_ptr<Conn> c) {
  c->last_used = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  // A connection to a host the pool has moved away from is closed: a server reads and writes
  // through one node at a time (it sees its own writes, and its connections never conflict).
  if (c->host == current_ && idle_.size() < max_idle_) idle_.push_back(std::move(c));
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
