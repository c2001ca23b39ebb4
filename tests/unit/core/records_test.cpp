#include <doctest/doctest.h>

#include "core/dataset.h"
#include "core/record_json.h"

using namespace uplift;
using nlohmann::json;

namespace {
Record parse_ok(const char* text) {
  auto r = record_from_json(json::parse(text));
  REQUIRE_MESSAGE(r.ok(), r.error.field << ": " << r.error.reason);
  return *r.record;
}
FieldError parse_bad(const char* text) {
  auto r = record_from_json(json::parse(text));
  REQUIRE_MESSAGE(!r.ok(), text);
  return r.error;
}
}  // namespace

TEST_CASE("every kind round-trips through its canonical JSON") {
  const char* lines[] = {
      R"({"kind":"account","id":"A1","name":"Acme","plan":"business","tier":"upmarket","arr":120000,"csm":"ana","renewal_date":"2027-01-31","created_at":"2025-01-02T03:04:05+01:00","audience":"trial"})",
      R"({"kind":"learner","id":"L1","account":"A1","email":"x@acme.test","role":"admin","access_level":"admin","created_at":"2025-01-02T00:00:00Z"})",
      R"({"kind":"event","id":"e1","account":"A1","name":"group_created","ts":"2026-03-01T12:00:00Z","learner":"L1","qty":2,"props":{"group_id":"g1"}})",
      R"({"kind":"completion","learner":"L1","content":"workflow-basics","ts":"2026-03-02T00:00:00Z","status":"passed","score":0.9})",
      R"({"kind":"attendance","learner":"L1","program":"dma","session":2,"ts":"2026-07-02T15:00:00Z","cohort":"c1"})",
      R"({"kind":"arr","account":"A1","date":"2026-07-01","arr":130000})",
      R"({"kind":"renewal","account":"A1","date":"2026-01-31","outcome":"expanded","arr_before":100000,"arr_after":120000})",
  };
  for (const char* line : lines) {
    Record r = parse_ok(line);
    auto again = record_from_json(record_to_json(r));
    REQUIRE(again.ok());
    CHECK(*again.record == r);
  }
  auto acct = std::get<Account>(parse_ok(lines[0]));
  CHECK(format_timestamp(*acct.created_at) == "2025-01-02T02:04:05Z");
  CHECK(acct.audience == Audience::kTrial);
}

TEST_CASE("validation names the field and the reason") {
  CHECK(parse_bad(R"({"kind":"event","account":"A","name":"x","ts":"2026-03-01T00:00:00Z"})").field == "id");
  CHECK(parse_bad(R"({"kind":"event","id":"e","account":"A","name":"x","ts":"2026-03-01"})").field == "ts");
  auto qty = parse_bad(R"({"kind":"event","id":"e","account":"A","name":"x","ts":"2026-03-01T00:00:00Z","qty":"5"})");
  CHECK(qty.field == "qty");
  CHECK(qty.reason == "expected a number, got string");
  CHECK(parse_bad(R"({"kind":"widget","id":"x"})").field == "kind");
  CHECK(parse_bad(R"({"id":"x"})").field == "kind");
  CHECK(parse_bad(R"({"kind":"account","id":"A","audience":"vip"})").field == "audience");
  CHECK(parse_bad(R"({"kind":"account","id":"A","arr":-1})").field == "arr");
  CHECK(parse_bad(R"({"kind":"attendance","learner":"L","program":"p","session":0,"ts":"2026-03-01T00:00:00Z"})").field ==
        "session");
  CHECK(parse_bad(R"({"kind":"renewal","account":"A","date":"2026-02-30","outcome":"renewed"})").field == "date");
  CHECK(parse_bad(R"({"kind":"renewal","account":"A","date":"2026-02-03"})").field == "outcome");
  CHECK(parse_bad(R"({"kind":"event","id":"e","account":"A","name":"x","ts":"2026-03-01T00:00:00Z","props":[1]})").field ==
        "props");
  CHECK(parse_bad(R"([1,2])").field.empty());
  std::string long_id(192, 'a');
  auto r = record_from_json(json{{"kind", "account"}, {"id", long_id}});
  CHECK(!r.ok());
  CHECK(r.error.field == "id");
}

