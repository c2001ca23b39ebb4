// The Store conformance suite: the promises of store.h, checked identically on every backend.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "fixtures.h"
#include "harness.h"
#include "store/scan.h"

using namespace uplift;
using namespace uplift::testing;
using O = WriteOutcome;

namespace {
std::vector<O> outcomes(Store& s, std::vector<Record> batch, Sequence* last = nullptr) {
  auto r = s.write(batch);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  if (last) *last = r->last_sequence;
  return r->outcomes;
}
std::int64_t count_of(Store& s, RecordKind k) {
  auto c = s.counts();
  REQUIRE(c.ok());
  return c->records[static_cast<std::size_t>(k)];
}
}  // namespace

TEST_CASE("upsert: insert, identical re-upsert is a duplicate, a change is an update with a new seq") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    Sequence first = 0, again = 0, changed = 0;
    CHECK(outcomes(*s, {account_of("acme", "Acme")}, &first) == std::vector{O::kInserted});
    CHECK(first > 0);
    CHECK(outcomes(*s, {account_of("acme", "Acme")}, &again) == std::vector{O::kDuplicate});
    CHECK(again == 0);
    CHECK(*s->last_sequence() == first);
    CHECK(s->get(RecordKind::kAccount, "acme")->seq == first);
    CHECK(outcomes(*s, {account_of("acme", "Acme Corp")}, &changed) == std::vector{O::kUpdated});
    CHECK(changed > first);
    auto got = s->get(RecordKind::kAccount, "acme");
    REQUIRE(got.ok());
    CHECK(got->seq == changed);
    CHECK(std::get<Account>(got->record).name == "Acme Corp");
    CHECK(count_of(*s, RecordKind::kAccount) == 1);
  });
}

TEST_CASE("events are deduplicated by id and the first version wins") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    CHECK(outcomes(*s, {ev("e1", "acme", "first")}) == std::vector{O::kInserted});
    Sequence last = -1;
    CHECK(outcomes(*s, {ev("e1", "other", "second")}, &last) == std::vector{O::kDuplicate});
    CHECK(last == 0);
    auto got = s->get(RecordKind::kEvent, "e1");
    REQUIRE(got.ok());
    CHECK(std::get<Event>(got->record).name == "first");
    CHECK(std::get<Event>(got->record).account == "acme");
    CHECK(count_of(*s, RecordKind::kEvent) == 1);
  });
}

TEST_CASE("duplicates inside one batch are resolved in input order") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    auto out = outcomes(*s, {ev("e1", "acme", "first"), ev("e1", "acme", "second"), account_of("acme", "A"),
                             account_of("acme", "A"), account_of("acme", "B"), ev("e2")});
    CHECK(out == std::vector{O::kInserted, O::kDuplicate, O::kInserted, O::kDuplicate, O::kUpdated, O::kInserted});
    CHECK(std::get<Event>(s->get(RecordKind::kEvent, "e1")->record).name == "first");
    CHECK(std::get<Account>(s->get(RecordKind::kAccount, "acme")->record).name == "B");
    CHECK(count_of(*s, RecordKind::kEvent) == 2);
    CHECK(count_of(*s, RecordKind::kAccount) == 1);
    // The account's final seq is after e1's and before e2's.
    auto e1 = s->get(RecordKind::kEvent, "e1")->seq, a = s->get(RecordKind::kAccount, "acme")->seq,
         e2 = s->get(RecordKind::kEvent, "e2")->seq;
    CHECK(e1 < a);
    CHECK(a < e2);
  });
}

// Large runs of events are where a backend writes many rows per statement (bulk import): an
// entity among them, an id repeated a few rows later, an id stored before the batch must all come
// out exactly as they do one record at a time — outcomes, first version wins, gap-free sequence
// numbers in input order.
TEST_CASE("a large batch of events: duplicates anywhere in it are found and the rest numbered in order") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    Sequence stored = 0;
    outcomes(*s, {ev("run-stored", "acme", "first")}, &stored);
    std::vector<Record> batch;
    std::vector<O> expected;
    std::vector<std::string> want_order;  // keys in sequence order
    std::set<std::string> ids = {"run-stored"};
    auto add_event = [&](std::string id, std::string name, Timestamp ts) {
      bool is_new = ids.insert(id).second;
      expected.push_back(is_new ? O::kInserted : O::kDuplicate);
      if (is_new) want_order.push_back(id);
      batch.push_back(ev(std::move(id), "acme", std::move(name), ts));
    };
    for (int i = 0; i < 700; ++i) {
      if (i == 30) {  // an entity inside what would be a run of 64 events
        batch.push_back(account_of("acme-run"));
        expected.push_back(O::kInserted);
        want_order.push_back("acme-run");
      } else if (i == 50) {
        add_event("run-0040", "again", 1);  // the id of 10 rows earlier
      } else if (i == 400) {
        add_event("run-stored", "second", 1);  // stored before this batch
      } else if (i == 600) {
        add_event("run-0580", "again", 1);
      } else {
        add_event(fmt::format("run-{:04}", i), fmt::format("n{}", i % 7), 1000 + i);
      }
    }
    Sequence last = 0;
    CHECK(outcomes(*s, batch, &last) == expected);
    CHECK(last == stored + static_cast<Sequence>(want_order.size()));
    CHECK(count_of(*s, RecordKind::kEvent) == static_cast<std::int64_t>(ids.size()));
    CHECK(std::get<Event>(s->get(RecordKind::kEvent, "run-stored")->record).name == "first");
    CHECK(std::get<Event>(s->get(RecordKind::kEvent, "run-0040")->record).name == "n5");
    CHECK(std::get<Event>(s->get(RecordKind::kEvent, "run-0580")->record).name == "n6");
    std::vector<std::string> order;
    Sequence prev = stored;
    bool consecutive = true;
    REQUIRE(s->scan_since(stored, 0, [&](const StoredRecord& r) {
                 consecutive = consecutive && r.seq == prev + 1;
                 prev = r.seq;
                 order.push_back(record_key(r.record));
                 return true;
               }).ok());
    CHECK(consecutive);
    CHECK(order == want_order);
  });
}

