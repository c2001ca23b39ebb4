// Test harness for the Store conformance suite: every case runs against each available backend
// through the Store interface only. SQLite always; MySQL/MariaDB when $UPLIFT_TEST_MYSQL or
// build/mariadb/env (written by tests/mariadb.sh start) names a server. Each case gets a fresh
// database (temp file, or a database uplift_test_<pid>_<n> that is dropped afterwards).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace uplift::testing {

// One fresh, empty database for one test case.
class TestDb {
 public:
  virtual ~TestDb() = default;
  virtual std::string backend() const = 0;  // "sqlite" | "mysql"
  virtual std::string url() const = 0;
  // Runs SQL directly against the database, bypassing the Store (for fixtures such as an old
  // schema). Throws std::runtime_error on failure.
  virtual void exec_raw(const std::string& sql) = 0;
  // Runs a query directly and returns every row, each column as text ("NULL" for null): for tests
  // that compare what is stored byte for byte. Throws std::runtime_error on failure.
  virtual std::vector<std::vector<std::string>> query_raw(const std::string& sql) = 0;
  // Whether the server refuses tables without a primary key (a Galera cluster with
  // wsrep_mode=REQUIRED_PRIMARY_KEY): fixtures of old schemas must then carry one.
  virtual bool requires_primary_keys() { return false; }
  std::unique_ptr<Store> open();  // Store::open(url()), failing the test case if it fails
};

// The MySQL base URL, or nullopt (with the reason in `why`) when no server is configured.
std::optional<std::string> mysql_base_url(std::string* why = nullptr);

std::unique_ptr<TestDb> make_sqlite_db();
std::unique_ptr<TestDb> make_mysql_db(const std::string& base_url);

// Runs body once per available backend (INFO names the backend). Reports once, via MESSAGE,
// that the MySQL cases were skipped when no server is configured.
void for_each_backend(const std::function<void(TestDb&)>& body);

}  // namespace uplift::testing
