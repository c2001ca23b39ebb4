// Alerting inside the Workspace: an ingest that makes a rule hold writes one alert with its
// outbox entries and the account's episodes; a level that keeps holding raises nothing more; a
// second replica on the same database — starting later, or judging the same change from its
// catch-up with stale episodes — never raises the same episode again.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "alerts/outbox.h"
#include "support.h"

using namespace uplift;

namespace {

struct Fixture {
  const workspace_testing::ScratchConfig scratch{"alerting"};
  Timestamp as_of = 0;
  Fixture() {
    std::filesystem::create_directories(scratch.path / "triggers");
    scratch.write("triggers/t.json", R"({"triggers": [
      {"id": "champion_left", "when": {"champion_departed": {"roles": ["admin"], "within_days": 30}},
       "renewal_within_days": 90, "action": "map the stakeholders"}],
      "destinations": [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/hook",
                        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]})");
    as_of = start_of(*parse_date("2026-10-01"));
  }
  std::unique_ptr<app::Workspace> open() const {
    app::WorkspaceOptions wo;
    wo.as_of = as_of;
    return scratch.open(wo);
  }
  // Ingests, then judges what the ingest touched now (the alerting thread would within 250 ms).
  static std::size_t ingest(app::Workspace& ws, std::vector<Record> records) {
    auto r = ws.ingest_concurrently([&](const app::View&) { return std::span<const Record>(records); });
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    REQUIRE(ws.detect_pending().ok());
    return r->inserted + r->updated;
  }
  static std::vector<Document> docs(app::Workspace& ws, const char* collection) {
    std::vector<Document> out;
    REQUIRE(ws.store().scan_documents(collection, [&](const Document& d) { return out.push_back(d), true; }).ok());
    return out;
  }
  Account account(const std::string& id) const {
    Account a;
    a.id = id;
    a.name = id;
    a.csm = "maria";
    a.arr = 50000;
    a.renewal_date = date_of(as_of) + 40;
    return a;
  }
  Learner admin(const std::string& id, const std::string& account, std::optional<int> departed_days_ago) const {
    Learner l;
    l.id = id;
    l.account = account;
    l.role = "admin";
    l.created_at = as_of - 400LL * 86'400'000;
    if (departed_days_ago) l.departed_at = as_of - *departed_days_ago * 86'400'000LL;
    return l;
  }
};

}  // namespace

TEST_CASE("an ingest that makes a rule hold writes one alert, its delivery and the episode") {
  Fixture f;
  auto ws = f.open();
  std::atomic<int> woken{0};
  REQUIRE(ws->start_alerting([&] { ++woken; }).ok());
  Fixture::ingest(*ws, {f.account("a1"), f.admin("l1", "a1", std::nullopt)});
  CHECK(Fixture::docs(*ws, alerts::kAlerts).empty());
  Fixture::ingest(*ws, {f.admin("l1", "a1", 3)});  // the admin leaves
  auto fired = Fixture::docs(*ws, alerts::kAlerts);
  REQUIRE(fired.size() == 1);
  auto alert = nlohmann::json::parse(fired[0].body);
  CHECK(alert["rule"] == "champion_left");
  CHECK(alert["account"] == "a1");
  CHECK(alert["context"]["account"]["days_to_renewal"] == 40);
  auto outbox = Fixture::docs(*ws, alerts::kOutbox);
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0].key == fired[0].key + "|hook");
  CHECK(woken == 1);
  auto episodes = Fixture::docs(*ws, alerts::kEpisodes);
  REQUIRE(episodes.size() == 1);
  CHECK(nlohmann::json::parse(episodes[0].body)["champion_left"]["alerted"] == true);
  // Still holding: more records for the account raise nothing.
  Fixture::ingest(*ws, {f.admin("l2", "a1", std::nullopt)});
  CHECK(Fixture::docs(*ws, alerts::kAlerts).size() == 1);
  CHECK(ws->alerting_counts().fired == 1);
}