// A database whose sequence counter lags behind its records (edited by hand, or restored apart
// from them) never loses a stored record to a new one's number: the write numbers past them.
// (On MySQL the first attempt meets a stored sequence, moves the counter past it and runs again:
// the path a Galera writer takes when another node's rows arrive before its own commit.)
TEST_CASE("a sequence counter behind the stored records never costs a stored record") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    std::vector<Record> first;
    for (int i = 0; i < 100; ++i) first.push_back(ev(fmt::format("old-{}", i)));
    first.push_back(account_of("acme", "Acme"));
    REQUIRE(s->write(first).ok());
    s.reset();
    db.exec_raw("UPDATE meta SET v = 10 WHERE k = 'seq'");
    s = db.open();
    std::vector<Record> more;
    for (int i = 0; i < 200; ++i) more.push_back(ev(fmt::format("new-{}", i)));
    more.push_back(account_of("acme", "Acme Corp"));
    auto w = s->write(more);
    REQUIRE_MESSAGE(w.ok(), w.status().to_string());
    for (int i = 0; i < 100; ++i) CHECK(s->get(RecordKind::kEvent, fmt::format("old-{}", i)).ok());
    CHECK(count_of(*s, RecordKind::kEvent) == 300);
    CHECK(s->get(RecordKind::kEvent, "new-0")->seq > 101);
    REQUIRE(w->previous_sequence.has_value());
    CHECK(*w->previous_sequence >= 101);
    CHECK(w->last_sequence == *w->previous_sequence + 201);
    CHECK(*s->last_sequence() == w->last_sequence);
    auto acme = s->get(RecordKind::kAccount, "acme");
    REQUIRE(acme.ok());
    CHECK(acme->seq == w->last_sequence);
  });
}

TEST_CASE("a large batch with one record that cannot be stored names it and stores nothing") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    std::vector<Record> batch;
    for (int i = 0; i < 300; ++i)
      batch.push_back(i == 170 ? ev("run-bad", "acme", "x", 1, {{"p", "\xff\xfe"}}) : ev(fmt::format("run-{}", i)));
    auto r = s->write(batch);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message().find("record 171") != std::string::npos);
    CHECK(r.status().message().find("run-bad") != std::string::npos);
    CHECK(count_of(*s, RecordKind::kEvent) == 0);
    CHECK(*s->last_sequence() == 0);
  });
}

TEST_CASE("every kind round-trips with all its fields") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    Account a = account_of("acme", "Acmé ✓", "upmarket");
    a.plan = "enterprise";
    a.csm = "ana";
    a.arr = 120000.5;
    a.renewal_date = 20'700;
    a.created_at = 1'700'000'000'123;
    a.audience = Audience::kPartner;
    Learner l = lrn("u1");
    l.email = "u1@acme.test";
    l.access_level = "full";
    l.created_at = 1'700'000'000'000;
    l.audience = Audience::kTrial;
    Event e = ev("msg-1", "acme", "group_created", 1'767'225'600'250,
                 {{"group_id", "g7"}, {"nested", {{"n", 3}}}, {"emoji", "🚀"}});
    e.learner = "u1";
    e.qty = 2.5;
    Completion c;
    c.learner = "u1";
    c.content = "course-101";
    c.ts = 1'767'225'700'000;
    c.status = CompletionStatus::kPassed;
    c.score = 0.92;
    Completion c2 = c;
    c2.id = "stmt-9";
    Attendance at;
    at.learner = "u1";
    at.program = "accel";
    at.session = 2;
    at.ts = 1'767'225'800'000;
    at.cohort = "2026Q1";
    at.attended = false;
    ArrSnapshot arr{"acme", 20'500, 99000};
    Renewal rn{"acme", 20'600, RenewalOutcome::kExpanded, 99000.0, 130000.0};
    std::vector<Record> all = {a, l, e, c, c2, at, arr, rn};
    auto out = outcomes(*s, all);
    CHECK(out == std::vector<O>(all.size(), O::kInserted));
    for (const Record& r : all) {
      auto got = s->get(kind_of(r), record_key(r));
      REQUIRE_MESSAGE(got.ok(), got.status().to_string());
      CHECK_MESSAGE(got->record == r, kind_name(kind_of(r)));
    }
    // Writing the same records again changes nothing.
    CHECK(outcomes(*s, all) == std::vector<O>(all.size(), O::kDuplicate));
    auto c_all = s->counts();
    REQUIRE(c_all.ok());
    CHECK(c_all->records == std::array<std::int64_t, kRecordKindCount>{1, 1, 1, 2, 1, 1, 1});
  });
}

