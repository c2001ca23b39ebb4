// Data-driven attribution scenarios: tests/scenarios/attribution/*.json hold a small dataset
// (canonical records, milestone achievement times, programs, cohorts, stage gates) and the report
// figures a person computed by hand ("expect"). The runner builds the report and compares the
// JSON output with `expect` as a subset: objects by key, arrays element by element, numbers
// within `tolerance` (default 0.01), strings exactly — or, when the expected string starts with
// "~", as a substring (for not_estimable reasons and warnings).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "attribution/roi.h"
#include "core/record_json.h"
#include "report/roi_json.h"
#include "schema_check.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace uplift;

namespace {

void match(const json& want, const json& got, const std::string& path, double tol, std::vector<std::string>& errs) {
  if (want.is_object()) {
    if (!got.is_object()) return errs.push_back(path + ": expected an object, got " + got.dump());
    for (auto it = want.begin(); it != want.end(); ++it) {
      if (!got.contains(it.key())) {
        errs.push_back(path + "." + it.key() + ": missing");
        continue;
      }
      match(it.value(), got[it.key()], path + "." + it.key(), tol, errs);
    }
  } else if (want.is_array()) {
    if (!got.is_array() || got.size() != want.size())
      return errs.push_back(path + ": expected " + std::to_string(want.size()) + " elements, got " + got.dump());
    for (std::size_t i = 0; i < want.size(); ++i) match(want[i], got[i], path + "[" + std::to_string(i) + "]", tol, errs);
  } else if (want.is_number()) {
    if (!got.is_number() || std::fabs(got.get<double>() - want.get<double>()) > tol)
      errs.push_back(path + ": expected " + want.dump() + ", got " + got.dump());
  } else if (want.is_string() && want.get<std::string>().rfind("~", 0) == 0) {
    auto needle = want.get<std::string>().substr(1);
    if (!got.is_string() || got.get<std::string>().find(needle) == std::string::npos)
      errs.push_back(path + ": expected text containing '" + needle + "', got " + got.dump());
  } else if (want != got) {
    errs.push_back(path + ": expected " + want.dump() + ", got " + got.dump());
  }
}

// Invariants every report must satisfy, whatever the scenario.
void invariants(const json& r, std::vector<std::string>& errs) {
  for (const auto& p : r["programs"]) {
    const auto& u = p["usage_lift"];
    if (u["ci95_pct"].is_array() && u["ci95_pct"][0].get<double>() > u["ci95_pct"][1].get<double>())
      errs.push_back(p["program"].get<std::string>() + ": ci95 lower bound above upper bound");
    if (u["did_pct"].is_null() && u["not_estimable"].is_null())
      errs.push_back(p["program"].get<std::string>() + ": did_pct missing without a not_estimable reason");
    if (u["naive_pct"].is_null() && u["naive_not_estimable"].is_null())
      errs.push_back(p["program"].get<std::string>() + ": naive_pct missing without a reason");
  }
  std::string text = r.dump();
  for (const char* bad : {"nan", "inf"})
    if (text.find(std::string(":") + bad) != std::string::npos) errs.push_back(std::string("report contains ") + bad);
}

json run_scenario(const json& s, const std::string& name) {
  Dataset data;
  for (std::size_t i = 0; i < s["records"].size(); ++i) {
    auto r = record_from_json(s["records"][i]);
    INFO(name << ": records[" << i << "]: " << r.error.field << ": " << r.error.reason);
    REQUIRE(r.ok());
    data.apply(*r.record);
  }
  std::map<std::string, milestones::AccountState, std::less<>> states;
  const json reached = s.value("milestones", json::object());
  for (auto it = reached.begin(); it != reached.end(); ++it) {
    auto& st = states[it.key()];
    st.account = it.key();
    for (auto m = it.value().begin(); m != it.value().end(); ++m) {
      auto ts = parse_timestamp(m.value().get<std::string>());
      REQUIRE(ts.ok());
      st.milestones.push_back({m.key(), true, *ts, {}});
    }
  }
  attribution::RoiInput in;
  in.data = &data;
  in.states = [&states](std::string_view a) -> const milestones::AccountState* {
    auto it = states.find(a);
    return it == states.end() ? nullptr : &it->second;
  };
  auto programs = cohorts::parse_programs(s, name);
  REQUIRE_MESSAGE(programs.ok(), programs.status().message());
  in.programs = *programs;
  auto cohorts = cohorts::cohorts_from_json_array(s.value("cohorts", json::array()), name + ": cohorts");
  REQUIRE_MESSAGE(cohorts.ok(), cohorts.status().message());
  in.cohorts = *cohorts;
  for (const auto& g : s.value("stages", json::array())) in.stages.push_back({g["stage"], g.value("milestone", "")});
  auto q = parse_quarter(s["quarter"].get<std::string>());
  REQUIRE(q.ok());
  in.quarter = *q;
  json o = s.value("options", json::object());
  if (o.contains("as_of")) in.options.as_of = *parse_timestamp(o["as_of"].get<std::string>());
  in.options.bootstrap_resamples = o.value("bootstrap_resamples", 200);
  in.options.min_per_arm = o.value("min_per_arm", 10);
  in.options.min_estimable = o.value("min_estimable", std::size_t{5});
  auto report = attribution::compute_roi(in);
  REQUIRE_MESSAGE(report.ok(), report.status().message());
  return report::roi_to_json(*report);
}

}  // namespace

TEST_CASE("attribution scenarios match their hand-computed figures") {
  fs::path dir = fs::path(UPLIFT_SOURCE_DIR) / "tests" / "scenarios" / "attribution";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 5);
  for (const auto& f : files) {
    std::ifstream in(f);
    json s = json::parse(in);
    const std::string name = f.filename().string();
    json got = run_scenario(s, name);
    std::vector<std::string> errs;
    match(s["expect"], got, "$", s.value("tolerance", 0.01), errs);
    invariants(got, errs);
    std::ifstream sf(fs::path(UPLIFT_SOURCE_DIR) / "tests" / "data" / "report.schema.json");
    schema_check::check(json::parse(sf), got, "$", errs);
    std::string msg;
    for (const auto& e : errs) msg += "\n  " + e;
    CHECK_MESSAGE(errs.empty(), name << msg << "\n  report: " << got.dump());
  }
}
