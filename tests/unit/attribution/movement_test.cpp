// Stage movement per CSM against targets (attribution/movement.h): hand-worked scenario files
// in tests/data/movement (accounts with milestone times in → cells, totals and moved accounts
// out), and the targets loader's error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "attribution/movement.h"
#include "core/record_json.h"

using namespace uplift;
using namespace uplift::attribution;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {
fs::path source_dir() {
  if (const char* env = std::getenv("UPLIFT_SOURCE_DIR")) return env;
  return UPLIFT_SOURCE_DIR;
}

Timestamp ts(const json& j) {
  auto t = parse_timestamp(j.get<std::string>());
  REQUIRE(t.ok());
  return *t;
}
}  // namespace

TEST_CASE("stage movement scenarios") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source_dir() / "tests/data/movement"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 2);
  for (const auto& path : files) {
    SUBCASE(path.filename().string().c_str()) {
      std::ifstream in(path);
      json c = json::parse(in);
      std::vector<StageGate> gates;
      std::vector<std::string> stages;
      for (const auto& g : c["stages"]) {
        gates.push_back({g[0].get<std::string>(), g[1].get<std::string>()});
        stages.push_back(g[0].get<std::string>());
      }
      Dataset data;
      std::map<std::string, milestones::AccountState, std::less<>> states;
      for (const auto& a : c["accounts"]) {
        Account acct;
        acct.id = a["id"];
        acct.name = "Name of " + acct.id;
        acct.csm = a.value("csm", "");
        acct.audience = *parse_audience(a.value("audience", "customer"));
        acct.created_at = ts(a["created_at"]);
        data.apply(Record(acct));
        milestones::AccountState s;
        s.account = acct.id;
        for (const auto& [m, when] : a["achieved"].items())
          s.milestones.push_back(milestones::MilestoneStatus{m, true, ts(when), {}});
        states.emplace(acct.id, std::move(s));
      }
      auto lookup = [&](std::string_view id) -> const milestones::AccountState* {
        auto it = states.find(id);
        return it == states.end() ? nullptr : &it->second;
      };
      MovementOptions options;
      options.quarter = *parse_quarter(c["quarter"].get<std::string>());
      if (c.contains("as_of")) options.as_of = ts(c["as_of"]);
      if (c.value("audience", "customer") == "all") options.audience.reset();
      StageTargets targets;
      std::vector<std::string> problems;
      if (c.contains("targets")) parse_targets(c["targets"], path.filename().string(), stages, targets, problems);
      REQUIRE(problems.empty());
      Movement m = stage_movement(data, lookup, gates, options, targets.of(options.quarter.name()));
      json got = movement_to_json(m);
      const json& want = c["expect"];
      CHECK(got["accounts"] == want["accounts"]);
      CHECK(got["new_in_quarter"] == want["new_in_quarter"]);
      for (const char* table : {"cells", "totals"}) {
        for (const auto& w : want.value(table, json::array())) {
          INFO(table, ": ", w.dump());
          auto it = std::find_if(got[table].begin(), got[table].end(),
                                 [&](const json& g) { return g["csm"] == w["csm"] && g["stage"] == w["stage"]; });
          REQUIRE(it != got[table].end());
          for (const auto& item : w.items()) {
            const std::string k = item.key();  // a named variable: the message is captured in a lambda
            CHECK_MESSAGE((*it)[k] == item.value(), k, ": got ", (*it)[k].dump());
          }
        }
      }
      json moved = json::array();
      for (const auto& a : got["moved"]) moved.push_back({a["account"], a["from"], a["to"], a["direction"]});
      CHECK(moved == want["moved"]);
      // The CSV tables carry the same rows.
      const std::string cells_csv = movement_cells_csv(m), moved_csv = moved_accounts_csv(m);
      CHECK(std::count(cells_csv.begin(), cells_csv.end(), '\n') == static_cast<long>(m.cells.size() + 1));
      CHECK(std::count(moved_csv.begin(), moved_csv.end(), '\n') == static_cast<long>(m.moved.size() + 1));
    }
  }
}

TEST_CASE("targets: every problem named with its file and field") {
  const std::vector<std::string> stages = {"onboarding", "foundational", "advanced", "mature"};
  StageTargets out;
  std::vector<std::string> problems;
  parse_targets(json{{"quarter", "2026Q5"}}, "a.json", stages, out, problems);
  parse_targets(json{{"quarter", "2026Q3"}, {"default", {{"onbording", 0.2}, {"foundational", 1.5}, {"mature", 0.1}}},
                     {"csm", {{"ana", {{"advanced", "lots"}}}}}, {"owner", "x"}},
                "b.json", stages, out, problems);
  parse_targets(json{{"quarter", "2026Q3"}, {"default", {{"onboarding", 0.3}}}}, "c.json", stages, out, problems);
  parse_targets(json::array(), "d.json", stages, out, problems);
  const std::string all = [&] {
    std::string s;
    for (const auto& p : problems) s += p + "\n";
    return s;
  }();
  INFO(all);
  for (const char* want : {"a.json: quarter:", "b.json: default: 'onbording' is not a stage",
                           "b.json: default.foundational: the share must be a number from 0 to 1",
                           "b.json: default.mature: the last stage has no next stage",
                           "b.json: csm.ana.advanced: the share must be a number", "b.json: unknown key 'owner'",
                           "c.json: quarter 2026Q3 has targets in b.json already", "d.json: expected an object"})
    CHECK_MESSAGE(all.find(want) != std::string::npos, want);
  CHECK(problems.size() == 8);
}

TEST_CASE("the shipped targets load against the shipped milestone graph's stages") {
  auto t = load_targets((source_dir() / "targets").string(), {"onboarding", "foundational", "advanced", "mature"});
  REQUIRE_MESSAGE(t.ok(), t.status().to_string());
  REQUIRE(t->of("2026Q3"));
  CHECK(t->of("2026Q3")->target("anyone", "foundational") == doctest::Approx(0.2));
}
