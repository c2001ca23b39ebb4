// The generic Standard-Webhooks source (ingest/mapped_webhook.h, ingest/sources.h) over 360Learning's
// recorded payloads (tests/data/vendors/standard-webhooks, provenance in SOURCES.md) and the
// mapping's validation. The signature check is tested with the signer (tests/unit/alerts).
#include <doctest/doctest.h>

#include <fstream>

#include "catalog.h"
#include "core/record_json.h"
#include "ingest/sources.h"

using namespace uplift;
using namespace uplift::ingest;
using nlohmann::json;

namespace {

json webhook_payload(const std::string& name) {
  std::ifstream in(catalog::source_dir() / "tests/data/vendors/standard-webhooks" / name);
  REQUIRE_MESSAGE(in.good(), name);
  return json::parse(in);
}

const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

Source source_360() {
  SourceSet set;
  std::vector<std::string> problems;
  parse_sources(webhook_payload("360learning.source.json"), "360learning.source.json",
                [](std::string_view) { return std::optional<std::string>(kSecret); }, set, problems);
  INFO(json(problems).dump());
  REQUIRE(problems.empty());
  REQUIRE(set.find("360learning"));
  return *set.find("360learning");
}

const std::string kUser = "684c154ab06eb32565e5cbc0";

}  // namespace

TEST_CASE("360Learning: every recorded payload becomes its record, named by the person's 360Learning id") {
  const Source src = source_360();
  CHECK(src.secrets == std::vector<std::string>{kSecret});
  CHECK(src.tolerance_seconds == 300);

  auto closed = map_webhook(webhook_payload("360learning.course.attempt.closed.json"), src.mapping, src.name, "msg_2a");
  REQUIRE(closed.errors.empty());
  REQUIRE(closed.records.size() == 1);
  const auto& c = std::get<Completion>(closed.records[0]);
  CHECK(c.id == "360learning:msg_2a");  // the delivery's message id is the dedupe key
  CHECK(c.content == "507f1f77bcf86cd799439011");
  CHECK(c.status == CompletionStatus::kCompleted);
  CHECK(format_timestamp(c.ts) == "2025-11-17T09:02:42.480Z");
  REQUIRE(closed.actors.size() == 1);
  CHECK(closed.actors[0]->aliases == std::vector<std::string>{"360learning:" + kUser});
  CHECK(closed.actors[0]->source == "360learning");

  auto status = map_webhook(webhook_payload("360learning.path.session.user.status.updated.json"), src.mapping, src.name, "msg_3");
  REQUIRE(status.records.size() == 1);
  CHECK(std::get<Completion>(status.records[0]).status == CompletionStatus::kPassed);  // "successful"
  CHECK(std::get<Completion>(status.records[0]).content == "65a1b2c3d4e5f60718293a4b");

  // A status the mapping does not list is acknowledged, not an error.
  json not_yet = webhook_payload("360learning.path.session.user.status.updated.json");
  not_yet["data"]["status"] = "notYetStarted";
  auto ignored = map_webhook(not_yet, src.mapping, src.name, "msg_4");
  CHECK(ignored.records.empty());
  CHECK(ignored.errors.empty());
  CHECK(ignored.ignored == 1);

  auto cert = map_webhook(webhook_payload("360learning.user.certificate.awarded.json"), src.mapping, src.name, "msg_5");
  REQUIRE(cert.records.size() == 1);
  const auto& e = std::get<Event>(cert.records[0]);
  CHECK(e.name == "certificate_awarded");
  CHECK(e.account.empty());  // the learner's, once resolved
  CHECK(e.id == "360learning:msg_5");
  CHECK(e.props == json{{"certificate", "65a1b2c3d4e5f60718293a50"}, {"path", "65a1b2c3d4e5f60718293a4b"}});

  // user.created teaches the learner holding the email the 360Learning id.
  auto created = map_webhook(webhook_payload("360learning.user.created.json"), src.mapping, src.name, "msg_1");
  REQUIRE(created.records.size() == 1);
  const auto& l = std::get<Learner>(created.records[0]);
  CHECK(l.id == kAliasOnlyLearner);
  CHECK(l.aliases == std::vector<std::string>{"360learning:" + kUser});
  CHECK(created.actors[0]->aliases == std::vector<std::string>{"email:jane@example.com"});

  // An event type without a mapping (the specification's own example) is acknowledged.
  auto other = map_webhook(webhook_payload("spec-example.contact.created.json"), src.mapping, src.name, "msg_6");
  CHECK(other.records.empty());
  CHECK(other.errors.empty());
  CHECK(other.ignored == 1);
}

