// The report writers (HTML, CSV, JSON shape) and the stage gates the report reads from a graph.
#include <doctest/doctest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/html.h"
#include "report/roi_inputs.h"
#include "report/roi_json.h"
#include "schema_check.h"

using namespace uplift;
using nlohmann::json;

namespace {

attribution::RoiReport sample() {
  attribution::RoiReport r;
  r.quarter = {2026, 3};
  r.as_of = *parse_timestamp("2026-09-30T00:00:00Z");
  attribution::ProgramResult p;
  p.program = "dma";
  p.title = "Data <Manager> & \"Co\"";
  p.cohort = "dma-2026q3";
  p.participants = 91;
  p.participant_learners = 120;
  p.attended_2plus_pct = 63.0;
  p.arr_influenced = 1200000;
  p.usage_lift.metric = "data_manager_edit";
  p.usage_lift.control = "holdout";
  p.usage_lift.naive_pct = 58.0;
  p.usage_lift.did_pct = 31.2;
  p.usage_lift.ci95_pct = attribution::Interval{18.0, 44.5};
  p.arr_lift.incremental_arr = 150000;
  p.arr_lift.ci95 = attribution::Interval{20000, 280000};
  p.dose_response = {{"1", 34, 20.0, 10.0, attribution::Interval{2.0, 18.0}, ""},
                     {"2+", 57, 70.0, std::nullopt, std::nullopt, "control accounts had no usage"}};
  p.warnings = {"<script>alert(1)</script>"};
  r.programs.push_back(p);
  r.stages = {{"onboarding", 100, 0}, {"foundational", 420, 57}};
  r.csm = {{"ana", 40, 9, 22.5}};
  r.renewal_by_stage = {{"onboarding", 4, 3, 75.0}, {"foundational", 0, 0, std::nullopt}};
  return r;
}

}  // namespace

TEST_CASE("JSON has DESIGN.md's shape and validates against the schema") {
  json j = report::roi_to_json(sample());
  CHECK(j["quarter"] == "2026Q3");
  const auto& p = j["programs"][0];
  CHECK(p["participants"] == 91);
  CHECK(p["attended_2plus_pct"] == 63.0);
  CHECK(p["arr_influenced"] == 1200000.0);
  CHECK(p["usage_lift"]["did_pct"] == 31.2);
  CHECK(p["usage_lift"]["ci95_pct"] == json::array({18.0, 44.5}));
  CHECK(p["usage_lift"]["control"] == "holdout");
  CHECK(p["arr_lift"]["incremental_arr"] == 150000.0);
  CHECK(p["arr_lift"]["ci95"] == json::array({20000.0, 280000.0}));
  CHECK(p["dose_response"][1]["did_pct"].is_null());
  CHECK(j["stages"][1] == json{{"stage", "foundational"}, {"accounts", 420}, {"moved_in_quarter", 57}});
  CHECK(j["csm"][0]["moved_pct"] == 22.5);
  CHECK(j["renewal_by_stage"][1]["rate_pct"].is_null());
  std::ifstream sf(std::string(UPLIFT_SOURCE_DIR) + "/tests/data/report.schema.json");
  std::vector<std::string> errs;
  schema_check::check(json::parse(sf), j, "$", errs);
  CHECK_MESSAGE(errs.empty(), (errs.empty() ? "" : errs[0]));
  // The checker itself catches a wrong shape.
  j["programs"][0]["usage_lift"]["ci95_pct"] = json::array({1.0});
  j["stages"][0].erase("accounts");
  errs.clear();
  sf.clear();
  sf.seekg(0);
  schema_check::check(json::parse(sf), j, "$", errs);
  CHECK(errs.size() == 2);
}