TEST_CASE("ids are compared exactly: case and Unicode matter") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    auto out = outcomes(*s, {ev("A"), ev("a"), ev("é"), ev("e\xcc\x81"), account_of("X"), account_of("x"), account_of("x ")});
    CHECK(out == std::vector<O>(7, O::kInserted));
    CHECK(count_of(*s, RecordKind::kEvent) == 4);
    CHECK(count_of(*s, RecordKind::kAccount) == 3);
  });
}

TEST_CASE("sequence numbers grow strictly and scan_since replays in order") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    // More than one scan page, interleaving both tables, so page merging is exercised.
    std::vector<Record> batch;
    for (int i = 0; i < 5000; ++i) {
      if (i % 3 == 0)
        batch.push_back(lrn("u" + std::to_string(i)));
      else
        batch.push_back(ev("e" + std::to_string(i)));
    }
    Sequence last = 0;
    outcomes(*s, std::vector<Record>(batch.begin(), batch.begin() + 3000), &last);
    outcomes(*s, std::vector<Record>(batch.begin() + 3000, batch.end()), &last);
    CHECK(*s->last_sequence() == last);
    auto seen = scan_all(*s);
    REQUIRE(seen.size() == batch.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      CHECK(seen[i].record == batch[i]);
      if (i > 0) CHECK(seen[i].seq > seen[i - 1].seq);
    }
    CHECK(seen.back().seq == last);

    // after, limit and early stop
    auto tail = scan_all(*s, seen[4199].seq);
    REQUIRE(tail.size() == 800);
    CHECK(tail.front().seq == seen[4200].seq);
    auto limited = scan_all(*s, seen[10].seq, 7);
    REQUIRE(limited.size() == 7);
    CHECK(limited.back().seq == seen[17].seq);
    int visited = 0;
    REQUIRE(s->scan_since(0, 0, [&](const StoredRecord&) { return ++visited < 3; }).ok());
    CHECK(visited == 3);
    CHECK(scan_all(*s, last).empty());

    // An update moves the record to the end of the log.
    outcomes(*s, {lrn("u0", "acme", "manager")});
    auto after = scan_all(*s, last);
    REQUIRE(after.size() == 1);
    CHECK(std::get<Learner>(after[0].record).role == "manager");
    CHECK(scan_all(*s).size() == batch.size());
  });
}

TEST_CASE("scan_kind visits one kind in sequence order") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    outcomes(*s, {lrn("u2"), ev("e1"), account_of("acme"), lrn("u1"), ev("e2"), lrn("u3")});
    std::vector<std::string> ids;
    Sequence prev = 0;
    REQUIRE(s->scan_kind(RecordKind::kLearner, [&](const StoredRecord& r) {
               CHECK(r.seq > prev);
               prev = r.seq;
               ids.push_back(std::get<Learner>(r.record).id);
               return true;
             }).ok());
    CHECK(ids == std::vector<std::string>{"u2", "u1", "u3"});
    std::vector<std::string> events;
    REQUIRE(s->scan_kind(RecordKind::kEvent, [&](const StoredRecord& r) {
               events.push_back(std::get<Event>(r.record).id);
               return true;
             }).ok());
    CHECK(events == std::vector<std::string>{"e1", "e2"});
    int renewals = 0;
    REQUIRE(s->scan_kind(RecordKind::kRenewal, [&](const StoredRecord&) { return ++renewals > 0; }).ok());
    CHECK(renewals == 0);
  });
}

TEST_CASE("scan_events_named visits the events of one name, whole, in sequence order") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    outcomes(*s, {ev("e1", "acme", "login"), ev("e2", "beta", "data_manager_edit", 5, {{"field", "x"}}), lrn("u1"),
                  ev("e3", "acme", "data_manager_edit"), ev("e2", "acme", "data_manager_edit"),  // a duplicate id
                  ev("e4", "acme", "data_manager_edits")});
    std::vector<std::string> ids;
    Sequence prev = 0;
    REQUIRE(s->scan_events_named("data_manager_edit", [&](const StoredRecord& r) {
               CHECK(r.seq > prev);
               prev = r.seq;
               const auto& e = std::get<Event>(r.record);
               CHECK(e.name == "data_manager_edit");
               if (e.id == "e2") {
                 CHECK(e.account == "beta");  // the first version wins
                 CHECK(e.ts == 5);
                 CHECK(e.props == nlohmann::json{{"field", "x"}});
               }
               ids.push_back(e.id);
               return true;
             }).ok());
    CHECK(ids == std::vector<std::string>{"e2", "e3"});
    int seen = 0;
    REQUIRE(s->scan_events_named("data_manager_edit", [&](const StoredRecord&) { return ++seen < 1; }).ok());
    CHECK(seen == 1);  // the visitor stops the scan
    REQUIRE(s->scan_events_named("DATA_MANAGER_EDIT", [&](const StoredRecord&) { return ++seen > 0; }).ok());
    REQUIRE(s->scan_events_named("", [&](const StoredRecord&) { return ++seen > 0; }).ok());
    CHECK(seen == 1);  // names are compared exactly
  });
}