TEST_CASE("unknown event fields are kept in props") {
  auto e = std::get<Event>(parse_ok(
      R"({"kind":"event","id":"e","account":"A","name":"x","ts":"2026-03-01T00:00:00Z","plan_tier":"gold"})"));
  CHECK(e.props["plan_tier"] == "gold");
  CHECK(e.qty == 1);
}

TEST_CASE("dataset applies records with store semantics in any order") {
  std::vector<Record> recs = {
      parse_ok(R"({"kind":"account","id":"A","tier":"smb"})"),
      parse_ok(R"({"kind":"learner","id":"L","account":"A"})"),
      parse_ok(R"({"kind":"event","id":"e2","account":"A","name":"x","ts":"2026-03-02T00:00:00Z"})"),
      parse_ok(R"({"kind":"event","id":"e1","account":"A","name":"x","ts":"2026-03-01T00:00:00Z"})"),
      parse_ok(R"({"kind":"arr","account":"A","date":"2026-03-01","arr":5})"),
      parse_ok(R"({"kind":"arr","account":"A","date":"2026-02-01","arr":4})"),
  };
  Dataset forward, backward;
  for (const auto& r : recs) CHECK(forward.apply(r));
  for (auto it = recs.rbegin(); it != recs.rend(); ++it) backward.apply(*it);
  CHECK_FALSE(forward.apply(recs[2]));  // duplicate event id
  CHECK_FALSE(forward.apply(recs[0]));  // identical upsert
  REQUIRE(forward.events_of("A").size() == 2);
  CHECK(forward.events_of("A")[0].id == EventTable::id_hash("e1"));
  CHECK(backward.events_of("A")[0].id == EventTable::id_hash("e1"));
  CHECK(forward.arr_of("A").front().arr == 4);
  CHECK(forward.record_count() == backward.record_count());
  CHECK(forward.audience_of(*forward.learner("L")) == Audience::kCustomer);
  // A learner moving account is re-indexed.
  forward.apply(parse_ok(R"({"kind":"learner","id":"L","account":"B"})"));
  CHECK(forward.learners_of("A").empty());
  CHECK(forward.learners_of("B").size() == 1);
}

TEST_CASE("dataset keeps each event's name code in step with its events") {
  auto event = [](const char* id, const char* name, const char* ts) {
    return parse_ok(json{{"kind", "event"}, {"id", id}, {"account", "A"}, {"name", name}, {"ts", ts}}.dump().c_str());
  };
  std::vector<Record> recs = {
      event("e3", "login", "2026-03-03T00:00:00Z"),   event("e1", "ai_review_run", "2026-03-01T00:00:00Z"),
      event("e4", "login", "2026-03-04T00:00:00Z"),   event("e2", "contract_completed", "2026-03-02T00:00:00Z"),
      event("e0", "group_created", "2026-02-01T00:00:00Z"),
  };
  auto check = [](const Dataset& d) {
    const auto& events = d.events_of("A");
    REQUIRE(events.size() == 5);
    for (const EventRow& e : events) CHECK(e.name == d.event_name_code(d.event_name(e)));
    CHECK(d.event_name_count() == 4);
    CHECK(d.event_name_code("login") != d.event_name_code("ai_review_run"));
    CHECK(d.event_name_code("never_seen") == Dataset::kNoNameCode);
    CHECK(d.events_of("no such account").empty());
  };
  Dataset one_by_one;  // the last two land inside the history (inserted, not appended)
  for (const auto& r : recs) one_by_one.apply(r);
  check(one_by_one);
  CHECK(one_by_one.events_of("A").front().id == EventTable::id_hash("e0"));
  Dataset bulk;  // appended in arrival order, then sorted once
  {
    BulkLoad load(bulk);
    for (const auto& r : recs) bulk.apply(r);
  }
  check(bulk);
  CHECK(bulk.events_of("A").back().id == EventTable::id_hash("e4"));
}
