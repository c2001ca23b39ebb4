// Webhook sources (ingest/sources.h): every problem at once, env tokens, token comparison.
#include <doctest/doctest.h>

#include "ingest/docebo.h"
#include "ingest/sources.h"
#include "ingest/webhook.h"

using namespace uplift;
using namespace uplift::ingest;
using nlohmann::json;

TEST_CASE("sources: every problem named with the file and the source") {
  SourceSet set;
  std::vector<std::string> problems;
  parse_sources(json::parse(R"({"sources": [
      {"name": "ok", "type": "skilljar", "token": "0123456789abcdef0123456789abcdef"},
      {"name": "Bad Name", "type": "moodle", "token": "short"},
      {"name": "env", "type": "docebo", "token": "env:MISSING"},
      {"name": "ok", "type": "docebo", "token": "0123456789abcdef0123456789abcdef", "colour": 1}],
    "extra": 1})"),
                "s.json", [](std::string_view) { return std::optional<std::string>(); }, set, problems);
  auto has = [&](const std::string& t) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(t) != std::string::npos; });
  };
  CHECK(has("s.json: unknown key 'extra'"));
  CHECK(has("s.json: source \"Bad Name\": name: required"));
  CHECK(has("source \"Bad Name\": type: must be skilljar, docebo or standard-webhooks"));
  CHECK(has("source \"Bad Name\": token: must be 32 to 256"));
  CHECK(has("source \"env\": token: environment variable MISSING is not set"));
  CHECK(has("source \"ok\": colour: unknown key"));
  CHECK(has("source \"ok\": name: defined twice"));
  REQUIRE(set.sources.size() == 1);
  CHECK(set.find("ok")->type == "skilljar");
}

TEST_CASE("sources: env tokens; tokens compare whole") {
  SourceSet set;
  std::vector<std::string> problems;
  parse_sources(json::parse(R"({"sources": [{"name": "sk", "type": "skilljar", "token": "env:TOKEN"}]})"), "s.json",
                [](std::string_view) { return std::optional<std::string>("abcdefabcdefabcdefabcdefabcdefab"); }, set, problems);
  REQUIRE(problems.empty());
  CHECK(token_matches("abcdefabcdefabcdefabcdefabcdefab", set.find("sk")->token));
  CHECK_FALSE(token_matches("abcdefabcdefabcdefabcdefabcdefa", set.find("sk")->token));
  CHECK_FALSE(token_matches("abcdefabcdefabcdefabcdefabcdefabX", set.find("sk")->token));
  CHECK_FALSE(token_matches("", ""));
}

TEST_CASE("sources: field overrides say where a vendor's payloads carry a field; bad ones are named") {
  SourceSet set;
  std::vector<std::string> problems;
  parse_sources(json::parse(R"({"sources": [
      {"name": "sk", "type": "skilljar", "token": "0123456789abcdef0123456789abcdef",
       "fields": {"content": "course.published_course_id", "LESSON_COMPLETION.content": "lesson.lesson_id",
                  "account": "user.company"}},
      {"name": "dc", "type": "docebo", "token": "0123456789abcdef0123456789abcdef", "fields": {"content": "course_code"}},
      {"name": "bad", "type": "docebo", "token": "0123456789abcdef0123456789abcdef",
       "fields": {"account": "x", "content": "a..b"}}]})"),
                "s.json", {}, set, problems);
  auto has = [&](const std::string& t) {
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(t) != std::string::npos; });
  };
  CHECK(has("source \"bad\": fields.account: not a field a docebo payload can override (known: content)"));
  CHECK(has("source \"bad\": fields.content: expected a dotted path"));
  REQUIRE(set.find("sk"));
  REQUIRE(set.find("dc"));
  CHECK_FALSE(set.find("bad"));

  // Skilljar: the course's published id instead of its id; the lesson id where this LMS puts it.
  const auto& sk = *set.find("sk");
  auto course = webhook_to_records(json::parse(R"({"event_type": "COURSE_COMPLETION", "timestamp": "2026-03-01T10:00:00+00:00",
      "user": {"id": "u1", "email": "a@x.test", "company": "acme"}, "course": {"id": "c-internal", "published_course_id": "pc-7"}})"),
                                   sk.fields);
  REQUIRE(course.errors.empty());
  REQUIRE(course.records.size() == 2);  // the learner (its account found by the override), then the completion
  CHECK(std::get<Learner>(course.records[0]).account == "acme");
  CHECK(std::get<Completion>(course.records[1]).content == "pc-7");
  auto lesson = webhook_to_records(json::parse(R"({"event_type": "LESSON_COMPLETION", "timestamp": "2026-03-01T10:00:00+00:00",
      "user": {"id": "u1"}, "lesson": {"lesson_id": "l-9"}})"),
                                   sk.fields);
  REQUIRE(lesson.errors.empty());
  CHECK(std::get<Completion>(lesson.records.back()).content == "l-9");
  // Without the source's overrides the same payload names a missing field.
  CHECK_FALSE(webhook_to_records(json::parse(R"({"event_type": "LESSON_COMPLETION", "timestamp": "2026-03-01T10:00:00+00:00",
      "user": {"id": "u1"}, "lesson": {"lesson_id": "l-9"}})")).errors.empty());

  // Docebo: the course code as the content id, as is.
  auto dc = docebo_to_records(json::parse(R"({"message_id": "m1", "event": "course.enrollment.completed",
      "payload": {"user_id": 5, "course_id": 12, "course_code": "LEGAL-101", "completion_date": "2026-03-01 10:00:00"}})"),
                              set.find("dc")->fields);
  REQUIRE(dc.errors.empty());
  CHECK(std::get<Completion>(dc.records.at(0)).content == "LEGAL-101");
}