TEST_CASE("scan_event_times visits (account, ts) of one event name in sequence order, across pages") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    // More matching events than one page holds (kTimesPage), interleaved with other names and
    // a duplicate id, so paging resumes after the right sequence number.
    const int matching = static_cast<int>(store::kTimesPage) + 37;
    std::vector<Record> batch;
    std::vector<std::pair<std::string, Timestamp>> expected;
    for (int i = 0; i < matching; ++i) {
      std::string account = "acct-" + std::to_string(i % 97);
      Timestamp ts = 1'767'225'600'000 + (i * 7919 % 100'000) * 1000;
      batch.push_back(ev("m" + std::to_string(i), account, "data_manager_edit", ts));
      expected.emplace_back(account, ts);
      if (i % 5 == 0) batch.push_back(ev("o" + std::to_string(i), account, "data_manager_edits", ts));
    }
    batch.push_back(ev("m3", "other", "data_manager_edit", 1));  // a duplicate id: not stored again
    outcomes(*s, batch);
    std::vector<std::pair<std::string, Timestamp>> seen;
    REQUIRE(s->scan_event_times("data_manager_edit", [&](std::string_view account, Timestamp ts) {
               seen.emplace_back(std::string(account), ts);
               return true;
             }).ok());
    CHECK(seen.size() == expected.size());
    CHECK(seen == expected);
    // The backend's projection agrees with the interface's default (scan_events_named).
    std::vector<std::pair<std::string, Timestamp>> whole;
    REQUIRE(s->Store::scan_event_times("data_manager_edit", [&](std::string_view account, Timestamp ts) {
               whole.emplace_back(std::string(account), ts);
               return true;
             }).ok());
    CHECK(whole == expected);
    int visits = 0;
    REQUIRE(s->scan_event_times("data_manager_edit", [&](std::string_view, Timestamp) { return ++visits < 3; }).ok());
    CHECK(visits == 3);  // the visitor stops the scan
    REQUIRE(s->scan_event_times("DATA_MANAGER_EDIT", [&](std::string_view, Timestamp) { return ++visits > 0; }).ok());
    REQUIRE(s->scan_event_times("nothing", [&](std::string_view, Timestamp) { return ++visits > 0; }).ok());
    CHECK(visits == 3);  // names are compared exactly
  });
}

TEST_CASE("scan_event_times_of visits several names in one pass, each in sequence order, across pages") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    const std::vector<std::string> names = {"data_manager_edit", "ai_review_run", "nothing_stored"};
    std::vector<Record> batch;
    std::vector<std::vector<std::pair<std::string, Timestamp>>> expected(names.size());
    const int n = static_cast<int>(store::kTimesPage) + 53;
    for (int i = 0; i < n; ++i) {
      std::string account = "acct-" + std::to_string(i % 31);
      Timestamp ts = 1'767'225'600'000 + (i * 7919 % 100'000) * 1000;
      const std::size_t which = i % 3 == 0 ? 1 : 0;
      batch.push_back(ev("t" + std::to_string(i), account, names[which], ts));
      expected[which].emplace_back(account, ts);
      if (i % 4 == 0) batch.push_back(ev("x" + std::to_string(i), account, "data_manager_edits", ts));
    }
    outcomes(*s, batch);
    auto collect = [&](auto&& scan) {
      std::vector<std::vector<std::pair<std::string, Timestamp>>> seen(names.size());
      REQUIRE(scan([&](std::size_t i, std::string_view account, Timestamp ts) {
                REQUIRE(i < names.size());
                seen[i].emplace_back(std::string(account), ts);
                return true;
              }).ok());
      return seen;
    };
    CHECK(collect([&](const auto& v) { return s->scan_event_times_of(names, v); }) == expected);
    // The backend agrees with the interface's default (each name in turn).
    CHECK(collect([&](const auto& v) { return s->Store::scan_event_times_of(names, v); }) == expected);
    // One name, and no names.
    const std::vector<std::string> one = {names[1]};
    auto only = collect([&](const auto& v) { return s->scan_event_times_of(one, v); });
    CHECK(only[0] == expected[1]);
    int visits = 0;
    REQUIRE(s->scan_event_times_of({}, [&](std::size_t, std::string_view, Timestamp) { return ++visits > 0; }).ok());
    CHECK(visits == 0);
    REQUIRE(s->scan_event_times_of(names, [&](std::size_t, std::string_view, Timestamp) { return ++visits < 5; }).ok());
    CHECK(visits == 5);  // the visitor stops the scan
  });
}

TEST_CASE("scan_learners_with_roles visits exactly the current learners of the given roles, across pages") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    // More learners than one page holds, roles that need JSON escapes or are not ASCII, roles that
    // only contain a wanted one, and learners whose role changed after they were first written.
    const std::vector<std::string> roles = {"admin", "le\"gal", "r\u00f4le", "tab\there"};
    const std::vector<std::string> others = {"admin2", "Admin", "", "legal", "viewer"};
    std::vector<Record> batch;
    std::set<std::string> expected;
    const int n = static_cast<int>(store::kScanPage) + 37;
    for (int i = 0; i < n; ++i) {
      Learner l;
      l.id = "u" + std::to_string(i * 7919 % n);  // key order differs from write order
      l.account = "acct-" + std::to_string(i % 13);
      l.email = i % 11 == 0 ? "\"admin\"@example.com" : "x@example.com";  // the role's text elsewhere
      const bool wanted = i % 3 == 0;
      l.role = wanted ? roles[static_cast<std::size_t>(i) % roles.size()] : others[static_cast<std::size_t>(i) % others.size()];
      if (wanted) expected.insert(l.id);
      batch.push_back(l);
    }
    outcomes(*s, batch);
    // Changes: a wanted learner loses its role, another gains one.
    Learner lost = std::get<Learner>(batch[0]), gained = std::get<Learner>(batch[1]);
    lost.role = "viewer";
    gained.role = "admin";
    expected.erase(lost.id);
    expected.insert(gained.id);
    outcomes(*s, {lost, gained});
    std::set<std::string> seen;
    std::size_t visits = 0;
    REQUIRE(s->scan_learners_with_roles(roles, [&](const StoredRecord& r) {
               const auto& l = std::get<Learner>(r.record);
               CHECK(std::find(roles.begin(), roles.end(), l.role) != roles.end());
               seen.insert(l.id);
               ++visits;
               return true;
             }).ok());
    CHECK(visits == expected.size());  // each once
    CHECK(seen == expected);
    // The backend agrees with the interface's default (scan_kind filtered).
    std::set<std::string> whole;
    REQUIRE(s->Store::scan_learners_with_roles(roles, [&](const StoredRecord& r) {
               whole.insert(std::get<Learner>(r.record).id);
               return true;
             }).ok());
    CHECK(whole == expected);
    visits = 0;
    REQUIRE(s->scan_learners_with_roles(roles, [&](const StoredRecord&) { return ++visits < 3; }).ok());
    CHECK(visits == 3);  // the visitor stops the scan
    REQUIRE(s->scan_learners_with_roles({}, [&](const StoredRecord&) { return ++visits > 0; }).ok());
    CHECK(visits == 3);  // no roles, no learners
  });
}

