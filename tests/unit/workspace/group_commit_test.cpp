// Group commit (Workspace::ingest_concurrently): concurrent ingests are committed together, each
// answered with its own records' outcomes; the result equals committing them one by one; two
// batches upserting the same entity are never in one group (the later merges over the earlier).
#include <doctest/doctest.h>

#include <barrier>
#include <thread>

#include "support.h"

using namespace uplift;
using workspace_testing::group_created;

TEST_CASE("followers that queue behind a committing leader are committed as one group, each answered with its own outcomes") {
  const workspace_testing::ScratchConfig dir("group");
  auto ws = dir.open();
  Account acme;
  acme.id = "acme";
  acme.name = "Acme";
  std::vector<Record> first = {acme, group_created("e0", "acme", 0)};
  REQUIRE(ws->ingest_concurrently([&](const app::View&) { return std::span<const Record>(first); }).ok());
  const auto groups_before = ws->ingest_groups();

  // The leader's prepare holds the group open until 6 followers wait; each follower sends 3
  // events, one of them a duplicate of an event stored before (e0) or of another follower's.
  constexpr int kFollowers = 6;
  std::atomic<bool> release{false}, leading{false};
  std::vector<Record> lead = {group_created("lead", "acme", 1)};
  std::vector<std::vector<Record>> batches(kFollowers);
  for (int f = 0; f < kFollowers; ++f)
    batches[f] = {group_created("f" + std::to_string(f) + "a", "acme", 10 + f), group_created("f" + std::to_string(f) + "b", "acme", 20 + f),
                  f == 0 ? group_created("e0", "acme", 0) : group_created("f" + std::to_string(f - 1) + "a", "acme", 10 + f - 1)};
  std::vector<Result<app::IngestSummary>> results(kFollowers, Status::Internal("not run"));
  Result<app::IngestSummary> lead_result = Status::Internal("not run");
  std::thread leader([&] {
    lead_result = ws->ingest_concurrently([&](const app::View&) {
      leading = true;  // the leader is committing: whoever comes now waits for the next group
      while (!release.load()) std::this_thread::yield();
      return std::span<const Record>(lead);
    });
  });
  while (!leading.load()) std::this_thread::yield();
  std::vector<std::thread> followers;
  for (int f = 0; f < kFollowers; ++f)
    followers.emplace_back([&, f] { results[f] = ws->ingest_concurrently([&, f](const app::View&) { return std::span<const Record>(batches[f]); }); });
  while (ws->ingests_waiting() < kFollowers) std::this_thread::yield();
  release = true;
  leader.join();
  for (auto& t : followers) t.join();

  REQUIRE(lead_result.ok());
  CHECK(lead_result->inserted == 1);
  // Whichever order the followers queued in, exactly one copy of each event is new.
  std::size_t inserted = 0, duplicates = 0;
  for (int f = 0; f < kFollowers; ++f) {
    REQUIRE_MESSAGE(results[f].ok(), results[f].status().to_string());
    CHECK(results[f]->inserted + results[f]->duplicates == 3);
    inserted += results[f]->inserted;
    duplicates += results[f]->duplicates;
  }
  CHECK(inserted == 2 * kFollowers);
  CHECK(duplicates == kFollowers);
  // The leader's group held only itself (the followers came later); the followers are one group.
  CHECK(ws->ingest_groups() - groups_before == 2);
  CHECK(ws->view().data().events_of("acme").size() == 2 + 2 * kFollowers);
}

