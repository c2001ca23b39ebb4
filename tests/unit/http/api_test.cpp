// The dispatcher: routing failures, authentication and scope checks, exceptions, headers.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "fake_store.h"
#include "http/api.h"
#include "http/problem.h"

using namespace uplift;
using namespace uplift::http;

namespace {
HttpRequest req(std::string method, std::string path, std::string auth = "") {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (!auth.empty()) r.headers["Authorization"] = auth;
  return r;
}
}  // namespace

TEST_CASE("the dispatcher authenticates, checks scopes and reports problems") {
  testing::FakeStore store;
  auto admin = create_key(store, "admin", Scope::kAdmin, 1);
  auto lms = create_key(store, "lms", Scope::kLms, 1);
  auto ingest = create_key(store, "ingest", Scope::kIngest, 1);
  auto analyst = create_key(store, "analyst", Scope::kAnalyst, 1);
  REQUIRE((admin.ok() && lms.ok() && ingest.ok() && analyst.ok()));
  KeyRing ring(store);
  Api api(&ring, std::nullopt);
  auto ok = [](const RequestContext& c) { return json_response({{"key", c.key_name}}); };
  api.add("GET", "/healthz", Access::kPublic, ok);
  api.add("GET", "/v1/read", Access::kRead, ok);
  api.add("GET", "/v1/learner", Access::kLearner, ok);
  api.add("POST", "/v1/write", Access::kIngest, ok);
  api.add("POST", "/v1/admin", Access::kAdmin, ok);
  api.add("GET", "/v1/boom", Access::kPublic, [](const RequestContext&) -> HttpResponse {
    throw std::runtime_error("secret internals");
  });
  bool stale = false;
  api.set_stale_probe([&] { return stale; });

  const std::string A = "Bearer " + admin->secret, L = "Bearer " + lms->secret, I = "Bearer " + ingest->secret,
                    N = "Bearer " + analyst->secret;
  struct Case {
    const char* method;
    const char* path;
    std::string auth;
    int status;
  };
  const Case cases[] = {
      {"GET", "/healthz", "", 200},       {"GET", "/v1/read", "", 401},       {"GET", "/v1/read", L, 403},
      {"GET", "/v1/read", N, 200},        {"GET", "/v1/learner", L, 200},     {"GET", "/v1/learner", N, 200},
      {"GET", "/v1/learner", I, 403},     {"POST", "/v1/write", N, 403},      {"POST", "/v1/admin", N, 403},
      {"GET", "/v1/read", A, 200},        {"GET", "/v1/read", I, 403},        {"POST", "/v1/write", I, 200},
      {"POST", "/v1/write", L, 403},      {"POST", "/v1/write", A, 200},      {"POST", "/v1/admin", L, 403},
      {"POST", "/v1/admin", I, 403},      {"POST", "/v1/admin", A, 200},      {"GET", "/v1/read", "Bearer nope", 401},
      {"GET", "/v1/read", "Basic Og==", 401}, {"DELETE", "/v1/read", L, 405}, {"GET", "/v1/missing", A, 404},
      {"GET", "/console.js", "", 404},    {"GET", "/v1/boom", "", 500},
  };
  for (const auto& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.path);
    CAPTURE(c.auth);
    auto out = api.handle(req(c.method, c.path, c.auth));
    CHECK(out.response.status == c.status);
    CHECK(out.response.header("X-Content-Type-Options") == "nosniff");
    CHECK_FALSE(out.response.header("Access-Control-Allow-Origin").has_value());
    if (c.status >= 400) {
      CHECK(out.response.content_type == "application/problem+json");
      auto j = nlohmann::json::parse(out.response.body);
      CHECK(j["status"] == c.status);
      CHECK(j["instance"] == c.path);
      CHECK(out.response.body.find("secret internals") == std::string::npos);
    }
  }
  auto named = api.handle(req("GET", "/v1/learner", L));
  CHECK(named.key_name == "lms");
  CHECK(named.route == "/v1/learner");
  CHECK(nlohmann::json::parse(named.response.body)["key"] == "lms");
  CHECK(api.handle(req("DELETE", "/v1/read", L)).response.header("Allow") == "GET");
  auto refused = api.handle(req("GET", "/v1/read", L));
  CHECK(nlohmann::json::parse(refused.response.body)["detail"].get<std::string>().find("needs analyst or admin") !=
        std::string::npos);
  CHECK(api.handle(req("GET", "/v1/read")).response.header("WWW-Authenticate").has_value());

  stale = true;
  CHECK(api.handle(req("GET", "/v1/read", L)).response.header("Uplift-Stale") == "true");
}

TEST_CASE("a front-door answer, matched and authenticated once, is the answer handle() gives") {
  testing::FakeStore store;
  auto lms = create_key(store, "lms", Scope::kLms, 1);
  auto ingest = create_key(store, "ingest", Scope::kIngest, 1);
  REQUIRE((lms.ok() && ingest.ok()));
  KeyRing ring(store);
  REQUIRE(ring.refresh().ok());
  Api api(&ring, std::nullopt);
  auto echo = [](const RequestContext& c) { return json_response({{"key", c.key_name}, {"id", c.param("id")}}); };
  api.add("GET", "/v1/learners/{id}/recommendations", Access::kLearner, echo, Lane::kFrontDoor);
  api.add("GET", "/v1/learners/{id}/boom", Access::kLearner,
          [](const RequestContext&) -> HttpResponse { throw std::runtime_error("secret internals"); }, Lane::kFrontDoor);
  api.add("GET", "/v1/accounts/{id}", Access::kLearner, echo);  // a worker's route
  api.add("POST", "/v1/learners/{id}/recommendations", Access::kLearner, echo, Lane::kFrontDoor);

  // Only GETs to front-door routes are matched for the front door.
  CHECK(api.front_door_match("GET", "/v1/learners/a/recommendations").has_value());
  CHECK_FALSE(api.front_door_match("POST", "/v1/learners/a/recommendations").has_value());
  CHECK_FALSE(api.front_door_match("GET", "/v1/accounts/a").has_value());
  CHECK_FALSE(api.front_door_match("GET", "/v1/nowhere").has_value());
  CHECK_FALSE(api.front_door_match("GET", "/v1/learners/%zz/recommendations").has_value());

  const std::string unknown = "Bearer upl_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
  for (const std::string path : {"/v1/learners/jane%40example.com/recommendations", "/v1/learners/a/boom"})
    for (const std::string& auth : std::vector<std::string>{"Bearer " + lms->secret, "Bearer " + ingest->secret, std::string(), "Basic !!!",
                                   "Bearer " + lms->secret.substr(0, lms->secret.size() - 1) + "x"}) {
      CAPTURE(path);
      CAPTURE(auth);
      auto request = req("GET", path, auth);
      auto match = api.front_door_match("GET", path);
      REQUIRE(match.has_value());
      auto key = ring.authenticate_from_memory(auth);
      REQUIRE(key.has_value());  // every one of these is answered from memory
      auto at_front = api.handle(request, std::move(*match), *key);
      auto plain = api.handle(request);
      CHECK(at_front.response.status == plain.response.status);
      CHECK(at_front.response.body == plain.response.body);
      CHECK(at_front.response.headers == plain.response.headers);
      CHECK(at_front.route == plain.route);
      CHECK(at_front.key_name == plain.key_name);
    }
  // A well-formed key the ring does not hold: only the store can say, so not from memory.
  CHECK_FALSE(ring.authenticate_from_memory(unknown).has_value());
  CHECK(ring.authenticate(unknown).status().code() == Code::kUnauthenticated);
}