TEST_CASE("scan_kind_by_key visits each current record of the kind once, as scan_kind does, in key order") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    // More than a page of learners and completions, written out of key order, with keys that are
    // prefixes of each other ("u1", "u10") or not ASCII; then some rewritten (new seq, new body).
    const int n = static_cast<int>(store::kScanPage) + 101;
    std::vector<Record> batch;
    for (int i = 0; i < n; ++i) {
      const int k = i * 7919 % n;
      Learner l = lrn(k % 5 == 0 ? fmt::format("\u00fc{}", k) : fmt::format("u{}", k), fmt::format("acct-{}", k % 17));
      batch.push_back(l);
      Completion c;
      if (k % 3 == 0) c.id = fmt::format("stmt-{}", k);
      c.learner = l.id;
      c.content = fmt::format("course-{}", k % 7);
      c.ts = 1'767'225'600'000 + k;
      c.status = CompletionStatus::kCompleted;
      batch.push_back(c);
      if (k % 40 == 0) batch.push_back(ArrSnapshot{l.account, 20'000 + k, 1000.0 * k});
    }
    for (int i = 0; i < 30; ++i) batch.push_back(account_of(fmt::format("acct-{}", i % 17), fmt::format("A{}", i)));
    batch.push_back(ev("e1"));
    // Exactly one page of attendance: the last page is full, and the next one is empty.
    for (int i = 0; i < static_cast<int>(store::kScanPage); ++i) {
      Attendance at;
      at.learner = fmt::format("u{}", i % 50);
      at.program = "accel";
      at.session = i / 50 + 1;
      at.ts = 1'767'225'800'000 + i;
      at.cohort = "2026Q1";
      batch.push_back(at);
    }
    outcomes(*s, batch);
    Learner moved = lrn("u10", "acct-elsewhere");
    outcomes(*s, {moved, account_of("acct-3", "renamed")});

    for (RecordKind kind : kAllRecordKinds) {
      CAPTURE(kind_name(kind));
      std::map<Sequence, Record> by_seq;
      REQUIRE(s->scan_kind(kind, [&](const StoredRecord& r) {
                 by_seq.emplace(r.seq, r.record);
                 return true;
               }).ok());
      std::map<Sequence, Record> by_key;
      std::vector<std::string> keys;
      std::size_t visits = 0;
      REQUIRE(s->scan_kind_by_key(kind, [&](const StoredRecord& r) {
                 CHECK(kind_of(r.record) == kind);
                 by_key.emplace(r.seq, r.record);
                 keys.push_back(record_key(r.record));
                 ++visits;
                 return true;
               }).ok());
      CHECK(visits == by_seq.size());  // each once
      CHECK(by_key == by_seq);         // the same records, with their current seq
      if (kind != RecordKind::kEvent) CHECK(std::is_sorted(keys.begin(), keys.end()));  // bytes: both backends
    }
    CHECK(std::get<Learner>(s->get(RecordKind::kLearner, "u10")->record).account == "acct-elsewhere");
    std::size_t attendance = 0;
    REQUIRE(s->scan_kind_by_key(RecordKind::kAttendance, [&](const StoredRecord&) { return ++attendance > 0; }).ok());
    CHECK(attendance == store::kScanPage);
    std::size_t visits = 0;
    REQUIRE(s->scan_kind_by_key(RecordKind::kLearner, [&](const StoredRecord&) { return ++visits < 3; }).ok());
    CHECK(visits == 3);  // the visitor stops the scan
    // The interface's default (scan_kind) is a valid order too.
    visits = 0;
    REQUIRE(s->Store::scan_kind_by_key(RecordKind::kCompletion, [&](const StoredRecord&) { return ++visits > 0; }).ok());
    CHECK(visits == static_cast<std::size_t>(n));
  });
}

TEST_CASE("get reports NotFound for absent keys") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    outcomes(*s, {ev("e1"), account_of("acme")});
    CHECK(s->get(RecordKind::kEvent, "nope").status().code() == Code::kNotFound);
    CHECK(s->get(RecordKind::kAccount, "e1").status().code() == Code::kNotFound);
    CHECK(s->get(RecordKind::kLearner, "acme").status().code() == Code::kNotFound);
    CHECK(s->get(RecordKind::kEvent, "e1").ok());
  });
}

