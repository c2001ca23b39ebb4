// EventTable against a plain model: a map from id to Event (the first of each id wins) whose
// events, per account, sorted by (ts, id hash), are what the table must give back (ids as their
// hashes: the texts are not held) — for random streams with duplicate ids (also across accounts),
// out-of-order times, equal times, shared and distinct props, ids of every length, appended in
// bulk then sorted, or inserted one by one; and for copies.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "core/event_table.h"

namespace uplift {
namespace {

using Model = std::map<std::string, Event>;

// The learner codes an owner gives the table ("" is kNoLearner, 0).
StringCodes& learner_codes() {
  static StringCodes codes = [] {
    StringCodes c;
    c.intern("");
    return c;
  }();
  return codes;
}

bool add(EventTable& table, const Event& e, bool append, bool id_is_new = false) {
  return table.add(e, learner_codes().intern(e.learner), append, id_is_new);
}

// An event as the table gives it back: its id's hash, and the record without its id.
using Held = std::pair<std::uint64_t, Event>;

std::vector<Held> model_events(const Model& model, const std::string& account) {
  std::vector<Held> out;
  for (const auto& [_, e] : model)
    if (e.account == account) {
      Event without_id = e;
      without_id.id.clear();
      out.emplace_back(EventTable::id_hash(e.id), without_id);
    }
  std::sort(out.begin(), out.end(), [](const Held& x, const Held& y) {
    return x.second.ts != y.second.ts ? x.second.ts < y.second.ts : x.first < y.first;
  });
  return out;
}

std::vector<Held> table_events(const EventTable& table, const std::string& account) {
  std::vector<Held> out;
  for (const EventRow& row : table.of(account)) out.emplace_back(row.id, table.event(account, row, learner_codes()[row.learner]));
  return out;
}

Event random_event(std::mt19937_64& rng, int serial) {
  const std::vector<std::string> accounts = {"A", "B", "C", "acct-with-a-longer-id-0001"};
  const std::vector<std::string> names = {"login", "report_run", "x", "a_name_longer_than_fifteen"};
  Event e;
  // Ids repeat (about one in four is an earlier id, maybe for another account).
  const int id_serial = (rng() % 4 == 0 && serial > 0) ? static_cast<int>(rng() % static_cast<unsigned>(serial)) : serial;
  e.id = "e-" + std::to_string(id_serial);
  if (id_serial % 97 == 5) e.id += std::string(130 + id_serial % 50, 'x');  // a two-byte length
  e.account = accounts[rng() % accounts.size()];
  e.name = names[rng() % names.size()];
  e.ts = static_cast<Timestamp>(1'700'000'000'000 + static_cast<Timestamp>(rng() % 40) * 3'600'000);  // equal times are common
  e.learner = rng() % 3 == 0 ? std::string() : "L" + std::to_string(rng() % 7);
  e.qty = static_cast<double>(rng() % 5) + 0.5;
  switch (rng() % 4) {
    case 0: e.props = {{"feature", "dashboards"}}; break;
    case 1: e.props = {{"n", static_cast<int>(rng() % 3)}, {"nested", {{"a", true}}}}; break;
    default: break;  // {}
  }
  return e;
}

void check_same(const EventTable& table, const Model& model) {
  std::size_t total = 0;
  for (const std::string& account : table.accounts()) {
    const auto want = model_events(model, account);
    CHECK(table_events(table, account) == want);
    total += want.size();
  }
  CHECK(total == model.size());
  CHECK(table.size() == model.size());
}

}  // namespace

TEST_CASE("the event table holds what a map of events by id holds, in (ts, id hash) order per account") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    const bool bulk = seed % 2 == 0;
    EventTable table;
    Model model;
    const int n = 300 + static_cast<int>(seed) * 250;  // crosses the id set's growth points
    for (int i = 0; i < n; ++i) {
      Event e = random_event(rng, i);
      const bool is_new = !model.count(e.id);
      if (is_new) model.emplace(e.id, e);
      CHECK(add(table, e, bulk) == is_new);
    }
    if (bulk) table.sort();
    check_same(table, model);
    EventTable copy = table;  // a copy answers alike, and keeps its own dictionaries
    table = EventTable();
    check_same(copy, model);
    Event again = model.begin()->second;
    again.account = "elsewhere";
    CHECK_FALSE(add(copy, again, false));  // an id is held once across accounts
  }
}

