// Durability across a crash: a writer process killed with SIGKILL mid-stream loses nothing it
// was told was committed, and the database opens cleanly afterwards.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "harness.h"

using namespace uplift;
using namespace uplift::testing;

TEST_CASE("every batch acknowledged before a SIGKILL is there after reopening") {
  for_each_backend([](TestDb& db) {
    { auto init = db.open(); }  // create/migrate before forking
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      close(fds[0]);
      auto s = Store::open(db.url());
      if (!s.ok()) _exit(3);
      for (int b = 0;; ++b) {
        std::vector<Record> batch;
        for (int i = 0; i < 50; ++i) batch.push_back(ev("b" + std::to_string(b) + "-" + std::to_string(i)));
        batch.push_back(account_of("acme", "batch " + std::to_string(b)));
        if (!(*s)->write(batch).ok()) _exit(4);
        // Acknowledge only after write() returned: this is the HTTP 2xx moment.
        if (::write(fds[1], &b, sizeof b) != sizeof b) _exit(5);
      }
    }
    close(fds[1]);
    int acked = -1, b = 0;
    while (acked < 30 && read(fds[0], &b, sizeof b) == sizeof b) acked = b;
    kill(child, SIGKILL);
    while (read(fds[0], &b, sizeof b) == sizeof b) acked = b;  // acks written before the kill
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE_MESSAGE(acked >= 30, "child stopped early, status ", status);

    auto s = db.open();
    for (int i = 0; i <= acked; ++i) {
      CHECK_MESSAGE(s->get(RecordKind::kEvent, "b" + std::to_string(i) + "-49").ok(), "batch ", i);
    }
    auto c = s->counts();
    REQUIRE(c.ok());
    // Whole batches only: never a partial one.
    CHECK(c->records[static_cast<std::size_t>(RecordKind::kEvent)] % 50 == 0);
    CHECK(c->records[static_cast<std::size_t>(RecordKind::kEvent)] >= (acked + 1) * 50);
    auto seen = scan_all(*s);
    for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].seq > seen[i - 1].seq);
    CHECK(s->write(std::vector<Record>{ev("after-crash")}).ok());
  });
}
