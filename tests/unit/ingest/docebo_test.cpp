// Docebo webhooks (ingest/docebo.h) over the recorded deliveries in tests/data/vendors/docebo
// (shapes from Docebo's "Webhooks events"; sources in tests/data/vendors/SOURCES.md).
#include <doctest/doctest.h>

#include <fstream>

#include "catalog.h"
#include "core/record_json.h"
#include "ingest/docebo.h"

using namespace uplift;
using namespace uplift::ingest;
using json = nlohmann::json;

namespace {
json docebo_delivery(const char* name) {
  std::ifstream in(catalog::source_dir() / "tests/data/vendors/docebo" / name);
  REQUIRE(in.good());
  return json::parse(in);
}
}  // namespace

TEST_CASE("Docebo course.enrollment.completed: a completion at completion_date, keyed by the message id") {
  json d = docebo_delivery("course.enrollment.completed.json");
  auto r = docebo_to_records(d);
  REQUIRE(r.errors.empty());
  REQUIRE(r.records.size() == 1);
  const auto& c = std::get<Completion>(r.records[0]);
  CHECK(c.id == "docebo:" + d["message_id"].get<std::string>() + ":0");
  CHECK(c.content == "docebo-course-297");
  CHECK(c.status == CompletionStatus::kCompleted);
  CHECK(record_to_json(r.records[0])["ts"] == "2024-03-20T09:12:44Z");
  REQUIRE(r.actors.size() == 1);
  CHECK(r.actors[0]->aliases == std::vector<std::string>{"docebo:12345", "email:jane@example.com"});
  CHECK(r.actors[0]->learner_id.empty());
  // The same message again is the same record (a duplicate when stored).
  CHECK(docebo_to_records(d).records[0] == r.records[0]);
}

TEST_CASE("Docebo created → started; deleted and unknown events acknowledged as ignored") {
  auto created = docebo_to_records(docebo_delivery("course.enrollment.created.json"));
  REQUIRE(created.records.size() == 1);
  CHECK(std::get<Completion>(created.records[0]).status == CompletionStatus::kStarted);
  CHECK(record_to_json(created.records[0])["ts"] == "2024-03-13T14:58:26Z");
  auto deleted = docebo_to_records(docebo_delivery("course.enrollment.deleted.json"));
  CHECK(deleted.records.empty());
  CHECK(deleted.errors.empty());
  CHECK(deleted.ignored == 1);
  json other = {{"message_id", "m1"}, {"event", "user.created"}, {"payload", {{"user_id", 1}}}};
  CHECK(docebo_to_records(other).ignored == 1);
}

TEST_CASE("Docebo batch delivery: one completion per payload") {
  auto r = docebo_to_records(docebo_delivery("batch-course.enrollment.completed.json"));
  REQUIRE(r.errors.empty());
  REQUIRE(r.records.size() == 3);
  CHECK(r.items == 3);
  CHECK(std::get<Completion>(r.records[2]).id.ends_with(":2"));
  CHECK(std::get<Completion>(r.records[2]).content == "docebo-course-298");
  CHECK(r.actors[1]->aliases == std::vector<std::string>{"docebo:12346", "email:sam@example.com"});
  CHECK(r.record_items == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("Docebo: every bad delivery says which field") {
  auto field_of = [](const json& d) {
    auto r = docebo_to_records(d);
    REQUIRE_FALSE(r.errors.empty());
    return r.errors[0].field;
  };
  CHECK(field_of(json::array()) == "");
  CHECK(field_of({{"event", "course.enrollment.completed"}, {"payload", json::object()}}) == "message_id");
  CHECK(field_of({{"message_id", "m"}, {"payload", json::object()}}) == "event");
  CHECK(field_of({{"message_id", "m"}, {"event", false}, {"payload", json::object()}}) == "event");  // found by fuzzing
  // Found by fuzzing: a fractional user id and a username that is not an email name nobody.
  CHECK(field_of({{"message_id", "m"}, {"event", "course.enrollment.completed"},
                  {"payload", {{"user_id", 123.6}, {"username", "sam"}, {"course_id", 3}}}}) == "payload.user_id");
  CHECK(field_of({{"message_id", "m"}, {"event", "course.enrollment.completed"},
                  {"payload", {{"username", "sam"}, {"course_id", 3}}}}) == "payload.user_id");
  CHECK(field_of({{"message_id", "m"}, {"event", "course.enrollment.completed"}}) == "payload");
  CHECK(field_of({{"message_id", "m"}, {"event", "course.enrollment.completed"}, {"payloads", 3}}) == "payloads");
  CHECK(field_of({{"message_id", "m"}, {"event", "course.enrollment.completed"}, {"payload", {{"course_id", 3}}}}) ==
        "payload.user_id");
  CHECK(field_of({{"message_id", "m"},
                  {"event", "course.enrollment.completed"},
                  {"payload", {{"user_id", 1}, {"course_id", 3}, {"completion_date", "yesterday"}}}}) ==
        "payload.completion_date");
}