TEST_CASE("documents: put replaces, get, delete, scan in key order per collection") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    REQUIRE(s->put_document({"keys", "k2", R"({"scope":"admin"})", 1000}).ok());
    REQUIRE(s->put_document({"keys", "k1", R"({"scope":"lms"})", 1001}).ok());
    REQUIRE(s->put_document({"cohorts", "c1", R"({"n":1})", 0}).ok());
    REQUIRE(s->put_document({"keys", "k2", R"({"scope":"ingest"})", 2000}).ok());
    auto k2 = s->get_document("keys", "k2");
    REQUIRE(k2.ok());
    CHECK(k2->body == R"({"scope":"ingest"})");
    CHECK(k2->updated_at == 2000);
    CHECK(s->get_document("cohorts", "c1")->updated_at > 0);  // 0 means "now"
    CHECK(s->get_document("keys", "c1").status().code() == Code::kNotFound);
    std::vector<std::string> keys;
    REQUIRE(s->scan_documents("keys", [&](const Document& d) {
               CHECK(d.collection == "keys");
               keys.push_back(d.key);
               return true;
             }).ok());
    CHECK(keys == std::vector<std::string>{"k1", "k2"});
    CHECK(*s->document_collections() == std::vector<std::string>{"cohorts", "keys"});
    REQUIRE(s->delete_document("keys", "k1").ok());
    REQUIRE(s->delete_document("keys", "never-there").ok());
    CHECK(s->get_document("keys", "k1").status().code() == Code::kNotFound);
    auto c = s->counts();
    REQUIRE(c.ok());
    CHECK(c->documents == 2);
    // Documents are not records: they take no sequence numbers.
    CHECK(*s->last_sequence() == 0);
  });
}

TEST_CASE("put_documents upserts a whole batch in one transaction") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    REQUIRE(s->put_documents({}).ok());
    std::vector<Document> batch;
    for (int i = 0; i < 300; ++i)
      batch.push_back({"state", fmt::format("acct-{:03}", i), fmt::format(R"({{"n":{}}})", i), 1000 + i});
    REQUIRE(s->put_documents(batch).ok());
    batch[7].body = R"({"n":"changed"})";
    REQUIRE(s->put_documents(std::span<const Document>(batch).subspan(5, 5)).ok());
    CHECK(s->get_document("state", "acct-007")->body == R"({"n":"changed"})");
    CHECK(s->get_document("state", "acct-299")->updated_at == 1299);
    std::size_t n = 0;
    REQUIRE(s->scan_documents("state", [&](const Document&) { return ++n, true; }).ok());
    CHECK(n == 300);
    CHECK(*s->last_sequence() == 0);
  });
}

TEST_CASE("put_document_if writes only over the version it was given") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    auto body = [&](const char* key) { return s->get_document("cas", key)->body; };
    // Absent expected: creates, once.
    CHECK(*s->put_document_if({"cas", "k", "v1", 1}, std::nullopt));
    CHECK(body("k") == "v1");
    CHECK_FALSE(*s->put_document_if({"cas", "k", "other", 2}, std::nullopt));
    CHECK(body("k") == "v1");
    // A stale version loses; the current one wins.
    CHECK_FALSE(*s->put_document_if({"cas", "k", "v2", 3}, std::string("v0")));
    CHECK(body("k") == "v1");
    CHECK(*s->put_document_if({"cas", "k", "v2", 4}, std::string("v1")));
    CHECK(body("k") == "v2");
    CHECK(s->get_document("cas", "k")->updated_at == 4);
    // Expecting a document that is not there loses too.
    CHECK_FALSE(*s->put_document_if({"cas", "absent", "x", 5}, std::string("v1")));
    CHECK(s->get_document("cas", "absent").status().code() == Code::kNotFound);
  });
}

TEST_CASE("put_document_if: of writers racing from the same version, exactly one wins") {
  for_each_backend([](TestDb& db) {
    constexpr int kWriters = 6;
    // Each writer has its own Store, as separate processes would.
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < kWriters; ++i) stores.push_back(db.open());
    for (const std::optional<std::string>& from : {std::optional<std::string>(), std::optional<std::string>("0")}) {
      if (from) REQUIRE(stores[0]->put_document({"race", "k", "0", 1}).ok());
      std::atomic<int> wins{0}, errors{0};
      std::vector<std::thread> threads;
      for (int i = 0; i < kWriters; ++i)
        threads.emplace_back([&, i] {
          auto r = stores[static_cast<std::size_t>(i)]->put_document_if(
              {"race", from ? "k" : "new", fmt::format("writer {}", i), 2}, from);
          if (!r.ok()) ++errors;
          else if (*r) ++wins;
        });
      for (auto& t : threads) t.join();
      CHECK(errors == 0);
      CHECK(wins == 1);
    }
  });
}

