#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/json_body.h"
#include "http/problem.h"

using namespace uplift;
using namespace uplift::http;

TEST_CASE("problem+json carries the RFC 9457 members") {
  auto p = not_found("no account 'x'");
  p.instance = "/v1/accounts/x";
  auto r = problem_response(p);
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/problem+json");
  auto j = nlohmann::json::parse(r.body);
  CHECK(j["type"] == "urn:uplift:problem:not-found");
  CHECK(j["title"] == "Not found");
  CHECK(j["status"] == 404);
  CHECK(j["detail"] == "no account 'x'");
  CHECK(j["instance"] == "/v1/accounts/x");
}

TEST_CASE("status codes map to HTTP statuses; 401 challenges, 503 asks to retry") {
  struct Case {
    Status status;
    int http;
  };
  const Case cases[] = {
      {Status::InvalidArgument("x"), 400}, {Status::NotFound("x"), 404},       {Status::AlreadyExists("x"), 409},
      {Status::FailedPrecondition("x"), 409}, {Status::Unavailable("x"), 503}, {Status::PermissionDenied("x"), 403},
      {Status::Unauthenticated("x"), 401}, {Status::ResourceExhausted("x"), 413}, {Status::Internal("x"), 500},
  };
  for (const auto& c : cases) {
    CAPTURE(c.status.to_string());
    auto r = problem_response(problem_from_status(c.status));
    CHECK(r.status == c.http);
    CHECK(r.header("WWW-Authenticate").has_value() == (c.http == 401));
    CHECK(r.header("Retry-After").has_value() == (c.http == 503));
  }
  // Internal details never reach the client.
  auto r = problem_response(problem_from_status(Status::Internal("SELECT * FROM secret")));
  CHECK(r.body.find("SELECT") == std::string::npos);
}

TEST_CASE("invalid UTF-8 in a detail is replaced, never thrown") {
  auto r = problem_response(bad_request(std::string("bad \xff\xfe byte")));
  CHECK(nlohmann::json::parse(r.body)["detail"].get<std::string>().find("bad") == 0);
}

TEST_CASE("JSON bodies: depth limit before parsing, byte offsets in errors") {
  CHECK(json_depth("{}") == 1);
  CHECK(json_depth(R"({"a":[{"b":"[[[[["}]})") == 3);  // brackets inside strings do not count
  CHECK(json_depth(R"("\"[")") == 0);
  std::string deep(100, '[');
  CHECK(json_depth(deep) == -1);
  CHECK(parse_json(deep).status().message().find("nested deeper than 64") != std::string::npos);
  CHECK(parse_json(R"({"a":1})").ok());
  auto bad = parse_json(R"({"a":})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("byte 6") != std::string::npos);
  CHECK_FALSE(parse_json("{\"a\":\"\xff\"}").ok());  // invalid UTF-8
  CHECK_FALSE(parse_json("").ok());
}
