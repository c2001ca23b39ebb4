// What a Dataset keeps compactly beside its records (issue 24) must answer as the records would:
// completions as rows (content codes, source ids in a text set) against a map of completions by
// record_key; the alias index by hash against asking every learner and account; a learner's
// move against the account it was in; events applied as views against events applied as records.
// Random streams with upserts, equal times, shared aliases, emails and moves; copies too.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/dataset.h"

using namespace uplift;

namespace {

constexpr CompletionStatus kStatuses[] = {CompletionStatus::kStarted, CompletionStatus::kCompleted,
                                          CompletionStatus::kPassed, CompletionStatus::kFailed};

Completion random_completion(std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  Completion c;
  c.learner = "l" + std::to_string(pick(12));
  c.content = "course-" + std::to_string(pick(5));
  c.ts = 1'767'225'600'000 + pick(6) * 60'000;  // few distinct times: ties are common
  c.status = kStatuses[pick(4)];
  if (pick(3) == 0) c.id = "stmt-" + std::to_string(pick(15));  // ids repeat: upserts by id
  if (pick(2) == 0) c.score = pick(100) / 4.0;
  return c;
}

// Each learner's completions by (ts, record_key), from a map by record_key.
std::map<std::string, std::vector<Completion>> by_learner(const std::map<std::string, Completion>& by_key) {
  std::map<std::string, std::vector<Completion>> out;
  for (const auto& [key, c] : by_key) out[c.learner].push_back(c);
  for (auto& [_, v] : out)
    std::sort(v.begin(), v.end(), [](const Completion& x, const Completion& y) {
      return x.ts != y.ts ? x.ts < y.ts : record_key(Record(x)) < record_key(Record(y));
    });
  return out;
}

void check_completions(const Dataset& d, const std::map<std::string, Completion>& model) {
  const auto expected = by_learner(model);
  std::size_t rows = 0;
  for (int l = 0; l < 12; ++l) {
    const std::string learner = "l" + std::to_string(l);
    std::vector<Completion> got;
    for (const CompletionRow& row : d.completions_of(learner)) {
      got.push_back(d.completion(learner, row));
      CHECK(d.completion_content(row) == got.back().content);
      CHECK(row.score() == got.back().score);
    }
    rows += got.size();
    auto it = expected.find(learner);
    CHECK(got == (it == expected.end() ? std::vector<Completion>() : it->second));
  }
  CHECK(rows == model.size());
}

}  // namespace

TEST_CASE("completions held as rows answer as a map of completions by record_key") {
  for (unsigned seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    Dataset d;
    std::map<std::string, Completion> model;
    for (int step = 0; step < 400; ++step) {
      const Completion c = random_completion(rng);
      const std::string key = record_key(Record(c));
      auto it = model.find(key);
      const bool changes = it == model.end() || !(it->second == c);
      model[key] = c;
      CHECK(d.apply(Record(c)) == changes);
      if (step % 50 == 0) check_completions(d, model);
    }
    check_completions(d, model);
    CHECK(d.record_count() == model.size());
    Dataset copy(d);
    d.apply(Record(random_completion(rng)));
    check_completions(copy, model);
  }
  Dataset empty;
  CHECK(empty.completions_of("nobody").empty());
}