TEST_CASE("a replica starting later, or judging from catch-up with stale episodes, raises nothing twice") {
  Fixture f;
  auto first = f.open();
  auto second = f.open();  // both loaded before anything happened
  REQUIRE(first->start_alerting({}).ok());
  REQUIRE(second->start_alerting({}).ok());
  Fixture::ingest(*first, {f.account("a1"), f.account("a2"), f.admin("l1", "a1", 2), f.admin("l2", "a2", std::nullopt)});
  REQUIRE(Fixture::docs(*first, alerts::kAlerts).size() == 1);

  // The second replica sees the same records by catch-up; its episodes say nothing was raised.
  REQUIRE(second->catch_up_concurrently().ok());
  REQUIRE(second->detect_pending().ok());
  CHECK(Fixture::docs(*second, alerts::kAlerts).size() == 1);
  CHECK(second->alerting_counts().episode_conflicts >= 1);
  CHECK(second->alerting_counts().fired == 0);

  // A third process starting now reads the episodes: nothing new either.
  auto third = f.open();
  REQUIRE(third->start_alerting({}).ok());
  CHECK(third->alerting_counts().fired == 0);
  CHECK(Fixture::docs(*third, alerts::kAlerts).size() == 1);

  // A new departure, ingested by the second replica, is raised once.
  Fixture::ingest(*second, {f.admin("l2", "a2", 1)});
  CHECK(Fixture::docs(*second, alerts::kAlerts).size() == 2);
  REQUIRE(first->catch_up_concurrently().ok());
  REQUIRE(first->detect_pending().ok());
  CHECK(Fixture::docs(*first, alerts::kAlerts).size() == 2);
}

TEST_CASE("records committed without their alert (a crash in between) are judged at the next start") {
  Fixture f;
  {
    auto ws = f.open();  // alerting off: the records go in, nothing is judged — as if the process died
    Fixture::ingest(*ws, {f.account("a1"), f.admin("l1", "a1", 5)});
    CHECK(Fixture::docs(*ws, alerts::kAlerts).empty());
  }
  auto ws = f.open();
  REQUIRE(ws->start_alerting({}).ok());
  CHECK(Fixture::docs(*ws, alerts::kAlerts).size() == 1);
}

namespace {

// A workspace whose as-of is the latest fact (as `uplift serve` runs), with the given pauses
// between the alerting thread's passes over every account and between its passes over touched ones.
std::unique_ptr<app::Workspace> open_moving(const Fixture& f, std::int64_t full_pass_ms, std::int64_t min_gap_ms = 100) {
  app::WorkspaceOptions wo;
  wo.alert_full_pass_ms = full_pass_ms;
  wo.alert_min_gap_ms = min_gap_ms;
  return f.scratch.open(wo);
}

Event usage(const std::string& id, const std::string& account, Timestamp ts) {
  Event e;
  e.id = id;
  e.account = account;
  e.name = "login";
  e.ts = ts;
  return e;
}

bool has_alert_for(app::Workspace& ws, const std::string& account) {
  for (const auto& d : Fixture::docs(ws, alerts::kAlerts))
    if (nlohmann::json::parse(d.body)["account"] == account) return true;
  return false;
}

// Polls (the alerting thread works on its own) for at most a minute: a liveness bound, not a
// timing assertion.
template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 1200; ++i) {
    if (pred()) return true;
    ::usleep(50'000);
  }
  return pred();
}

// Two accounts renewing in `renewal_days` whose admins leave `departed_after` ms after the
// first as-of (negative: before it), with one event at the first as-of (the latest fact). Nothing
// holds yet: the departures are still to come, or the renewals are too far away.
void seed_two_accounts(const Fixture& f, app::Workspace& ws, int renewal_days, std::vector<Timestamp> departed_after) {
  std::vector<Record> records;
  for (int i = 0; i < 2; ++i) {
    const std::string id = "a" + std::to_string(i + 1);
    Account a = f.account(id);
    a.renewal_date = date_of(f.as_of) + renewal_days;
    records.push_back(a);
    Learner l = f.admin("l-" + id, id, std::nullopt);
    l.departed_at = f.as_of + departed_after[static_cast<std::size_t>(i)];
    records.push_back(l);
  }
  records.push_back(usage("e0", "a1", f.as_of));
  Fixture::ingest(ws, records);
  REQUIRE(Fixture::docs(ws, alerts::kAlerts).empty());
}

constexpr Timestamp kHour = 3'600'000, kDay = 86'400'000;

void ingest_usage_at(app::Workspace& ws, const std::string& id, Timestamp ts) {
  std::vector<Record> later = {usage(id, "a1", ts)};
  REQUIRE(ws.ingest_concurrently([&](const app::View&) { return std::span<const Record>(later); }).ok());
}

}  // namespace

