// Schema versioning on both backends: an old database is migrated on open, a newer one refused.
#include <doctest/doctest.h>

#include "fixtures.h"
#include "harness.h"

using namespace uplift;
using namespace uplift::testing;

TEST_CASE("opening a version-0 database migrates it and keeps what else it holds") {
  for_each_backend([](TestDb& db) {
    // A database from before versioning: a schema_version table saying 0 and an unrelated table
    // an operator added. Migration must bring the schema up and leave the rest alone.
    // (Such tables had no primary key; a cluster that requires one never held them.)
    const std::string pk = db.requires_primary_keys() ? " PRIMARY KEY" : "";
    db.exec_raw("CREATE TABLE schema_version (version INTEGER NOT NULL" + pk + ")");
    db.exec_raw("INSERT INTO schema_version (version) VALUES (0)");
    db.exec_raw("CREATE TABLE operator_notes (note VARCHAR(100)" + pk + ")");
    db.exec_raw("INSERT INTO operator_notes (note) VALUES ('keep me')");
    auto s = db.open();
    CHECK(*s->schema_version() == kSchemaVersion);
    auto w = s->write(std::vector<Record>{ev("e1"), account_of("acme")});
    REQUIRE_MESSAGE(w.ok(), w.status().to_string());
    CHECK(w->last_sequence == 2);
    // Opening again is a no-op migration.
    auto again = db.open();
    CHECK(*again->schema_version() == kSchemaVersion);
    CHECK(again->get(RecordKind::kEvent, "e1").ok());
    db.exec_raw("DELETE FROM operator_notes WHERE note = 'keep me'");  // throws if the table is gone
    if (db.backend() == "mysql") {  // schema_version gained a primary key (Galera requires one)
      auto keys = db.query_raw(
          "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() "
          "AND table_name = 'schema_version' AND index_name = 'PRIMARY'");
      CHECK(keys.at(0).at(0) == "1");
    }
  });
}

TEST_CASE("a database written by a newer uplift is refused") {
  for_each_backend([](TestDb& db) {
    {
      auto s = db.open();
      REQUIRE(s->write(std::vector<Record>{ev("e1")}).ok());
    }
    db.exec_raw("UPDATE schema_version SET version = " + std::to_string(kSchemaVersion + 7));
    auto s = Store::open(db.url());
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kFailedPrecondition);
    CHECK_MESSAGE(s.status().message().find("database was written by a newer uplift (schema " +
                                            std::to_string(kSchemaVersion + 7) + ", this build knows " +
                                            std::to_string(kSchemaVersion) + ")") != std::string::npos,
                  s.status().message());
  });
}
