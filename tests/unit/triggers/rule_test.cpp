// Loading trigger rules: the shipped defaults load; every problem of a bad file is listed with the
// file and the rule id; flags and filters judged on hand-made states.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "milestones/loader.h"
#include "triggers/detect.h"
#include "unit/segments/scenario_support.h"

using namespace uplift;
using nlohmann::json;

namespace {
milestones::Graph shipped_graph() {
  auto g = milestones::load_graph_or_error(scenario::source_dir() + "/milestones");
  REQUIRE_MESSAGE(g.ok(), g.status().message());
  return std::move(*g);
}
}  // namespace

TEST_CASE("the shipped triggers load against the shipped graph") {
  auto rules = triggers::load_triggers(scenario::source_dir() + "/triggers", shipped_graph());
  REQUIRE_MESSAGE(rules.ok(), rules.status().message());
  CHECK(rules->rules.size() >= 5);
  CHECK(rules->find("usage_decline_outreach"));
  CHECK(rules->find("sponsor_departed_before_renewal")->renewal_within_days == 90);
}

TEST_CASE("every problem is listed at once, with the file, the rule and the field") {
  const auto graph = shipped_graph();
  auto dir = std::filesystem::temp_directory_path() / ("uplift-triggers-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.json") << R"({"triggers": [
    {"id": "ok_rule", "when": {"flag": "usage_decline"}},
    {"id": "bad flag", "when": {"flag": "decline"}},
    {"id": "stall", "when": {"milestone_stalled": "nope"}},
    {"id": "stage", "when": {"all": [{"stage_reached": "expert"}, {"champion_departed": {"within_days": 0}}]},
     "cooldown_days": 999, "filters": {"audiences": ["vip"], "colour": []}, "extra": 1}
  ]})";
  std::ofstream(dir / "b.json") << R"({"triggers": [{"id": "ok_rule", "when": {"stage_reached": "mature"}}]})";
  std::ofstream(dir / "c.json") << "{\"triggers\": [\n  {\"id\": \"x\",}\n]}";
  auto r = triggers::load_triggers(dir, graph);
  std::filesystem::remove_all(dir);
  REQUIRE_FALSE(r.ok());
  const std::string m = r.status().message();
  INFO(m);
  for (const char* want : {
           "a.json: trigger \"bad flag\": id: required",
           "a.json: trigger \"bad flag\": when.flag: must be usage_decline or out_of_order, got 'decline'",
           "a.json: trigger \"stall\": when.milestone_stalled: 'nope' is not a milestone of the graph",
           "a.json: trigger \"stall\": when.days: required",
           "a.json: trigger \"stage\": when.all[0].stage_reached: 'expert' is not a stage",
           "a.json: trigger \"stage\": when.all[1].champion_departed.within_days: must be a whole number of days from 1 to 3650, got 0",
           "a.json: trigger \"stage\": cooldown_days: must be a whole number of days from 0 to 365, got 999",
           "a.json: trigger \"stage\": filters.audiences: 'vip' is not an audience",
           "a.json: trigger \"stage\": filters.colour: unknown key",
           "a.json: trigger \"stage\": extra: unknown key",
           "b.json: trigger \"ok_rule\": id: defined already in",
           "c.json:2:"}) {
    CHECK_MESSAGE(m.find(want) != std::string::npos, want);
  }
}

TEST_CASE("flags, a flag's milestone and the filters, on hand-made states") {
  const auto graph = shipped_graph();
  triggers::RuleSet rules;
  std::vector<std::string> problems;
  triggers::parse_rules(json::parse(R"({"triggers": [
    {"id": "decline", "when": {"flag": "usage_decline", "milestone": "data_manager_used"}},
    {"id": "decline_ent", "when": {"flag": "usage_decline"}, "filters": {"tiers": ["enterprise"], "csms": ["ana"]}}
  ]})"), "inline", graph, rules, problems);
  REQUIRE(problems.empty());
  Dataset data;
  for (const char* id : {"a", "b"}) {
    Account acct;
    acct.id = id;
    acct.tier = std::string(id) == "a" ? "enterprise" : "smb";
    acct.csm = "ana";
    data.apply(Record(acct));
  }
  const Timestamp as_of = *parse_timestamp("2026-06-01T00:00:00Z");
  std::map<std::string, milestones::AccountState, std::less<>> states;
  for (const char* id : {"a", "b"}) {
    auto& s = states[id];
    s.account = id;
    milestones::Flag f;
    f.kind = "usage_decline";
    f.milestone = "data_manager_used";
    f.change_pct = -62;
    f.at = as_of - kMsPerDay;
    s.flags.push_back(f);
  }
  states["late"];  // no record: never judged (the filters need it)
  triggers::Context ctx{&data, &graph, [&](std::string_view a) -> const milestones::AccountState* {
                          auto it = states.find(a);
                          return it == states.end() ? nullptr : &it->second;
                        }};
  CHECK(triggers::holds(*rules.find("decline"), ctx, "a", as_of) == "usage_decline on data_manager_used: -62 % per week");
  CHECK(triggers::holds(*rules.find("decline_ent"), ctx, "a", as_of));
  CHECK_FALSE(triggers::holds(*rules.find("decline_ent"), ctx, "b", as_of));  // smb
  CHECK_FALSE(triggers::holds(*rules.find("decline"), ctx, "late", as_of));
  CHECK_FALSE(triggers::holds(*rules.find("decline"), ctx, "a", as_of - 2 * kMsPerDay));  // raised after that as-of
  states["a"].flags[0].milestone = "contracts_completed";
  CHECK_FALSE(triggers::holds(*rules.find("decline"), ctx, "a", as_of));  // another milestone's decline
}
