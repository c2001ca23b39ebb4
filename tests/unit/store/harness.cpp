#include "harness.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <doctest/doctest.h>
#include <mysql_driver.h>
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <sqlite3.h>

#include "store/url.h"

namespace uplift::testing {
namespace {

std::atomic<int> counter{0};

class SqliteTestDb final : public TestDb {
 public:
  SqliteTestDb() {
    dir_ = std::filesystem::temp_directory_path() /
           ("uplift_store_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "uplift.db").string();
  }
  ~SqliteTestDb() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string backend() const override { return "sqlite"; }
  std::string url() const override { return "sqlite:" + path_; }
  void exec_raw(const std::string& sql) override {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("sqlite: " + msg);
  }
  std::vector<std::vector<std::string>> query_raw(const std::string& sql) override {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      std::string msg = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error("sqlite: " + msg);
    }
    std::vector<std::vector<std::string>> rows;
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const auto* t = sqlite3_column_text(st, c);
        row.push_back(t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(st, c)) : "NULL");
      }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

class MysqlTestDb final : public TestDb {
 public:
  explicit MysqlTestDb(const std::string& base) {
    auto parsed = store::parse_mysql_url(base);
    if (!parsed.ok()) throw std::runtime_error(parsed.status().to_string());
    u_ = *parsed;
    u_.database = "uplift_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
    admin_.reset(sql::mysql::get_mysql_driver_instance()->connect(
        "tcp://" + u_.host + ":" + std::to_string(u_.port), u_.user, u_.password));
    std::unique_ptr<sql::Statement> s(admin_->createStatement());
    s->execute("DROP DATABASE IF EXISTS " + u_.database);
  }
  ~MysqlTestDb() override {
    try {
      std::unique_ptr<sql::Statement> s(admin_->createStatement());
      s->execute("DROP DATABASE IF EXISTS " + u_.database);
    } catch (...) {
    }
  }
  std::string backend() const override { return "mysql"; }
  std::string url() const override {
    std::string hosts;  // every node of a cluster URL, in order
    for (const auto& h : u_.hosts) hosts += (hosts.empty() ? "" : ",") + h.host + ":" + std::to_string(h.port);
    return "mysql://" + u_.user + ":" + u_.password + "@" + hosts + "/" + u_.database;
  }
  void exec_raw(const std::string& sql) override {
    std::unique_ptr<sql::Statement> s(admin_->createStatement());
    s->execute("CREATE DATABASE IF NOT EXISTS " + u_.database);
    admin_->setSchema(u_.database);
    s->execute(sql);
  }
  bool requires_primary_keys() override {
    std::unique_ptr<sql::Statement> s(admin_->createStatement());
    std::unique_ptr<sql::ResultSet> rs(s->executeQuery(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('wsrep_on', 'wsrep_mode')"));
    bool on = false, required = false;
    while (rs->next()) {
      std::string name = rs->getString(1).asStdString(), value = rs->getString(2).asStdString();
      if (name == "wsrep_on") on = value == "ON";
      if (name == "wsrep_mode") required = value.find("REQUIRED_PRIMARY_KEY") != std::string::npos;
    }
    return on && required;
  }
  std::vector<std::vector<std::string>> query_raw(const std::string& sql) override {
    admin_->setSchema(u_.database);
    std::unique_ptr<sql::Statement> s(admin_->createStatement());
    std::unique_ptr<sql::ResultSet> rs(s->executeQuery(sql));
    std::vector<std::vector<std::string>> rows;
    const unsigned cols = rs->getMetaData()->getColumnCount();
    while (rs->next()) {
      auto& row = rows.emplace_back();
      for (unsigned c = 1; c <= cols; ++c) row.push_back(rs->isNull(c) ? "NULL" : rs->getString(c).asStdString());
    }
    return rows;
  }
  const store::MysqlUrl& parts() const { return u_; }

 private:
  store::MysqlUrl u_;
  std::unique_ptr<sql::Connection> admin_;
};

}  // namespace

std::unique_ptr<Store> TestDb::open() {
  auto s = Store::open(url());
  REQUIRE_MESSAGE(s.ok(), s.status().to_string());
  return std::move(*s);
}

std::optional<std::string> mysql_base_url(std::string* why) {
  if (const char* env = std::getenv("UPLIFT_TEST_MYSQL"); env && *env) return std::string(env);
  const char* src = std::getenv("UPLIFT_SOURCE_DIR");
  std::filesystem::path root = src ? src : UPLIFT_SOURCE_DIR;
  std::ifstream in(root / "build" / "mariadb" / "env");
  std::string line;
  while (std::getline(in, line)) {
    constexpr std::string_view kKey = "UPLIFT_TEST_MYSQL=";
    if (line.rfind(kKey, 0) == 0) return line.substr(kKey.size());
  }
  if (why) *why = "neither $UPLIFT_TEST_MYSQL nor " + (root / "build/mariadb/env").string() + " is set";
  return std::nullopt;
}

std::unique_ptr<TestDb> make_sqlite_db() { return std::make_unique<SqliteTestDb>(); }
std::unique_ptr<TestDb> make_mysql_db(const std::string& base_url) { return std::make_unique<MysqlTestDb>(base_url); }

void for_each_backend(const std::function<void(TestDb&)>& body) {
  {
    auto db = make_sqlite_db();
    INFO("backend: sqlite (", db->url(), ")");
    body(*db);
  }
  std::string why;
  if (auto base = mysql_base_url(&why)) {
    std::unique_ptr<TestDb> db;
    try {
      db = make_mysql_db(*base);
    } catch (const std::exception& e) {
      FAIL("MySQL is configured (", store::redact_url(*base), ") but unreachable: ", e.what());
    }
    INFO("backend: mysql (", store::redact_url(db->url()), ")");
    body(*db);
  } else if (const char* ci = std::getenv("CI"); ci && std::string_view(ci) == "true") {
    FAIL("CI=true but no MySQL/MariaDB is configured (", why, "): the conformance suite must run on both backends");
  } else {
    static bool told = false;
    if (!told) MESSAGE("SKIPPED: MySQL/MariaDB conformance cases (", why, "; run tests/mariadb.sh start)");
    told = true;
  }
}

}  // namespace uplift::testing
