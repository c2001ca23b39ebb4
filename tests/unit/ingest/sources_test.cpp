// Webhook sources (ingest/sources.h): every problem at once, env tokens, token comparison.
#include <doctest/doctest.h>

#include "ingest/sources.h"

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