TEST_CASE("mapped webhook: a payload missing what the mapping needs is an error naming the path") {
  const Source src = source_360();
  json p = webhook_payload("360learning.course.attempt.closed.json");
  p["data"].erase("userId");
  auto r = map_webhook(p, src.mapping, src.name, "m");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].field == "data.userId");
  p = webhook_payload("360learning.course.attempt.closed.json");
  p["data"]["closedAt"] = "yesterday";
  r = map_webhook(p, src.mapping, src.name, "m");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].field == "data.closedAt");
  p["data"]["closedAt"] = 1763370162512;  // epoch milliseconds are a time too
  r = map_webhook(p, src.mapping, src.name, "m");
  REQUIRE(r.records.size() == 1);
  CHECK(format_timestamp(std::get<Completion>(r.records[0]).ts) == "2025-11-17T09:02:42.512Z");
  r = map_webhook(json::array(), src.mapping, src.name, "m");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].reason.find("expected a JSON object") != std::string::npos);
}

TEST_CASE("standard-webhooks sources: every mapping problem named with file, source and path") {
  SourceSet set;
  std::vector<std::string> problems;
  parse_sources(json::parse(R"({"sources": [
      {"name": "lms", "type": "standard-webhooks", "secret": "whsec_short", "tolerance_seconds": 0,
       "events": {"a": {"record": "completion", "person": "data..id", "ts": "t"},
                  "b": {"record": "grade"},
                  "c": {"record": "completion", "person": "p", "content": "c", "ts": "t", "status": "done", "colour": 1},
                  "d": {"record": "event", "person": "p", "ts": "t"},
                  "e": {"record": "completion", "person": "p", "content": "c", "ts": "t", "status": {"field": "s", "values": {"x": "won"}}}}},
      {"name": "docebo", "type": "standard-webhooks", "secret": "env:NOPE", "events": {}}]})"),
                "s.json", [](std::string_view) { return std::optional<std::string>(); }, set, problems);
  auto has = [&](const std::string& t) {
    INFO(t, " in ", json(problems).dump(1));
    return std::any_of(problems.begin(), problems.end(), [&](const std::string& p) { return p.find(t) != std::string::npos; });
  };
  CHECK(has("s.json: source \"lms\": secret: must be \"whsec_\""));
  CHECK(has("source \"lms\": tolerance_seconds: expected an integer from 1 to 3600"));
  CHECK(has("source \"lms\": events.a.person: expected a dotted path"));
  CHECK(has("source \"lms\": events.a.content: required"));
  CHECK(has("source \"lms\": events.b.record: expected completion, event or alias"));
  CHECK(has("source \"lms\": events.c.status: expected started, completed, passed or failed"));
  CHECK(has("source \"lms\": events.c.colour: unknown key"));
  CHECK(has("source \"lms\": events.d.name: required"));
  CHECK(has("source \"lms\": events.e.status.values.x: expected started"));
  CHECK(has("source \"docebo\": name: skilljar and docebo are the built-in endpoints"));
  CHECK(has("source \"docebo\": secret: environment variable NOPE is not set"));
  CHECK(has("source \"docebo\": events: required"));
  CHECK(set.sources.empty());
}