TEST_CASE("apply_documents: writes and deletes together, only while every expectation holds") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    REQUIRE(s->put_documents(std::vector<Document>{{"ep", "a", "1", 1}, {"out", "x", "pending", 1}}).ok());
    auto has = [&](const char* c, const char* k) { return s->get_document(c, k).ok(); };
    // One stale expectation among good ones: nothing is written or deleted.
    Store::DocumentChanges stale{{{"ep", "a", std::string("1")}, {"ep", "b", std::string("9")}},
                                 {{"ep", "a", "2", 2}, {"alerts", "n1", "{}", 2}},
                                 {{"out", "x"}}};
    CHECK_FALSE(*s->apply_documents(stale));
    CHECK(s->get_document("ep", "a")->body == "1");
    CHECK_FALSE(has("alerts", "n1"));
    CHECK(has("out", "x"));
    // Every expectation holds (b is expected absent): all of it happens.
    Store::DocumentChanges good{{{"ep", "a", std::string("1")}, {"ep", "b", std::nullopt}},
                                {{"ep", "a", "2", 2}, {"ep", "b", "1", 2}, {"alerts", "n1", "{}", 2}},
                                {{"out", "x"}, {"out", "never-there"}}};
    CHECK(*s->apply_documents(good));
    CHECK(s->get_document("ep", "a")->body == "2");
    CHECK(s->get_document("ep", "b")->body == "1");
    CHECK(has("alerts", "n1"));
    CHECK_FALSE(has("out", "x"));
    // The same change again is stale now.
    CHECK_FALSE(*s->apply_documents(good));
    // No expectations: a plain atomic write and delete.
    CHECK(*s->apply_documents({{}, {{"out", "y", "p", 3}}, {{"alerts", "n1"}}}));
    CHECK(has("out", "y"));
    CHECK_FALSE(has("alerts", "n1"));
  });
}

TEST_CASE("apply_documents: of writers racing on the same expected documents, exactly one wins") {
  for_each_backend([](TestDb& db) {
    constexpr int kWriters = 6;
    std::vector<std::unique_ptr<Store>> stores;
    for (int i = 0; i < kWriters; ++i) stores.push_back(db.open());
    REQUIRE(stores[0]->put_document({"ep", "k1", "0", 1}).ok());
    std::atomic<int> wins{0}, errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i)
      threads.emplace_back([&, i] {
        Store::DocumentChanges ch{{{"ep", "k1", std::string("0")}, {"ep", "k2", std::nullopt}},
                                  {{"ep", "k1", fmt::format("{}", i + 1), 2},
                                   {"ep", "k2", "1", 2},
                                   {"alerts", fmt::format("by-{}", i), "{}", 2}},
                                  {}};
        auto r = stores[static_cast<std::size_t>(i)]->apply_documents(ch);
        if (!r.ok()) ++errors;
        else if (*r) ++wins;
      });
    for (auto& t : threads) t.join();
    CHECK(errors == 0);
    CHECK(wins == 1);
    int alerts = 0;
    REQUIRE(stores[0]->scan_documents("alerts", [&](const Document&) { return ++alerts, true; }).ok());
    CHECK(alerts == 1);
  });
}

TEST_CASE("counts, schema_version, ping and describe") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    outcomes(*s, {ev("e1"), ev("e2"), account_of("a"), lrn("l"), ArrSnapshot{"a", 20000, 5}});
    auto c = s->counts();
    REQUIRE(c.ok());
    CHECK(c->records == std::array<std::int64_t, kRecordKindCount>{1, 1, 2, 0, 0, 1, 0});
    CHECK(c->documents == 0);
    CHECK(*s->schema_version() == kSchemaVersion);
    CHECK(s->ping().ok());
    CHECK(s->describe().find(db.backend()) == 0);
    if (db.backend() == "mysql") CHECK(s->describe().find("uplift-test") == std::string::npos);
  });
}

TEST_CASE("a batch that fails part-way leaves nothing behind") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    outcomes(*s, {ev("before")});
    Sequence before = *s->last_sequence();
    // Props holding a string that is not UTF-8 cannot be stored as JSON text.
    std::vector<Record> batch = {ev("ok-1"), account_of("acme"), ev("bad", "acme", "x", 1, {{"p", "\xff\xfe"}}),
                                 ev("ok-2")};
    auto r = s->write(batch);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message().find("bad") != std::string::npos);
    CHECK(s->get(RecordKind::kEvent, "ok-1").status().code() == Code::kNotFound);
    CHECK(s->get(RecordKind::kAccount, "acme").status().code() == Code::kNotFound);
    CHECK(*s->last_sequence() == before);
    CHECK(count_of(*s, RecordKind::kEvent) == 1);
    // The store is still usable afterwards and the sequence continues from where it was.
    Sequence next = 0;
    outcomes(*s, {ev("ok-1")}, &next);
    CHECK(next == before + 1);
  });
}

TEST_CASE("concurrent writers get distinct, ordered sequence numbers") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    constexpr int kThreads = 4, kBatches = 20, kPerBatch = 10;
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        for (int b = 0; b < kBatches; ++b) {
          std::vector<Record> batch;
          for (int i = 0; i < kPerBatch; ++i)
            batch.push_back(ev(std::to_string(t) + "-" + std::to_string(b) + "-" + std::to_string(i)));
          batch.push_back(account_of("shared", "writer " + std::to_string(t)));
          if (!s->write(batch).ok()) ++failures;
        }
      });
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    auto seen = scan_all(*s);
    CHECK(count_of(*s, RecordKind::kEvent) == kThreads * kBatches * kPerBatch);
    std::set<Sequence> seqs;
    for (std::size_t i = 0; i < seen.size(); ++i) {
      seqs.insert(seen[i].seq);
      if (i > 0) CHECK(seen[i].seq > seen[i - 1].seq);
    }
    CHECK(seqs.size() == seen.size());
    CHECK(*s->last_sequence() >= seen.back().seq);
  });
}