TEST_CASE("HTML is self-contained, escaped, and has the charts") {
  std::string h = report::roi_to_html(sample());
  CHECK(h.rfind("<!doctype html>", 0) == 0);
  CHECK(h.find("<script") == std::string::npos);
  CHECK(h.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(h.find("Data &lt;Manager&gt; &amp; &quot;Co&quot;") != std::string::npos);
  CHECK(h.find("Data <Manager>") == std::string::npos);
  CHECK(h.find("http://") == h.find("http://www.w3.org/2000/svg"));  // no external resources
  std::size_t svgs = 0;
  for (auto at = h.find("<svg"); at != std::string::npos; at = h.find("<svg", at + 1)) ++svgs;
  CHECK(svgs == 4);  // lift, dose-response, funnel, CSM
  CHECK(h.find("class=\"ci\"") != std::string::npos);  // the error bar
  CHECK(h.find("id=\"summary\"") != std::string::npos);
  CHECK(h.find("$1,200,000") != std::string::npos);
  CHECK(h.find("How to read the causal estimate") != std::string::npos);
  CHECK(report::html_escape("a'b") == "a&#39;b");
}

TEST_CASE("CSV: one row per program metric with the interval next to the causal figures") {
  std::string csv = report::roi_to_csv(sample());
  CHECK(csv.rfind("quarter,program,cohort,metric,value,ci95_low,ci95_high,control,note\r\n", 0) == 0);
  CHECK(csv.find("2026Q3,dma,dma-2026q3,usage_did_pct,31.20,18.00,44.50,holdout,\r\n") != std::string::npos);
  CHECK(csv.find("2026Q3,dma,dma-2026q3,incremental_arr,150000.00,20000.00,280000.00,holdout,\r\n") != std::string::npos);
  CHECK(csv.find("dose_2+_did_pct,,,,holdout,not estimable: control accounts had no usage") != std::string::npos);
}

TEST_CASE("stage gates come from the graph's stage markers") {
  milestones::Graph g;
  g.stages = {"onboarding", "foundational"};
  g.milestones.resize(2);
  g.milestones[0].id = "x";
  g.milestones[1].id = "found";
  g.stage_marker = {-1, 1};
  auto gates = report::stage_gates(g);
  REQUIRE(gates.size() == 2);
  CHECK(gates[0].milestone.empty());
  CHECK(gates[1].milestone == "found");
}

TEST_CASE("CSV: every table the JSON has — totals, stages, CSMs, renewals, notes, warnings — each value equal") {
  auto r = sample();
  r.notes = {"=cmd|' /C calc'!A0 is a note"};
  const std::string csv = report::roi_to_csv(r);
  const auto j = nlohmann::json::parse(report::roi_to_json(r).dump());
  auto value_of = [&](const std::string& metric) -> std::string {
    auto at = csv.find("," + metric + ",");
    REQUIRE_MESSAGE(at != std::string::npos, metric);
    auto start = at + metric.size() + 2;
    return csv.substr(start, csv.find(',', start) - start);
  };
  for (const auto& s : j["stages"]) {
    CHECK(value_of("stage_accounts: " + s["stage"].get<std::string>()) == fmt::format("{:.2f}", s["accounts"].get<double>()));
    CHECK(value_of("stage_moved_in_quarter: " + s["stage"].get<std::string>()) ==
          fmt::format("{:.2f}", s["moved_in_quarter"].get<double>()));
  }
  for (const auto& c : j["csm"]) {
    CHECK(value_of("csm_accounts: " + c["csm"].get<std::string>()) == fmt::format("{:.2f}", c["accounts"].get<double>()));
    CHECK(value_of("csm_moved: " + c["csm"].get<std::string>()) == fmt::format("{:.2f}", c["moved"].get<double>()));
    CHECK(value_of("csm_moved_pct: " + c["csm"].get<std::string>()) == fmt::format("{:.2f}", c["moved_pct"].get<double>()));
  }
  for (const auto& x : j["renewal_by_stage"]) {
    CHECK(value_of("renewals: " + x["stage"].get<std::string>()) == fmt::format("{:.2f}", x["renewals"].get<double>()));
    if (x["rate_pct"].is_null()) CHECK(value_of("renewal_rate_pct: " + x["stage"].get<std::string>()).empty());
  }
  CHECK(csv.find("not estimable: no renewal in the quarter") != std::string::npos);
  CHECK(value_of("total_participant_accounts") == fmt::format("{:.2f}", j["totals"]["participant_accounts"].get<double>()));
  CHECK(csv.find(",note,,,,,'=cmd") != std::string::npos);  // neutralized for spreadsheets
  CHECK(csv.find(",warning,,,,,<script>") != std::string::npos);
}
