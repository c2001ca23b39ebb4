// MySQL outage behaviour: while the server cannot be reached every call returns Unavailable
// (no crash, no exception, no half-written batch); when it is back, the store reconnects by
// itself. The outage is simulated with a TCP proxy between the store and the test server, so
// the shared server keeps running for other tests.
#include <doctest/doctest.h>

#include "fixtures.h"
#include "harness.h"
#include "store/url.h"
#include "tcp_proxy.h"

using namespace uplift;
using namespace uplift::testing;

TEST_CASE("mysql: an outage is Unavailable and the store reconnects by itself afterwards") {
  std::string why;
  auto base = mysql_base_url(&why);
  if (!base) {
    MESSAGE("SKIPPED: MySQL outage test (", why, ")");
    return;
  }
  auto db = make_mysql_db(*base);
  auto direct = store::parse_mysql_url(db->url());
  REQUIRE(direct.ok());
  TcpProxy proxy(direct->port);
  int port = proxy.start();
  store::MysqlUrl via = *direct;
  via.port = port;
  std::string url = "mysql://" + via.user + ":" + via.password + "@127.0.0.1:" + std::to_string(port) + "/" +
                    via.database;
  auto opened = Store::open(url);
  REQUIRE_MESSAGE(opened.ok(), opened.status().to_string());
  auto& s = **opened;
  REQUIRE(s.write(std::vector<Record>{ev("before"), account_of("acme")}).ok());

  proxy.stop();  // the cable is pulled: established connections die, new ones are refused
  std::vector<Record> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(ev("during-" + std::to_string(i)));
  auto w = s.write(batch);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == Code::kUnavailable);
  CHECK(w.status().message().find(via.password) == std::string::npos);
  CHECK(s.ping().code() == Code::kUnavailable);
  CHECK(s.get(RecordKind::kEvent, "before").status().code() == Code::kUnavailable);
  CHECK(s.counts().status().code() == Code::kUnavailable);
  CHECK(s.scan_since(0, 0, [](const StoredRecord&) { return true; }).code() == Code::kUnavailable);

  proxy.start(port);  // back again: the very next call works, with no reopen
  CHECK(s.ping().ok());
  auto again = s.write(batch);
  REQUIRE_MESSAGE(again.ok(), again.status().to_string());
  CHECK(again->outcomes == std::vector<WriteOutcome>(100, WriteOutcome::kInserted));
  CHECK(s.counts()->records[static_cast<std::size_t>(RecordKind::kEvent)] == 101);

  // A blip between two calls (pooled connections silently dead) is invisible to the caller.
  proxy.stop();
  proxy.start(port);
  CHECK(s.get(RecordKind::kEvent, "before").ok());
  CHECK(s.write(std::vector<Record>{ev("after-blip")}).ok());
}
