// Programs from content_maps: the shipped file parses; every bad field is refused with the file,
// the program id and the field named.
#include <doctest/doctest.h>

#include <filesystem>

#include "cohorts/program.h"

using namespace uplift;
using nlohmann::json;

namespace {
json doc_with(json program) { return json{{"programs", json::array({program})}}; }
json valid() {
  return {{"id", "dma"},          {"title", "DM"},  {"target_milestone", "dm_used"}, {"target_event", "dm_edit"},
          {"sessions", 3},        {"capacity", 40}, {"holdout_fraction", 0.2},
          {"eligibility", {{"reached", "foundational"}, {"reached_days_ago_min", 30}, {"roles", {"admin"}}}},
          {"ranking", {{"arr", 2}}}};
}
}  // namespace

TEST_CASE("a valid program parses with defaults filled in") {
  auto r = cohorts::parse_programs(doc_with(valid()), "maps.json");
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  const auto& p = (*r)[0];
  CHECK(p.id == "dma");
  CHECK(p.capacity == 40);
  CHECK(p.holdout_fraction == doctest::Approx(0.2));
  CHECK(p.eligibility.reached == "foundational");
  CHECK(p.eligibility.reached_days_ago_min == 30);
  CHECK(p.eligibility.roles == std::vector<std::string>{"admin"});
  CHECK(p.weights.arr == 2);
  CHECK(p.weights.renewal == 1);
  CHECK(p.source == "maps.json");
  CHECK(p.conversion_milestone == "dm_used");  // defaults to the target milestone
}

TEST_CASE("conversion_milestone, when given, is what the report's conversion measures") {
  json j = valid();
  j["conversion_milestone"] = "advanced";
  auto r = cohorts::parse_programs(doc_with(j), "maps.json");
  REQUIRE(r.ok());
  CHECK((*r)[0].target_milestone == "dm_used");
  CHECK((*r)[0].conversion_milestone == "advanced");
}

TEST_CASE("every milestone and stage a program names must exist in the graph, each dangling one named") {
  const std::vector<std::string> milestones{"dm_used", "foundational", "advanced"}, stages{"onboarding", "foundational"};
  json j = valid();
  j["conversion_milestone"] = "advnced";
  j["eligibility"]["lacks_milestone"] = "dm_usd";
  j["eligibility"]["stages"] = {"foundational", "mature"};
  auto r = cohorts::parse_programs(doc_with(j), "maps.json");
  REQUIRE(r.ok());
  Status st = cohorts::check_program_refs(*r, milestones, stages);
  REQUIRE_FALSE(st.ok());
  const std::string& m = st.message();
  CHECK(m.find("maps.json: program 'dma': conversion_milestone: 'advnced' is not a milestone of the graph") != std::string::npos);
  CHECK(m.find("maps.json: program 'dma': eligibility.lacks_milestone: 'dm_usd' is not a milestone of the graph") != std::string::npos);
  CHECK(m.find("maps.json: program 'dma': eligibility.stages: 'mature' is not a stage of the graph") != std::string::npos);
  CHECK(m.find("'foundational'") == std::string::npos);  // the good references are not reported

  CHECK(cohorts::check_program_refs(*cohorts::parse_programs(doc_with(valid()), "maps.json"), milestones, stages).ok());
  json unknown_target = valid();
  unknown_target["target_milestone"] = "nope";
  st = cohorts::check_program_refs(*cohorts::parse_programs(doc_with(unknown_target), "maps.json"), milestones, stages);
  CHECK(st.message().find("target_milestone: 'nope' is not a milestone") != std::string::npos);
}

TEST_CASE("a document without programs has none") {
  auto r = cohorts::parse_programs(json{{"catalog", json::array()}}, "maps.json");
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("bad programs are refused naming file, program and field") {
  struct Case {
    const char* field;
    json value;
    const char* expect;
  };
  const Case cases[] = {
      {"capacity", 0, "maps.json: programs[0] (dma): capacity: must be >= 1"},
      {"capacity", "ten", "maps.json: programs[0] (dma): capacity: expected an integer"},
      {"holdout_fraction", 0.95, "maps.json: programs[0] (dma): holdout_fraction: must be in [0, 0.9]"},
      {"target_event", nullptr, "maps.json: programs[0] (dma): target_event: required field is missing"},
      {"sessions", 0, "maps.json: programs[0] (dma): sessions: must be >= 1"},
      {"colour", "red", "maps.json: programs[0] (dma): colour: unknown field"},
      {"eligibility", json{{"reached_days_ago_min", 5}}, "eligibility.reached_days_ago_min: needs eligibility.reached"},
      {"eligibility", json{{"roles", {1}}}, "eligibility.roles[0]: expected a string"},
      {"eligibility", json{{"plan", "pro"}}, "eligibility.plan: unknown field"},
      {"ranking", json{{"arr", -1}}, "ranking.arr: must be >= 0"},
  };
  for (const auto& c : cases) {
    json p = valid();
    if (c.value.is_null()) p.erase(c.field);
    else p[c.field] = c.value;
    auto r = cohorts::parse_programs(doc_with(p), "maps.json");
    INFO(c.field << " = " << c.value.dump());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find(c.expect) != std::string::npos);
  }
}

TEST_CASE("a program without id is named by its index; duplicate ids are refused") {
  json p = valid();
  p.erase("id");
  auto r = cohorts::parse_programs(doc_with(p), "m.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "m.json: programs[0]: id: required field is missing");
  auto dup = cohorts::parse_programs(json{{"programs", {valid(), valid()}}}, "m.json");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message().find("programs[1] (dma): id: duplicate program id 'dma'") != std::string::npos);
}

TEST_CASE("the shipped content maps define the accelerator programs") {
  auto r = cohorts::load_programs((std::filesystem::path(UPLIFT_SOURCE_DIR) / "content_maps").string());
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const auto* dma = cohorts::find_program(*r, "data_manager_accelerator");
  REQUIRE(dma != nullptr);
  CHECK(dma->target_event == "data_manager_edit");
  CHECK(dma->holdout_fraction > 0);
  // Its accounts already use the data manager a little (target_event_max_30d), so conversion is
  // measured on the next stage.
  CHECK(dma->conversion_milestone == "advanced");
}