TEST_CASE("within a day the alerting thread judges touched accounts at once and puts off the others") {
  Fixture f;
  auto ws = open_moving(f, /*full_pass_ms=*/3'600'000);  // no deferred pass comes within the test
  REQUIRE(ws->start_alerting({}).ok());
  seed_two_accounts(f, *ws, /*renewal_days=*/40, {1 * kHour, 2 * kHour});
  // An event for a1 three hours on (the same day): both admins have left by the new as-of.
  ingest_usage_at(*ws, "e1", f.as_of + 3 * kHour);
  REQUIRE(eventually([&] { return has_alert_for(*ws, "a1"); }));  // touched: judged by the thread
  CHECK_FALSE(has_alert_for(*ws, "a2"));                           // untouched: its pass is owed
  REQUIRE(ws->detect_pending().ok());                              // judging now includes everyone
  CHECK(has_alert_for(*ws, "a2"));
  CHECK(ws->alerting_counts().fired == 2);
}

TEST_CASE("the pass the alerting thread puts off still comes without another write") {
  Fixture f;
  auto ws = open_moving(f, /*full_pass_ms=*/300);
  REQUIRE(ws->start_alerting({}).ok());
  seed_two_accounts(f, *ws, /*renewal_days=*/40, {1 * kHour, 2 * kHour});
  ingest_usage_at(*ws, "e1", f.as_of + 3 * kHour);
  // No detect_pending(), no further write: the thread's own wake-ups give a2 its judgement.
  CHECK(eventually([&] { return has_alert_for(*ws, "a2"); }));
  CHECK(eventually([&] { return has_alert_for(*ws, "a1"); }));
}

TEST_CASE("when the as-of reaches a new day the alerting thread judges every account at once") {
  Fixture f;
  auto ws = open_moving(f, /*full_pass_ms=*/3'600'000);
  REQUIRE(ws->start_alerting({}).ok());
  // Both admins left yesterday; the renewals are 91 days away, one too many, until the day turns.
  seed_two_accounts(f, *ws, /*renewal_days=*/91, {-kDay, -kDay});
  ingest_usage_at(*ws, "e1", f.as_of + kDay + kHour);
  CHECK(eventually([&] { return has_alert_for(*ws, "a2"); }));  // untouched, judged without waiting
  CHECK(eventually([&] { return has_alert_for(*ws, "a1"); }));
}

TEST_CASE("under a stream of writes the alerting thread's passes are at least alert_min_gap_ms apart") {
  Fixture f;
  auto ws = open_moving(f, /*full_pass_ms=*/3'600'000, /*min_gap_ms=*/3'600'000);
  // Seeded before alerting starts, so no write has been judged by the thread yet.
  seed_two_accounts(f, *ws, /*renewal_days=*/40, {1 * kHour, 2 * kHour});
  REQUIRE(ws->start_alerting({}).ok());
  REQUIRE(ws->alerting_counts().passes == 0);
  // The first write after a quiet spell is judged without waiting (nothing holds yet).
  ingest_usage_at(*ws, "e0b", f.as_of);
  REQUIRE(eventually([&] { return ws->alerting_counts().passes == 1; }));
  // a1's admin has left by this event's as-of: the rule holds, but the next pass is an hour off.
  ingest_usage_at(*ws, "e1", f.as_of + 3 * kHour);
  ::usleep(500'000);  // a pass now would have found it; none may come within the gap
  CHECK(ws->alerting_counts().passes == 1);
  CHECK_FALSE(has_alert_for(*ws, "a1"));
  REQUIRE(ws->detect_pending().ok());  // judging now does not wait for the gap
  CHECK(has_alert_for(*ws, "a1"));
  CHECK(has_alert_for(*ws, "a2"));
}

TEST_CASE("a write held back by the gap is judged in the thread's next pass, without another write") {
  Fixture f;
  auto ws = open_moving(f, /*full_pass_ms=*/3'600'000, /*min_gap_ms=*/300);
  seed_two_accounts(f, *ws, /*renewal_days=*/40, {1 * kHour, 2 * kHour});
  REQUIRE(ws->start_alerting({}).ok());
  ingest_usage_at(*ws, "e0b", f.as_of);
  REQUIRE(eventually([&] { return ws->alerting_counts().passes == 1; }));
  ingest_usage_at(*ws, "e1", f.as_of + 3 * kHour);  // within 300 ms of the first pass, most likely
  CHECK(eventually([&] { return has_alert_for(*ws, "a1"); }));  // no detect_pending(), no write
  CHECK(eventually([&] { return ws->alerting_counts().passes == 2; }));  // counted once judged
}