TEST_CASE("batches upserting the same account are committed in separate groups, in arrival order") {
  const workspace_testing::ScratchConfig dir("group");
  auto ws = dir.open();
  Account acme;
  acme.id = "acme";
  acme.name = "Acme";
  acme.plan = "starter";
  std::vector<Record> first = {acme};
  REQUIRE(ws->ingest_concurrently([&](const app::View&) { return std::span<const Record>(first); }).ok());
  const auto groups_before = ws->ingest_groups();

  std::atomic<bool> release{false}, leading{false};
  std::vector<Record> lead = {group_created("x", "acme", 1)};
  // Two followers rename and re-plan the account; each builds its record from the state its
  // prepare sees, as a partial upsert does: the second must see the first's change.
  std::vector<Record> renamed, replanned;
  auto upsert = [&](std::vector<Record>& out, auto change) {
    return [&, change](const app::View& view) {
      Account a = *view.data().account("acme");
      change(a);
      out = {a};
      return std::span<const Record>(out);
    };
  };
  // (Results are checked after the joins: a failed REQUIRE inside a thread would terminate.)
  Result<app::IngestSummary> lead_result = Status::Internal("not run"), ra = lead_result, rb = lead_result;
  std::thread leader([&] {
    lead_result = ws->ingest_concurrently([&](const app::View&) {
      leading = true;  // the leader is committing: whoever comes now waits for the next group
      while (!release.load()) std::this_thread::yield();
      return std::span<const Record>(lead);
    });
  });
  while (!leading.load()) std::this_thread::yield();
  std::thread a([&] { ra = ws->ingest_concurrently(upsert(renamed, [](Account& x) { x.name = "Acme Corp"; })); });
  while (ws->ingests_waiting() < 1) std::this_thread::yield();
  std::thread b([&] { rb = ws->ingest_concurrently(upsert(replanned, [](Account& x) { x.plan = "enterprise"; })); });
  while (ws->ingests_waiting() < 2) std::this_thread::yield();
  release = true;
  leader.join();
  a.join();
  b.join();
  REQUIRE(lead_result.ok());
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  CHECK(ws->ingest_groups() - groups_before == 3);  // the leader, then one group per upsert of acme
  const app::View view = ws->view();
  CHECK(view.data().account("acme")->name == "Acme Corp");
  CHECK(view.data().account("acme")->plan == "enterprise");
}

TEST_CASE("a prepare that throws fails only its own request; the rest of its group is committed") {
  const workspace_testing::ScratchConfig dir("group");
  auto ws = dir.open();
  std::atomic<bool> release{false}, leading{false};
  std::vector<Record> lead = {group_created("l1", "acme", 1)}, good = {group_created("g1", "acme", 2)};
  Result<app::IngestSummary> lead_result = Status::Internal("not run"), bad_result = lead_result, good_result = lead_result;
  std::thread leader([&] {
    lead_result = ws->ingest_concurrently([&](const app::View&) {
      leading = true;
      while (!release.load()) std::this_thread::yield();
      return std::span<const Record>(lead);
    });
  });
  while (!leading.load()) std::this_thread::yield();
  std::thread bad([&] {
    bad_result = ws->ingest_concurrently([](const app::View&) -> std::span<const Record> { throw std::runtime_error("prepare broke"); });
  });
  while (ws->ingests_waiting() < 1) std::this_thread::yield();
  std::thread fine([&] { good_result = ws->ingest_concurrently([&](const app::View&) { return std::span<const Record>(good); }); });
  while (ws->ingests_waiting() < 2) std::this_thread::yield();
  release = true;
  leader.join();
  bad.join();
  fine.join();  // nobody is left waiting
  REQUIRE(lead_result.ok());
  REQUIRE_FALSE(bad_result.ok());
  CHECK(bad_result.status().code() == Code::kInternal);
  CHECK(bad_result.status().message().find("prepare broke") != std::string::npos);
  // The request grouped with the failing one is committed all the same.
  REQUIRE_MESSAGE(good_result.ok(), good_result.status().to_string());
  CHECK(good_result->inserted == 1);
  // And the next ingest is served.
  auto after = ws->ingest_concurrently([&](const app::View&) { return std::span<const Record>(good); });
  REQUIRE_MESSAGE(after.ok(), after.status().to_string());
  CHECK(after->duplicates == 1);
}