TEST_CASE("reopening finds everything and continues the sequence") {
  for_each_backend([](TestDb& db) {
    Sequence last = 0;
    {
      auto s = db.open();
      outcomes(*s, {ev("e1"), account_of("acme"), lrn("u1")}, &last);
    }
    auto s = db.open();
    CHECK(scan_all(*s).size() == 3);
    CHECK(*s->last_sequence() == last);
    Sequence next = 0;
    outcomes(*s, {ev("e2")}, &next);
    CHECK(next == last + 1);
  });
}

// WriteResult::previous_sequence: the store's last sequence when the write began; a write's records
// are exactly (previous_sequence, last_sequence], so a reader that had applied up to previous has
// applied up to last once it applies them (the workspace then skips reading its own writes back).
TEST_CASE("a write reports the last sequence before it; its records are exactly the sequences after it") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    const Sequence before = *s->last_sequence();
    auto a = s->write(std::vector<Record>{account_of("acme", "Acme"), ev("e1", "acme", "first")});
    REQUIRE(a.ok());
    REQUIRE(a->previous_sequence.has_value());
    CHECK(*a->previous_sequence == before);
    CHECK(a->last_sequence == before + 2);
    // Another writer in between: the next write's previous is that writer's last.
    auto other = db.open();
    auto b = other->write(std::vector<Record>{ev("e2", "acme", "second")});
    REQUIRE(b.ok());
    CHECK(*b->previous_sequence == a->last_sequence);
    auto c = s->write(std::vector<Record>{ev("e3", "acme", "third"), ev("e1", "acme", "first")});
    REQUIRE(c.ok());
    CHECK(*c->previous_sequence == b->last_sequence);
    CHECK(c->last_sequence == b->last_sequence + 1);  // the duplicate takes no sequence
    std::vector<Sequence> seqs;
    REQUIRE(s->scan_since(*c->previous_sequence, 0, [&](const StoredRecord& r) {
      seqs.push_back(r.seq);
      return true;
    }).ok());
    CHECK(seqs == std::vector<Sequence>{c->last_sequence});
  });
}

TEST_CASE("scan_event_fields visits every event's fields in sequence order, as scan_kind decodes them") {
  for_each_backend([](TestDb& db) {
    auto s = db.open();
    // More events than one page holds, with props empty, flat, nested and non-ASCII, and a
    // duplicate id, so paging resumes after the right sequence number.
    const int n = static_cast<int>(store::kTimesPage) + 41;
    std::vector<Record> batch;
    for (int i = 0; i < n; ++i) {
      nlohmann::json props = nlohmann::json::object();
      if (i % 3 == 1) props = {{"seats", i}, {"plan", "pro"}};
      if (i % 7 == 2) props = {{"who", {{"name", "Zoë"}, {"ids", {1, 2.5, nullptr}}}}};
      Event e = ev("f" + std::to_string(i), "acct-" + std::to_string(i % 13), i % 2 ? "login" : "report_shared",
                   1'767'225'600'000 + (i * 7919 % 100'000) * 1000, props);
      e.learner = i % 5 ? "u" + std::to_string(i % 11) : "";
      e.qty = i % 4 == 0 ? 2.5 : 1;
      batch.push_back(e);
    }
    batch.push_back(ev("f3", "elsewhere"));  // a duplicate id: not stored again
    outcomes(*s, batch);
    // Another program wrote one object differently (spaces, key order): read as the same object.
    db.exec_raw(R"(UPDATE events SET props = '{ "plan" : "pro", "seats" : 1 }' WHERE id = 'f1')");
    db.exec_raw(R"(UPDATE events SET props = '{"who":"Zo\u00eb"}' WHERE id = 'f4')");
    std::vector<Event> expected;
    REQUIRE(s->scan_kind(RecordKind::kEvent, [&](const StoredRecord& r) {
               expected.push_back(std::get<Event>(r.record));
               return true;
             }).ok());
    REQUIRE(expected.size() == static_cast<std::size_t>(n));
    auto collect = [&](auto&& scan) {
      std::vector<Event> seen;
      REQUIRE(scan([&](const EventFields& f) {
                Event e;
                e.id = f.id, e.account = f.account, e.name = f.name, e.learner = f.learner;
                e.ts = f.ts, e.qty = f.qty;
                e.props = nlohmann::json::parse(f.props);
                CHECK((f.props == "{}") == e.props.empty());  // an empty object is always "{}"
                CHECK(f.props == e.props.dump());               // minified, escapes resolved
                seen.push_back(std::move(e));
                return true;
              }).ok());
      return seen;
    };
    CHECK(collect([&](const auto& v) { return s->scan_event_fields(v); }) == expected);
    CHECK(collect([&](const auto& v) { return s->Store::scan_event_fields(v); }) == expected);
    int visits = 0;
    REQUIRE(s->scan_event_fields([&](const EventFields&) { return ++visits < 3; }).ok());
    CHECK(visits == 3);  // the visitor stops the scan
    // Props that are not an object fail the scan, naming the event, as scan_kind does.
    db.exec_raw("UPDATE events SET props = '[1]' WHERE id = 'f5'");
    Status st = s->scan_event_fields([](const EventFields&) { return true; });
    CHECK_FALSE(st.ok());
    CHECK(st.message().find("'f5'") != std::string::npos);
    CHECK(st.message().find("uplift doctor") != std::string::npos);
  });
}
