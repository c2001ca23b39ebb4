// POST /v1/cohorts bodies: a table of bodies and the field each must be refused for.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "http/cohort_request.h"

using namespace uplift;
using namespace uplift::http;

TEST_CASE("a full cohort request is read field by field") {
  auto r = parse_cohort_request(nlohmann::json::parse(
      R"({"program":"dma","capacity":10,"holdout_fraction":0.25,"seed":7,"as_of":"2026-07-01","id":"dma-pilot_1.a","preview":true})"));
  REQUIRE(std::holds_alternative<CohortRequest>(r));
  const auto& c = std::get<CohortRequest>(r);
  CHECK(c.program == "dma");
  CHECK(c.capacity == 10);
  CHECK(c.holdout_fraction == doctest::Approx(0.25));
  CHECK(c.seed == 7u);
  CHECK(c.as_of == parse_date("2026-07-01").value());
  CHECK(c.id == "dma-pilot_1.a");
  CHECK(c.preview);
}

TEST_CASE("only the program is required; the rest default to the program's settings") {
  auto r = parse_cohort_request(nlohmann::json::parse(R"({"program":"dma","capacity":null})"));
  REQUIRE(std::holds_alternative<CohortRequest>(r));
  const auto& c = std::get<CohortRequest>(r);
  CHECK_FALSE(c.capacity.has_value());
  CHECK_FALSE(c.holdout_fraction.has_value());
  CHECK_FALSE(c.seed.has_value());
  CHECK_FALSE(c.as_of.has_value());
  CHECK(c.id.empty());
  CHECK_FALSE(c.preview);
}

TEST_CASE("each bad field is named, with what it accepts") {
  struct Case {
    const char* body;
    const char* field;
    const char* reason_has;
  };
  const Case cases[] = {
      {R"([1,2])", "", "expected a JSON object"},
      {R"({})", "program", "required"},
      {R"({"program":""})", "program", "non-empty string"},
      {R"({"program":3})", "program", "got 3"},
      {R"({"program":"p","capacity":0})", "capacity", "1-100000, got 0"},
      {R"({"program":"p","capacity":-3})", "capacity", "got -3"},
      {R"({"program":"p","capacity":2.5})", "capacity", "got 2.5"},
      {R"({"program":"p","capacity":"10"})", "capacity", "got \"10\""},
      {R"({"program":"p","capacity":100001})", "capacity", "1-100000"},
      {R"({"program":"p","holdout_fraction":0.95})", "holdout_fraction", "0 to 0.9, got 0.95"},
      {R"({"program":"p","holdout_fraction":-0.1})", "holdout_fraction", "got -0.1"},
      {R"({"program":"p","holdout_fraction":"0.2"})", "holdout_fraction", "a number"},
      {R"({"program":"p","seed":-1})", "seed", "non-negative integer"},
      {R"({"program":"p","seed":1.5})", "seed", "non-negative integer"},
      {R"({"program":"p","as_of":"2026-13-01"})", "as_of", "YYYY-MM-DD"},
      {R"({"program":"p","as_of":20260701})", "as_of", "YYYY-MM-DD"},
      {R"({"program":"p","id":"a/b"})", "id", "letters, digits"},
      {R"({"program":"p","id":".."})", "id", "letters, digits"},
      {R"({"program":"p","id":""})", "id", "letters, digits"},
      {R"({"program":"p","preview":"yes"})", "preview", "true or false"},
      {R"({"program":"p","holdout":0.2})", "holdout", "unknown field"},
      {R"({"program":"p","dry_run":true})", "dry_run", "unknown field"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto r = parse_cohort_request(nlohmann::json::parse(c.body));
    REQUIRE(std::holds_alternative<CohortFieldError>(r));
    const auto& e = std::get<CohortFieldError>(r);
    CHECK(e.field == c.field);
    CHECK(e.reason.find(c.reason_has) != std::string::npos);
  }
}
