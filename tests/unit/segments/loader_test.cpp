#include <doctest/doctest.h>

#include "segments/json_source.h"
#include "segments/loader.h"
#include "unit/segments/scenario_support.h"

using namespace uplift;
using nlohmann::json;

namespace {
std::string load_error(const json& doc, const segments::KnownIds& known = {}) {
  segments::SegmentSet set;
  auto st = segments::parse_segments(doc, "segments/bad.json", known, set);
  REQUIRE(!st.ok());
  CHECK(st.code() == Code::kInvalidArgument);
  return st.message();
}
}  // namespace

TEST_CASE("the shipped segment catalog loads against the shipped milestone stages") {
  auto set = segments::load_segments(scenario::source_dir() + "/segments");
  REQUIRE_MESSAGE(set.ok(), set.status().message());
  CHECK(set->find("renewal_risk"));
  CHECK(set->find("trial_prospects"));
  CHECK(set->segments.size() >= 7);
}

TEST_CASE("invalid segment catalogs are refused with messages naming file and segment") {
  struct Case {
    const char* doc;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"segments": [{"id": "a", "rule": {"colour": "red"}}]})",
       "segments/bad.json: segment 'a': rule.colour: unknown field 'colour'"},
      {R"({"segments": [{"id": "a", "rule": {"tenure_days": {"between": [1, 2]}}}]})",
       "segments/bad.json: segment 'a': rule.tenure_days: unknown operator 'between' for field 'tenure_days'"},
      {R"({"segments": [{"id": "a", "rule": {"role": {"like": "adm%"}}}]})",
       "segments/bad.json: segment 'a': rule.role: unknown operator 'like' for field 'role'"},
      {R"({"segments": [{"id": "a", "rule": {"audience": "prospect"}}]})",
       "segments/bad.json: segment 'a': rule.audience: unknown audience 'prospect'"},
      {R"({"segments": [{"id": "a", "rule": {"tenure_days": {"gt": -3}}}]})",
       "segments/bad.json: segment 'a': rule.tenure_days.gt: days must not be negative"},
      {R"({"segments": [{"id": "a", "rule": {"tenure_days": {"gt": "long"}}}]})",
       "segments/bad.json: segment 'a': rule.tenure_days.gt: expected a number of days, got \"long\""},
      {R"({"segments": [{"id": "a", "rule": {"role": "x"}}, {"id": "a", "rule": {"role": "y"}}]})",
       "segments/bad.json: segment 'a': duplicate segment id (first defined in segments/bad.json)"},
      {R"({"segments": [{"id": "a", "rule": {"role": "x"}, "colour": 1}]})",
       "segments/bad.json: segment 'a': unknown field 'colour'"},
      {R"({"segments": [{"id": "a"}]})", "segments/bad.json: segment 'a': required field 'rule' is missing"},
      {R"({"segments": [{"rule": {"role": "x"}}]})",
       "segments/bad.json: segments[0]: required field 'id' is missing"},
      {R"({"segments": [{"id": "a", "rule": {"all": []}}]})",
       "segments/bad.json: segment 'a': rule.all: expected a non-empty list of rules"},
      {R"({"segments": [{"id": "a", "rule": {"not": {"any": [{"role": 3}]}}}]})",
       "segments/bad.json: segment 'a': rule.not.any[0].role: expected a non-empty string, got 3"},
      {R"({"segs": []})", "segments/bad.json: expected an object with a \"segments\" list"},
  };
  for (const auto& c : cases) {
    INFO(c.doc);
    std::string msg = load_error(json::parse(c.doc));
    CHECK_MESSAGE(msg.find(c.expected) != std::string::npos, msg);
  }
}

TEST_CASE("every problem is reported, not only the first") {
  std::string msg = load_error(json::parse(
      R"({"segments": [{"id": "a", "rule": {"colour": "red"}}, {"id": "b", "rule": {"audience": "martian"}}]})"));
  CHECK(msg.find("segment 'a'") != std::string::npos);
  CHECK(msg.find("segment 'b'") != std::string::npos);
}

TEST_CASE("stages and milestones are checked when the caller knows them") {
  segments::KnownIds known{{"onboarding", "foundational"}, {"foundational", "three_groups"}};
  std::string msg = load_error(
      json::parse(R"({"segments": [{"id": "a", "rule": {"any": [{"stage": "expert"}, {"achieved": "moonshot"}]}}]})"),
      known);
  CHECK(msg.find("segment 'a': rule.any[0].stage: unknown stage 'expert'") != std::string::npos);
  CHECK(msg.find("segment 'a': rule.any[1].achieved: unknown milestone 'moonshot'") != std::string::npos);
}

TEST_CASE("JSON syntax errors name file, line and column") {
  auto r = config::parse_json_text("{\n  \"segments\": [\n    {\"id\": \"a\",, }\n  ]\n}", "segments/x.json");
  REQUIRE(!r.ok());
  CHECK_MESSAGE(r.status().message().rfind("segments/x.json:3:", 0) == 0, r.status().message());
}

TEST_CASE("a missing catalog path is NotFound") {
  auto r = segments::load_segments(scenario::source_dir() + "/segments/nope.json");
  CHECK(r.status().code() == Code::kNotFound);
}

TEST_CASE("rules round-trip to the JSON they were written in") {
  json doc = json::parse(R"({"segments": [{"id": "r", "rule": {"all": [{"audience": "customer"},
      {"any": [{"all": [{"stage": "onboarding"}, {"account_tenure_days": {"gt": 180}}]}, {"flag": "out_of_order"}]},
      {"not": {"role": {"not_in": ["admin", "legal"]}}}]}}]})");
  segments::SegmentSet set;
  REQUIRE(segments::parse_segments(doc, "x", {}, set).ok());
  CHECK(segments::rule_to_json(set.segments[0].rule) == doc["segments"][0]["rule"]);
}