TEST_CASE("the alias index by hash names the one holder, or says ambiguous, as asking everyone would") {
  auto holders = [](const Dataset& d, const std::string& alias) {
    std::set<std::string> out;
    for (LearnerRef ref : d.learners())
      if (const Learner l = ref.record(); std::binary_search(l.aliases.begin(), l.aliases.end(), alias) ||
                                          (!l.email.empty() && email_alias(l.email) == alias))
        out.insert(l.id);
    return out;
  };
  auto account_holders = [](const Dataset& d, const std::string& alias) {
    std::set<std::string> out;
    for (const auto& [id, a] : d.accounts())
      if (std::binary_search(a.aliases.begin(), a.aliases.end(), alias)) out.insert(id);
    return out;
  };
  for (unsigned seed = 1; seed <= 10; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    Dataset d;
    std::vector<std::string> aliases;
    for (int i = 0; i < 8; ++i) aliases.push_back("skilljar:" + std::to_string(i));
    for (int i = 0; i < 6; ++i) aliases.push_back("email:p" + std::to_string(i) + "@x.example");
    for (int step = 0; step < 300; ++step) {
      if (pick(4) == 0) {
        Account a;
        a.id = "a" + std::to_string(pick(5));
        for (int k = pick(3); k > 0; --k) a.aliases.push_back("salesforce:" + std::to_string(pick(6)));
        std::sort(a.aliases.begin(), a.aliases.end());
        a.aliases.erase(std::unique(a.aliases.begin(), a.aliases.end()), a.aliases.end());
        d.apply(Record(a));
      } else {
        Learner l;
        l.id = "l" + std::to_string(pick(15));
        l.account = "a" + std::to_string(pick(5));
        if (pick(2)) l.email = (pick(2) ? "P" : "p") + std::to_string(pick(6)) + "@X.example";  // emails in any case
        for (int k = pick(3); k > 0; --k) l.aliases.push_back(aliases[static_cast<std::size_t>(pick(14))]);
        std::sort(l.aliases.begin(), l.aliases.end());
        l.aliases.erase(std::unique(l.aliases.begin(), l.aliases.end()), l.aliases.end());
        d.apply(Record(l));
      }
      if (step % 30 != 29) continue;
      const Dataset copy(d);
      for (const Dataset* x : {static_cast<const Dataset*>(&d), &copy}) {
        for (const std::string& alias : aliases) {
          const auto want = holders(*x, alias);
          bool ambiguous = true;
          const LearnerRef got = x->learner_by_alias(alias, &ambiguous);
          CHECK(ambiguous == (want.size() > 1));
          CHECK((got ? std::set<std::string>{std::string(got->id())} : std::set<std::string>()) ==
                (want.size() == 1 ? want : std::set<std::string>()));
          if (got) CHECK(got == x->learner(got->id()));  // the copy's own record
        }
        for (int i = 0; i < 6; ++i) {
          const std::string alias = "salesforce:" + std::to_string(i);
          const auto want = account_holders(*x, alias);
          bool ambiguous = true;
          const Account* got = x->account_by_alias(alias, &ambiguous);
          CHECK(ambiguous == (want.size() > 1));
          CHECK((got ? std::set<std::string>{got->id} : std::set<std::string>()) == (want.size() == 1 ? want : std::set<std::string>()));
        }
      }
    }
  }
}

TEST_CASE("a learner's move is remembered: the account it left, until it moves again") {
  Dataset d;
  Learner l;
  l.id = "jane";
  l.account = "a1";
  d.apply(Record(l));
  CHECK(d.learner_moved_from("jane").empty());
  l.email = "jane@x.example";  // a change that is not a move
  d.apply(Record(l));
  CHECK(d.learner_moved_from("jane").empty());
  l.account = "a2";
  d.apply(Record(l));
  CHECK(d.learner_moved_from("jane") == "a1");
  l.account = "a3";
  d.apply(Record(l));
  CHECK(d.learner_moved_from("jane") == "a2");
  CHECK(Dataset(d).learner_moved_from("jane") == "a2");
  CHECK(d.learner_moved_from("nobody").empty());
}

TEST_CASE("events applied as views hold what the same events applied as records hold") {
  std::mt19937 rng(7);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  Dataset from_records, from_fields;
  std::vector<std::string> texts;
  for (int i = 0; i < 3000; ++i) {
    Event e;
    e.id = "e" + std::to_string(pick(2500));  // repeats: duplicates refused either way
    e.account = "a" + std::to_string(pick(9));
    e.name = pick(2) ? "login" : "report_shared";
    e.learner = pick(4) ? "l" + std::to_string(pick(20)) : "";
    e.ts = 1'767'225'600'000 + pick(500) * 1000;
    e.qty = pick(3) + 0.5;
    if (pick(3) == 0) e.props = {{"seats", pick(4)}, {"plan", pick(2) ? "pro" : "team"}};
    const std::string props = e.props.empty() ? std::string("{}") : e.props.dump();
    const bool added = from_records.apply(Record(e));
    CHECK(from_fields.apply(EventFields{e.id, e.account, e.name, e.learner, props, e.ts, e.qty}) == added);
  }
  REQUIRE(from_fields.event_count() == from_records.event_count());
  CHECK(from_fields.latest_event_ts() == from_records.latest_event_ts());
  CHECK(from_fields.event_accounts() == from_records.event_accounts());
  for (const std::string& account : from_records.event_accounts()) {
    const auto& want = from_records.events_of(account);
    const auto& got = from_fields.events_of(account);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].id == want[i].id);
      CHECK(from_fields.event_name(got[i]) == from_records.event_name(want[i]));
      CHECK(from_fields.event_learner(got[i]) == from_records.event_learner(want[i]));
      CHECK(from_fields.event_props(got[i]) == from_records.event_props(want[i]));
      CHECK(got[i].ts == want[i].ts);
      CHECK(from_fields.event_qty(got[i]) == from_records.event_qty(want[i]));
    }
  }
}

