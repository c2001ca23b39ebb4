// Store::open's URL handling: scheme dispatch, MySQL URL parts, passwords never echoed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "store/store.h"
#include "store/url.h"

using namespace uplift;

TEST_CASE("store_scheme tells sqlite paths from URLs") {
  CHECK(store_scheme("sqlite:uplift.db") == "sqlite");
  CHECK(store_scheme("uplift.db") == "sqlite");
  CHECK(store_scheme("./data/uplift.db") == "sqlite");
  CHECK(store_scheme("/var/lib/uplift/uplift.db") == "sqlite");
  CHECK(store_scheme("mysql://u@h/db") == "mysql");
  CHECK(store_scheme("postgres://u@h/db") == "postgres");
}

TEST_CASE("an unknown scheme is refused without echoing the password") {
  auto s = Store::open("postgres://ana:s3cret@db.internal:5432/uplift");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kInvalidArgument);
  CHECK(s.status().message().find("postgres") != std::string::npos);
  CHECK(s.status().message().find("db.internal") != std::string::npos);
  CHECK(s.status().message().find("s3cret") == std::string::npos);
}

TEST_CASE("mysql URLs: parts, default port, password from the environment") {
  auto u = store::parse_mysql_url("mysql://ana:p%40ss@10.0.0.5:3307/uplift_prod");
  REQUIRE(u.ok());
  CHECK(u->user == "ana");
  CHECK(u->password == "p@ss");
  CHECK(u->host == "10.0.0.5");
  CHECK(u->port == 3307);
  CHECK(u->database == "uplift_prod");
  CHECK(u->redacted() == "mysql://ana@10.0.0.5:3307/uplift_prod");

  setenv("UPLIFT_DB_PASSWORD", "from-env", 1);
  auto e = store::parse_mysql_url("mysql://ana@db/uplift");
  unsetenv("UPLIFT_DB_PASSWORD");
  REQUIRE(e.ok());
  CHECK(e->password == "from-env");
  CHECK(e->port == 3306);

  for (const char* bad : {"mysql://ana:pw@db/upl-ift", "mysql://ana:pw@db/x;drop", "mysql://ana:pw@db:0/x",
                          "mysql://ana:pw@db", "mysql://db/x", "mysql://ana:pw@:3306/x", "mysql://ana:pw@a,,b/x",
                          "mysql://ana:pw@a:1,a:1/x", "mysql://ana:pw@a,b:x/x", "mysql://ana:pw@a,/x"}) {
    auto r = store::parse_mysql_url(bad);
    CHECK_MESSAGE(r.status().code() == Code::kInvalidArgument, bad);
    CHECK_MESSAGE(r.status().message().find(":pw@") == std::string::npos, r.status().message());
  }
}

TEST_CASE("mysql URLs with several hosts (the nodes of a Galera cluster), in order of preference") {
  auto u = store::parse_mysql_url("mysql://ana:pw@n1:3311,n2,10.0.0.7:3313/uplift");
  REQUIRE(u.ok());
  REQUIRE(u->hosts.size() == 3);
  CHECK(u->hosts[0] == store::MysqlHost{"n1", 3311});
  CHECK(u->hosts[1] == store::MysqlHost{"n2", 3306});
  CHECK(u->hosts[2] == store::MysqlHost{"10.0.0.7", 3313});
  CHECK(u->host == "n1");  // the first is the preferred one
  CHECK(u->port == 3311);
  CHECK(u->redacted() == "mysql://ana@n1:3311,n2:3306,10.0.0.7:3313/uplift");
  auto dup = store::parse_mysql_url("mysql://ana:pw@n1:3311,n1:3311/uplift");
  CHECK(dup.status().message().find("n1:3311 is named twice") != std::string::npos);
}

TEST_CASE("sqlite URLs: bare paths, options, unknown options refused") {
  CHECK(store::parse_sqlite_url("sqlite:/tmp/x.db")->path == "/tmp/x.db");
  CHECK(store::parse_sqlite_url("x.db")->path == "x.db");
  CHECK(store::parse_sqlite_url("sqlite:x.db?sync=normal")->sync == "normal");
  CHECK(store::parse_sqlite_url("sqlite:x.db")->sync == "full");
  CHECK(store::parse_sqlite_url("sqlite:x.db?fast=1").status().code() == Code::kInvalidArgument);
  CHECK(store::parse_sqlite_url("sqlite:").status().code() == Code::kInvalidArgument);
}

TEST_CASE("default_store_url: flag, then $UPLIFT_DB, then sqlite:uplift.db") {
  unsetenv("UPLIFT_DB");
  CHECK(default_store_url("") == "sqlite:uplift.db");
  setenv("UPLIFT_DB", "mysql://u@h/db", 1);
  CHECK(default_store_url("") == "mysql://u@h/db");
  CHECK(default_store_url("sqlite:x.db") == "sqlite:x.db");
  unsetenv("UPLIFT_DB");
}

TEST_CASE("sqlite: a missing directory or a file that is not a database is a clear error") {
  auto missing = Store::open("sqlite:/nonexistent-dir-uplift/x.db");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("/nonexistent-dir-uplift/x.db") != std::string::npos);

  auto path = std::filesystem::temp_directory_path() / ("uplift_notadb_" + std::to_string(getpid()));
  {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("this is a CSV file, not a database\nid,name\n1,a\n", f);
    std::fclose(f);
  }
  auto notdb = Store::open("sqlite:" + path.string());
  std::filesystem::remove(path);
  REQUIRE_FALSE(notdb.ok());
  CHECK(notdb.status().message().find(path.string()) != std::string::npos);
  CHECK(notdb.status().message().find("not a database") != std::string::npos);
}

TEST_CASE("mysql: an unreachable server is Unavailable, not a crash") {
  auto s = Store::open("mysql://uplift:pw@127.0.0.1:1/uplift");
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kUnavailable);
  CHECK(s.status().message().find("pw@") == std::string::npos);
}
