// The alert outbox's pieces: Standard Webhooks signing (the specification's test vector),
// destination and routing validation, the Block Kit rendering's limits, and the outbox records.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <thread>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alerts/background.h"
#include "alerts/outbox.h"
#include "alerts/signature.h"
#include "alerts/deliverer.h"
#include "triggers/destination.h"
#include "triggers/message.h"

using namespace uplift;
using nlohmann::json;

TEST_CASE("Standard Webhooks signature: the specification's test vector") {
  // From the Standard Webhooks specification's libraries (secret, msg id, timestamp, payload).
  auto sig = alerts::standard_webhooks_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                 1614265330, R"({"test": 2432232314})");
  REQUIRE(sig.ok());
  CHECK(*sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Any change to what is signed changes the signature.
  CHECK(*alerts::standard_webhooks_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                             1614265331, R"({"test": 2432232314})") != *sig);
  CHECK(alerts::standard_webhooks_signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}").status().code() ==
        Code::kInvalidArgument);
}

namespace {
const std::string kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
}  // namespace

TEST_CASE("Standard Webhooks verification: the signature, the secret, the time window") {
  const std::string id = "msg_p5jXN8AQM9LWM0D4loKWxJek", body = R"({"test": 2432232314})";
  const std::int64_t ts = 1614265330;
  const std::string good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";  // the specification's vector
  auto verify = [&](std::vector<std::string> secrets, std::string sig, std::int64_t now, std::string b, std::string t = "") {
    return alerts::verify_standard_webhook(secrets, id, t.empty() ? std::to_string(ts) : t, sig, b, now, 300);
  };
  CHECK(verify({kSpecSecret}, good, ts, body).ok());
  CHECK(verify({kSpecSecret}, "v1a,xyz " + good + " v1,AAAA", ts + 299, body).ok());  // one of several entries
  CHECK(verify({"whsec_" + std::string(32, 'A'), kSpecSecret}, good, ts, body).ok());   // a rotation: either secret
  Status tampered = verify({kSpecSecret}, good, ts, R"({"test": 2432232315})");
  CHECK(tampered.code() == Code::kUnauthenticated);
  CHECK(tampered.message().find("does not match") != std::string::npos);
  Status old = verify({kSpecSecret}, good, ts + 301, body);  // replayed after the window
  CHECK(old.code() == Code::kUnauthenticated);
  CHECK(old.message().find("too old") != std::string::npos);
  CHECK(verify({kSpecSecret}, good, ts - 301, body).message().find("future") != std::string::npos);
  CHECK(verify({kSpecSecret}, good, ts, body, "1614265330.0").code() == Code::kUnauthenticated);
  CHECK(verify({kSpecSecret}, "", ts, body).message().find("headers are required") != std::string::npos);
  CHECK(verify({kSpecSecret}, "v2,abc", ts, body).message().find("no v1 signature") != std::string::npos);
  CHECK(verify({"whsec_" + std::string(32, 'A')}, good, ts, body).code() == Code::kUnauthenticated);
}

namespace {

std::vector<std::string> parse(const std::string& text, triggers::DestinationSet& set,
                               std::map<std::string, std::string> env = {}) {
  std::vector<std::string> problems;
  triggers::parse_destinations(json::parse(text), "t/d.json", [&](std::string_view n) -> std::optional<std::string> {
    auto it = env.find(std::string(n));
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  }, set, problems);
  triggers::finish_destinations(set, problems);
  return problems;
}

bool has(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("destinations: every problem at once, naming the file and the destination") {
  triggers::DestinationSet set;
  auto problems = parse(R"({"destinations": [
      {"name": "s", "type": "slack", "url": "ftp://x", "secret": "whsec_AAAA"},
      {"name": "h", "type": "webhook", "url": "env:NOPE"},
      {"name": "h2", "type": "webhook", "url": "http://127.0.0.1:9/x", "secret": "whsec_short", "max_in_flight": 0},
      {"name": "q", "type": "email", "url": "http://x", "colour": 1},
      {"name": "r", "type": "webhook", "url": "http://x", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
       "retry_initial_seconds": 10, "retry_max_seconds": 1}],
    "routing": {"default": ["s", "ghost"], "by_csm": {"maria": []}}})", set);
  CHECK(has(problems, "t/d.json: destination \"s\": url: must start with http:// or https://"));
  CHECK(has(problems, "destination \"s\": secret: a Slack incoming webhook takes no secret"));
  CHECK(has(problems, "destination \"h\": url: environment variable NOPE is not set"));
  CHECK(has(problems, "destination \"h\": secret: required"));
  CHECK(has(problems, "destination \"h2\": secret: must be \"whsec_\""));
  CHECK(has(problems, "destination \"h2\": max_in_flight: must be a whole number from 1 to 64, got 0"));
  CHECK(has(problems, "destination \"q\": type: must be slack or webhook"));
  CHECK(has(problems, "destination \"q\": colour: unknown key"));
  CHECK(has(problems, "destination \"r\": retry_max_seconds: must be at least retry_initial_seconds"));
  CHECK(has(problems, "routing.default: no destination named \"ghost\""));
  CHECK(has(problems, "routing.by_csm.maria: must be a non-empty list"));
}