TEST_CASE("events loaded on their own thread with staged learner codes join the learners' codes") {
  std::mt19937 rng(11);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<Event> events;
  std::vector<Record> others;  // learners and completions, some about learners only events name
  for (int i = 0; i < 4000; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.account = "a" + std::to_string(pick(9));
    e.name = "login";
    e.learner = pick(4) ? "l" + std::to_string(pick(300)) : "";
    e.ts = 1'767'225'600'000 + pick(500) * 1000;
    events.push_back(e);
  }
  for (int i = 0; i < 200; ++i) {
    Learner l;
    l.id = "l" + std::to_string(pick(400));  // some never in an event, some events' never learners
    l.account = "a" + std::to_string(pick(9));
    others.emplace_back(l);
    Completion c;
    c.learner = "l" + std::to_string(pick(400));
    c.content = "course-" + std::to_string(pick(5));
    c.ts = 1'767'225'600'000 + i;
    others.emplace_back(c);
  }
  Dataset one_thread, two_threads;
  for (const Record& r : others) one_thread.apply(r);
  for (const Event& e : events) one_thread.apply(Record(e));
  {
    std::thread events_thread([&] {
      BulkLoad bulk(two_threads, /*ids_unique=*/true, /*stage_learners=*/true);
      for (const Event& e : events) two_threads.apply(Record(e));
    });
    for (const Record& r : others) two_threads.apply(r);
    events_thread.join();
  }
  two_threads.join_staged_learners();
  two_threads.hold_event_ids();  // the set of ids the load left for later
  CHECK_FALSE(two_threads.apply(Record(events[5])));  // a held id, refused
  for (const std::string& account : one_thread.event_accounts()) {
    const auto& want = one_thread.events_of(account);
    const auto& got = two_threads.events_of(account);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].id == want[i].id);
      CHECK(two_threads.event_learner(got[i]) == one_thread.event_learner(want[i]));
    }
  }
  for (int i = 0; i < 400; ++i) {  // completions still found under their learners
    const std::string id = "l" + std::to_string(i);
    CHECK(two_threads.completions_of(id).size() == one_thread.completions_of(id).size());
    CHECK(static_cast<bool>(two_threads.learner(id)) == static_cast<bool>(one_thread.learner(id)));
  }
  // Events applied after the load take the learners' codes straight away.
  Event late = events.front();
  late.id = "late";
  late.learner = "l-new";
  REQUIRE(two_threads.apply(Record(late)));
  bool found = false;
  for (const EventRow& row : two_threads.events_of(late.account))
    if (row.id == EventTable::id_hash("late")) found = two_threads.event_learner(row) == "l-new";
  CHECK(found);
}

TEST_CASE("learner codes are staged only for a first load of events") {
  Dataset d;
  Event e;
  e.id = "e1";
  e.account = "a";
  e.name = "login";
  e.learner = "l1";
  REQUIRE(d.apply(Record(e)));
  CHECK_THROWS_AS(d.begin_bulk(true, /*stage_learners=*/true), std::logic_error);
  Dataset fresh;
  fresh.begin_bulk(true, true);
  CHECK_THROWS_AS(fresh.begin_bulk(true, true), std::logic_error);  // staged twice before a join
  fresh.end_bulk();
  fresh.join_staged_learners();
}