TEST_CASE("the event table holds a long id as its hash, and shares each distinct props object") {
  EventTable table;
  Event big;
  big.id = std::string((1 << 20) + 17, 'b');
  big.account = "A";
  big.name = "x";
  big.ts = 5;
  REQUIRE(add(table, big, false));
  Event small = big;
  small.id = "s";
  small.props = {{"k", "v"}};
  REQUIRE(add(table, small, false));
  Event same_props = small;
  same_props.id = "t";
  REQUIRE(add(table, same_props, false));
  CHECK_FALSE(add(table, big, false));
  const auto& rows = table.of("A");
  REQUIRE(rows.size() == 3);
  CHECK(std::is_sorted(rows.begin(), rows.end(), [](const EventRow& x, const EventRow& y) { return x.id < y.id; }));
  auto row_of = [&](const std::string& id) {  // equal times: by id hash
    auto it = std::find_if(rows.begin(), rows.end(), [&](const EventRow& r) { return r.id == EventTable::id_hash(id); });
    REQUIRE(it != rows.end());
    return *it;
  };
  CHECK(row_of("s").props == row_of("t").props);
  CHECK(row_of(big.id).props == EventTable::kEmptyProps);
  CHECK(table.props(row_of("s")) == small.props);
  CHECK(row_of(big.id).learner == EventTable::kNoLearner);
  CHECK(learner_codes()[row_of(big.id).learner].empty());
}

TEST_CASE("events added as known-new (a store's scan) are deduplicated like any other afterwards") {
  EventTable table;
  Event e;
  e.account = "A";
  e.name = "x";
  for (int i = 0; i < 5000; ++i) {  // past the id set's growth points
    e.id = "id-" + std::to_string(i);
    e.ts = 5000 - i;
    REQUIRE(add(table, e, true, /*id_is_new=*/true));
  }
  table.sort();
  for (int i = 0; i < 5000; i += 7) {
    e.id = "id-" + std::to_string(i);
    CHECK_FALSE(add(table, e, false));
  }
  e.id = "id-new";
  CHECK(add(table, e, false));
  CHECK(table.size() == 5001);
  CHECK(table.of("A").front().id == EventTable::id_hash("id-4999"));  // the earliest time
}

TEST_CASE("a dataset's events read back through its rows as the records it was given") {
  Dataset data;
  Event e;
  e.id = "e1";
  e.account = "A";
  e.name = "login";
  e.ts = 10;
  e.learner = "L1";
  e.qty = 2.5;
  e.props = {{"plan", "pro"}};
  REQUIRE(data.apply(Record{e}));
  const EventRow& row = data.events_of("A").at(0);
  CHECK(row.id == EventTable::id_hash("e1"));
  CHECK(data.event_name(row) == "login");
  CHECK(data.event_learner(row) == "L1");
  CHECK(data.event_props(row) == e.props);
  CHECK(data.event_qty(row) == 2.5);
  CHECK(row.name == data.event_name_code("login"));
  CHECK(data.event_count() == 1);
}

}  // namespace uplift

TEST_CASE("string codes: dense codes in order of arrival, found again after growing and in copies") {
  using uplift::StringCodes;
  StringCodes codes;
  CHECK(codes.find("") == StringCodes::kNone);
  std::vector<std::string> order;
  for (int i = 0; i < 50'000; ++i) {
    // Every fifth string is one seen before; lengths from empty to past the small-string size.
    const std::string s = i % 5 == 4 ? order[static_cast<std::size_t>(i * 7919) % order.size()]
                                     : std::string(static_cast<std::size_t>(i % 23), 'x') + std::to_string(i);
    const std::uint32_t code = codes.intern(s);
    if (code == order.size()) order.push_back(s);
    REQUIRE(code < order.size());
    CHECK(order[code] == s);
  }
  StringCodes copy = codes;
  codes.intern("only in the original");
  for (std::uint32_t c = 0; c < order.size(); ++c) {
    CHECK(codes.find(order[c]) == c);
    CHECK(copy.find(order[c]) == c);
    CHECK(copy[c] == order[c]);
  }
  CHECK(copy.size() == order.size());
  CHECK(copy.find("only in the original") == StringCodes::kNone);
  CHECK(codes.find("never added") == StringCodes::kNone);
}