TEST_CASE("destinations: env values, defaults and routing by CSM") {
  triggers::DestinationSet set;
  auto problems = parse(R"({"destinations": [
      {"name": "team", "type": "slack", "url": "env:SLACK_URL"},
      {"name": "maria-dm", "type": "slack", "url": "https://hooks.slack.com/services/T/B/maria"},
      {"name": "crm", "type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "env:CRM_SECRET", "per_second": 20}]})",
                        set, {{"SLACK_URL", "https://hooks.slack.com/services/T/B/team"},
                              {"CRM_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}});
  REQUIRE(problems.empty());
  CHECK(set.find("team")->url == "https://hooks.slack.com/services/T/B/team");
  CHECK(set.find("team")->per_second == 1);  // Slack's pace unless told otherwise
  CHECK(set.find("crm")->per_second == 20);
  // Without routing every destination is the default.
  CHECK(set.routing.for_csm("anyone") == std::vector<std::string>{"team", "maria-dm", "crm"});
  // A Slack URL is a secret: the JSON view shows only its host.
  CHECK(triggers::destination_to_json(*set.find("maria-dm"))["url"] == "https://hooks.slack.com/…");
  CHECK_FALSE(triggers::destination_to_json(*set.find("crm")).contains("secret"));

  triggers::DestinationSet routed;
  problems = parse(R"({"destinations": [{"name": "team", "type": "slack", "url": "http://a/x"},
                                        {"name": "dm", "type": "slack", "url": "http://a/y"}],
                       "routing": {"default": ["team"], "by_csm": {"maria": ["dm", "team"]}}})", routed);
  REQUIRE(problems.empty());
  CHECK(routed.routing.for_csm("maria") == std::vector<std::string>{"dm", "team"});
  CHECK(routed.routing.for_csm("kemi") == std::vector<std::string>{"team"});
}

TEST_CASE("Slack message: Block Kit limits hold and mrkdwn is escaped") {
  json ctx = {{"id", "alr_0123456789abcdef"}, {"rule", "r"}, {"title", std::string(400, 'T')},
              {"at", "2026-10-01T00:00:00Z"}, {"what", "usage <dropped> & " + std::string(5000, 'x')},
              {"action", "call"}, {"stage", "foundational"},
              {"account", {{"id", "a1"}, {"name", "Acme <script>"}, {"arr", 1234567.0}, {"renewal_date", "2026-12-01"},
                           {"days_to_renewal", 61}, {"csm", "maria"}, {"tier", "upmarket"}, {"plan", "enterprise"}}},
              {"frontier", json::array({{{"milestone", "m"}, {"title", "M"}, {"progress", {{"current", 1}, {"target", 3}, {"unit", "groups"}}}}})},
              {"recommended", json::array({{{"milestone", "m"}, {"detail", "take course c1"}}})}};
  json msg = triggers::slack_message(ctx);
  REQUIRE(msg["blocks"].is_array());
  for (const auto& b : msg["blocks"]) {
    if (b["type"] == "header") CHECK(b["text"]["text"].get<std::string>().size() <= 150);
    if (b["type"] == "section" && b.contains("text")) CHECK(b["text"]["text"].get<std::string>().size() <= 3000);
    if (b.contains("fields")) CHECK(b["fields"].size() <= 10);
  }
  const std::string all = msg.dump();
  CHECK(all.find("Acme &lt;script&gt;") != std::string::npos);
  CHECK(all.find("usage &lt;dropped&gt; &amp;") != std::string::npos);
  CHECK(all.find("$1,234,567") != std::string::npos);
  CHECK(all.find("2026-12-01 (61 days)") != std::string::npos);
  CHECK(all.find("1/3 groups") != std::string::npos);
  CHECK(all.find("take course c1") != std::string::npos);
  CHECK(all.find("alr_0123456789abcdef") != std::string::npos);
  CHECK(msg["text"].get<std::string>().size() <= 3000);

  json env = triggers::webhook_payload(ctx);
  CHECK(env["type"] == "alert.fired");
  CHECK(env["data"]["id"] == "alr_0123456789abcdef");
}

TEST_CASE("webhook request: signed with the alert id, the same id on every attempt") {
  triggers::Destination d;
  d.kind = triggers::Destination::Kind::kWebhook;
  d.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  json ctx = {{"id", "alr_00000000000000aa"}, {"at", "2026-10-01T00:00:00Z"}};
  auto a = alerts::webhook_request(d, ctx, 1000), b = alerts::webhook_request(d, ctx, 2000);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::map<std::string, std::string> ha(a->headers.begin(), a->headers.end()), hb(b->headers.begin(), b->headers.end());
  CHECK(ha["webhook-id"] == "alr_00000000000000aa");
  CHECK(hb["webhook-id"] == ha["webhook-id"]);
  CHECK(ha["webhook-timestamp"] == "1000");
  CHECK(ha["webhook-signature"] == *alerts::standard_webhooks_signature(d.secret, "alr_00000000000000aa", 1000, a->body));
  CHECK(ha["webhook-signature"] != hb["webhook-signature"]);  // the timestamp is signed
  CHECK(a->body == b->body);
  d.kind = triggers::Destination::Kind::kSlack;
  auto s = alerts::webhook_request(d, ctx, 1000);
  REQUIRE(s.ok());
  CHECK(s->headers.empty());
  CHECK(json::parse(s->body).contains("blocks"));
}

TEST_CASE("outbox records: a fired alert has one pending delivery per destination; due() follows leases") {
  json ctx = {{"id", "alr_1"}, {"rule", "r"}, {"account", {{"id", "a1"}}}};
  auto docs = alerts::fired_documents(ctx, "maria", {"slack", "crm"}, 5000);
  REQUIRE(docs.size() == 3);
  CHECK(docs[0].collection == std::string(alerts::kAlerts));
  CHECK(json::parse(docs[0].body)["csm"] == "maria");
  CHECK(docs[1].key == "alr_1|slack");
  auto d = alerts::delivery_from_json(docs[2].body);
  REQUIRE(d.ok());
  CHECK(d->status == "pending");
  CHECK(alerts::due(*d, 5000));
  CHECK_FALSE(alerts::due(*d, 4999));
  d->status = "sending";
  d->lease_until = 9000;
  CHECK_FALSE(alerts::due(*d, 8999));
  CHECK(alerts::due(*d, 9000));  // the claimer died: free again
  d->status = "sent";
  CHECK_FALSE(alerts::due(*d, 1'000'000));
  auto back = alerts::delivery_from_json(alerts::delivery_to_json(*d).dump());
  REQUIRE(back.ok());
  CHECK(back->lease_until == 9000);
  CHECK(alerts::delivery_from_json("[1]").status().code() == Code::kInternal);
}

TEST_CASE("episode documents round-trip per account") {
  triggers::EpisodeBook book;
  book[{"r1", "a1"}] = {true, true, 42};
  book[{"r2", "a1"}] = {false, true, 7};
  book[{"r1", "a2"}] = {true, false, std::nullopt};
  const std::string body = alerts::episodes_body(book, "a1");
  triggers::EpisodeBook back;
  REQUIRE(alerts::parse_episodes("a1", body, back));
  CHECK(back.size() == 2);
  CHECK(back.at({"r1", "a1"}) == book.at({"r1", "a1"}));
  CHECK(back.at({"r2", "a1"}) == book.at({"r2", "a1"}));
  CHECK_FALSE(alerts::parse_episodes("a1", "{\"r\": 3}", back));
}

// Background work runs at a lower CPU priority than the request threads, in its own thread only.
TEST_CASE("a background thread's nice value is raised; the other threads keep theirs") {
  auto nice_of = [](long tid) {
    errno = 0;
    return ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  };
  const long caller = ::syscall(SYS_gettid);
  const int before = nice_of(caller);
  int in_thread_before = 0, in_thread_after = 0;
  std::thread background([&] {
    const long self = ::syscall(SYS_gettid);
    in_thread_before = nice_of(self);
    alerts::run_in_background();
    in_thread_after = nice_of(self);
  });
  background.join();
  CHECK(in_thread_before == before);  // a new thread starts with its creator's value
  CHECK(in_thread_after == std::min(19, before + alerts::kBackgroundNice));
  CHECK(nice_of(caller) == before);  // the caller's is untouched
}
