#include <doctest/doctest.h>

#include "http/router.h"

using namespace uplift::http;

namespace {
Router sample() {
  Router r;
  auto h = [](const RequestContext&) { return HttpResponse{}; };
  r.add({"GET", "/v1/accounts", Access::kRead, h});
  r.add({"GET", "/v1/accounts/{id}", Access::kRead, h});
  r.add({"GET", "/v1/cohorts/{id}/invitees.csv", Access::kAdmin, h});
  r.add({"GET", "/v1/cohorts/{id}", Access::kAdmin, h});
  r.add({"POST", "/v1/cohorts", Access::kAdmin, h});
  r.add({"GET", "/v1/segments/{id}/learners", Access::kRead, h});
  r.add({"GET", "/v1/learners/{id}", Access::kRead, h});
  r.add({"GET", "/v1/learners/{id}/path", Access::kRead, h});
  r.add({"POST", "/xapi/statements", Access::kIngest, h});
  r.add({"PUT", "/xapi/statements", Access::kIngest, h});
  return r;
}
}  // namespace

TEST_CASE("routes match by template, with decoded parameters") {
  struct Case {
    const char *method, *path, *pattern, *param;
  };
  const Case cases[] = {
      {"GET", "/v1/accounts", "/v1/accounts", nullptr},
      {"GET", "/v1/accounts/acme", "/v1/accounts/{id}", "acme"},
      {"GET", "/v1/accounts/acme%20inc", "/v1/accounts/{id}", "acme inc"},
      {"GET", "/v1/accounts/a%2Fb", "/v1/accounts/{id}", "a/b"},
      {"GET", "/v1/cohorts/c1/invitees.csv", "/v1/cohorts/{id}/invitees.csv", "c1"},
      {"GET", "/v1/cohorts/c1", "/v1/cohorts/{id}", "c1"},
      {"GET", "/v1/learners/l-1/path", "/v1/learners/{id}/path", "l-1"},
      {"HEAD", "/v1/accounts/x", "/v1/accounts/{id}", "x"},
      {"PUT", "/xapi/statements", "/xapi/statements", nullptr},
  };
  Router r = sample();
  for (const auto& c : cases) {
    CAPTURE(c.path);
    auto m = r.match(c.method, c.path);
    REQUIRE(m.kind == RouteMatch::Kind::kFound);
    CHECK(m.route->pattern == c.pattern);
    if (c.param) CHECK(m.params.at("id") == c.param);
  }
}

TEST_CASE("a NUL in a path parameter, raw or encoded, never matches (fuzz_router regression)") {
  Router r = sample();
  using namespace std::string_literals;
  CHECK(r.match("GET", "/v1/accounts/a\0b"s).kind == RouteMatch::Kind::kNotFound);
  CHECK(r.match("GET", "/v1/accounts/a%00b").kind == RouteMatch::Kind::kNotFound);
  CHECK_FALSE(percent_decode("a\0b"s, false).has_value());
}

TEST_CASE("unknown paths are not found; known paths with another method are 405 with Allow") {
  Router r = sample();
  for (const char* p : {"/", "/v1", "/v1/accounts/", "/v1/accounts/a/b", "/v2/accounts", "/v1/accounts/%zz",
                        "/v1/accounts/%00", "/v1/cohorts//invitees.csv"}) {
    CAPTURE(std::string(p));
    CHECK(r.match("GET", p).kind == RouteMatch::Kind::kNotFound);
  }
  auto m = r.match("DELETE", "/v1/cohorts");
  CHECK(m.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(m.allowed == std::vector<std::string>{"POST"});
  auto x = r.match("GET", "/xapi/statements");
  CHECK(x.kind == RouteMatch::Kind::kMethodNotAllowed);
  CHECK(x.allowed == std::vector<std::string>{"POST", "PUT"});
}

TEST_CASE("query strings are split and decoded in order") {
  auto q = parse_query("a=1&b=x%20y&c=p+q&&d&e=%zz");
  REQUIRE(q.size() == 5);
  CHECK(q[0] == std::pair<std::string, std::string>{"a", "1"});
  CHECK(q[1].second == "x y");
  CHECK(q[2].second == "p q");
  CHECK(q[3] == std::pair<std::string, std::string>{"d", ""});
  CHECK(q[4].second == "%zz");
}

TEST_CASE("media type ignores parameters and case") {
  HttpRequest r;
  r.headers["content-type"] = " Application/JSON ; charset=utf-8";
  CHECK(r.media_type() == "application/json");
  CHECK(r.header("Content-Type").size() > 0);
}
