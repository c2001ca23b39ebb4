#include "report/roi_json.h"

#include <cmath>

#include <fmt/format.h>

#include "cohorts/cohort.h"

namespace uplift::report {
namespace {

using nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(std::round(v * 100.0) / 100.0) : json(nullptr); }
json num(const std::optional<double>& v) { return v ? num(*v) : json(nullptr); }
json interval(const std::optional<attribution::Interval>& i) {
  return i ? json::array({num(i->lo), num(i->hi)}) : json(nullptr);
}
json reason(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json program_json(const attribution::ProgramResult& p) {
  const auto& u = p.usage_lift;
  json tiers = json::array();
  for (const auto& t : u.by_tier)
    tiers.push_back({{"tier", t.tier},
                     {"treated_accounts", t.treated},
                     {"control_accounts", t.control},
                     {"did_pct", num(t.did_pct)},
                     {"ci_pct", interval(t.ci_pct)},
                     {"not_estimable", reason(t.not_estimable)}});
  json placebo = {{"did_pct", num(u.placebo.did_pct)},
                  {"ci95_pct", interval(u.placebo.ci95_pct)},
                  {"failed", u.placebo.failed},
                  {"not_estimable", reason(u.placebo.not_estimable)}};
  json usage = {{"metric", u.metric},
                {"naive_pct", num(u.naive_pct)},
                {"naive_ci95_pct", interval(u.naive_ci95_pct)},
                {"did_pct", num(u.did_pct)},
                {"ci95_pct", interval(u.ci95_pct)},
                {"control", u.control},
                {"window_days", u.window_days},
                {"treated_accounts", u.treated},
                {"control_accounts", u.control_accounts},
                {"treated_pre_mean", num(u.treated_pre_mean)},
                {"treated_post_mean", num(u.treated_post_mean)},
                {"control_pre_mean", num(u.control_pre_mean)},
                {"control_post_mean", num(u.control_post_mean)},
                {"low_confidence", u.low_confidence},
                {"not_estimable", reason(u.not_estimable)},
                {"naive_not_estimable", reason(u.naive_not_estimable)},
                {"placebo", placebo},
                {"by_tier", tiers},
                {"by_tier_correction", "bonferroni"}};
  const auto& ad = p.adoption;
  json adoption = {{"treated_accounts", ad.treated},
                   {"control_accounts", ad.control},
                   {"treated_pct", num(ad.treated_pct)},
                   {"control_pct", num(ad.control_pct)},
                   {"diff_pts", num(ad.diff_pts)},
                   {"ci95_pts", interval(ad.ci95_pts)},
                   {"low_confidence", ad.low_confidence},
                   {"not_estimable", reason(ad.not_estimable)}};
  const auto& a = p.arr_lift;
  json arr = {{"incremental_arr", num(a.incremental_arr)},
              {"ci95", interval(a.ci95)},
              {"per_account", num(a.per_account)},
              {"per_account_ci95", interval(a.per_account_ci95)},
              {"window_days", a.window_days},
              {"treated_accounts", a.treated},
              {"control_accounts", a.control},
              {"not_estimable", reason(a.not_estimable)}};
  json dose = json::array();
  for (const auto& g : p.dose_response)
    dose.push_back({{"sessions", g.sessions},
                    {"accounts", g.accounts},
                    {"naive_pct", num(g.naive_pct)},
                    {"did_pct", num(g.did_pct)},
                    {"ci95_pct", interval(g.ci95_pct)},
                    {"not_estimable", reason(g.not_estimable)}});
  const auto& c = p.conversion;
  json conv = {{"milestone", c.milestone},
               {"within_days", c.within_days},
               {"participants_at_risk", c.participants},
               {"control_at_risk", c.control},
               {"participants_pct", num(c.participants_pct)},
               {"control_pct", num(c.control_pct)},
               {"diff_pts", num(c.diff_pts)},
               {"ci95_pts", interval(c.ci95_pts)},
               {"not_estimable", reason(c.not_estimable)}};
  json balance = json::array();
  for (const auto& b : p.balance)
    balance.push_back({{"covariate", b.covariate}, {"smd_before", num(b.smd_before)}, {"smd_after", num(b.smd_after)}});
  return {{"program", p.program},
          {"title", p.title},
          {"cohort", p.cohort.empty() ? json(nullptr) : json(p.cohort)},
          {"first_session", p.first_session ? json(format_date(*p.first_session)) : json(nullptr)},
          {"participants", p.participants},
          {"participant_learners", p.participant_learners},
          {"attended_2plus_pct", num(p.attended_2plus_pct)},
          {"arr_influenced", num(p.arr_influenced)},
          {"usage_lift", usage},
          {"adoption", adoption},
          {"arr_lift", arr},
          {"dose_response", dose},
          {"conversion", conv},
          {"balance", balance},
          {"unobserved",
           {{"usage", p.unobserved_usage}, {"arr", p.unobserved_arr}, {"conversion", p.unobserved_conversion}}},
          {"warnings", p.warnings}};
}

}  // namespace

json roi_to_json(const attribution::RoiReport& r) {
  json programs = json::array();
  for (const auto& p : r.programs) programs.push_back(program_json(p));
  json stages = json::array();
  for (const auto& s : r.stages)
    stages.push_back({{"stage", s.stage}, {"accounts", s.accounts}, {"moved_in_quarter", s.moved_in_quarter}});
  json csm = json::array();
  for (const auto& c : r.csm)
    csm.push_back({{"csm", c.csm}, {"accounts", c.accounts}, {"moved", c.moved}, {"moved_pct", num(c.moved_pct)}});
  json renewals = json::array();
  for (const auto& x : r.renewal_by_stage)
    renewals.push_back(
        {{"stage", x.stage}, {"renewals", x.renewals}, {"renewed", x.renewed}, {"rate_pct", num(x.rate_pct)}});
  return {{"quarter", r.quarter.name()},
          {"as_of", format_timestamp(r.as_of)},
          {"method",
           {{"window_days", r.options.window_days},
            {"arr_window_days", r.options.arr_window_days},
            {"conversion_days", r.options.conversion_days},
            {"bootstrap_resamples", r.options.bootstrap_resamples},
            {"seed", r.options.seed},
            {"min_per_arm", r.options.min_per_arm}}},
          {"totals",
           {{"participant_accounts", r.totals.participant_accounts},
            {"arr_influenced", num(r.totals.arr_influenced)},
            {"incremental_arr", num(r.totals.incremental_arr)},
            {"incremental_arr_ci95", interval(r.totals.incremental_arr_ci95)},
            {"incremental_arr_ci95_method", "sum of the programs' bounds (conservative)"}}},
          {"programs", programs},
          {"stages", stages},
          {"csm", csm},
          {"renewal_by_stage", renewals},
          {"notes", r.notes}};
}

std::string roi_to_csv(const attribution::RoiReport& r) {
  using cohorts::csv_field;
  std::string out = "quarter,program,cohort,metric,value,ci95_low,ci95_high,control,note\r\n";
  // The JSON's value (num(): rounded half away from zero to 2 decimals), written with 2 decimals.
  auto fmtv = [](const std::optional<double>& v) {
    return v && std::isfinite(*v) ? fmt::format("{:.2f}", std::round(*v * 100.0) / 100.0) : std::string();
  };
  // Rows of the report-wide tables (no program): totals, stages, CSMs, renewals, notes — every
  // table the JSON has, in the same long format.
  auto table_row = [&](const std::string& metric, const std::optional<double>& v,
                       const std::optional<attribution::Interval>& ci, const std::string& note) {
    out += cohorts::csv_text(r.quarter.name()) + ",,," + cohorts::csv_text(metric) + ",";
    for (const std::string& f : {fmtv(v), ci ? fmtv(ci->lo) : std::string(), ci ? fmtv(ci->hi) : std::string()})
      out += csv_field(f) + ",";
    out += "," + cohorts::csv_text(note) + "\r\n";
  };
  auto count = [](std::size_t n) { return std::optional<double>(static_cast<double>(n)); };
  table_row("total_participant_accounts", count(r.totals.participant_accounts), std::nullopt, "");
  table_row("total_arr_influenced", r.totals.arr_influenced, std::nullopt,
            "ARR of attending accounts: not caused by training");
  table_row("total_incremental_arr", r.totals.incremental_arr, r.totals.incremental_arr_ci95,
            "sum of the programs' bounds (conservative)");
  for (const auto& st : r.stages) {
    table_row("stage_accounts: " + st.stage, count(st.accounts), std::nullopt, "customer accounts at the quarter's end");
    table_row("stage_moved_in_quarter: " + st.stage, count(st.moved_in_quarter), std::nullopt, "");
  }
  for (const auto& c : r.csm) {
    table_row("csm_accounts: " + c.csm, count(c.accounts), std::nullopt, "customer accounts at the quarter's start");
    table_row("csm_moved: " + c.csm, count(c.moved), std::nullopt, "moved forward a stage in the quarter");
    table_row("csm_moved_pct: " + c.csm, c.moved_pct, std::nullopt, "descriptive: no interval, not causal");
  }
  for (const auto& x : r.renewal_by_stage) {
    table_row("renewals: " + x.stage, count(x.renewals), std::nullopt, "");
    table_row("renewed: " + x.stage, count(x.renewed), std::nullopt, "");
    table_row("renewal_rate_pct: " + x.stage, x.rate_pct, std::nullopt,
              x.rate_pct ? "descriptive: no interval, not causal" : "not estimable: no renewal in the quarter");
  }
  for (const auto& n : r.notes) table_row("note", std::nullopt, std::nullopt, n);
  for (const auto& p : r.programs) {
    auto row = [&](const std::string& metric, const std::optional<double>& v,
                   const std::optional<attribution::Interval>& ci, const std::string& control, const std::string& note) {
      for (const std::string& f : {r.quarter.name(), p.program, p.cohort, metric})
        out += cohorts::csv_text(f) + ",";
      for (const std::string& f : {fmtv(v), ci ? fmtv(ci->lo) : std::string(), ci ? fmtv(ci->hi) : std::string()})
        out += csv_field(f) + ",";
      out += cohorts::csv_text(control) + "," + cohorts::csv_text(note) + "\r\n";
    };
    const auto& u = p.usage_lift;
    auto why = [](const std::string& not_estimable, bool low) {
      return !not_estimable.empty() ? "not estimable: " + not_estimable : (low ? std::string("low confidence") : "");
    };
    row("participants", static_cast<double>(p.participants), std::nullopt, "", "");
    row("participant_learners", static_cast<double>(p.participant_learners), std::nullopt, "", "");
    row("attended_2plus_pct", p.attended_2plus_pct, std::nullopt, "", "");
    row("arr_influenced", p.arr_influenced, std::nullopt, "", "ARR of attending accounts: not caused by training");
    row("usage_naive_pct", u.naive_pct, u.naive_ci95_pct, "", why(u.naive_not_estimable, false));
    row("usage_did_pct", u.did_pct, u.ci95_pct, u.control, why(u.not_estimable, u.low_confidence));
    row("usage_placebo_did_pct", u.placebo.did_pct, u.placebo.ci95_pct, u.control,
        u.placebo.failed ? "placebo failed: groups diverged before training" : why(u.placebo.not_estimable, false));
    for (const auto& t : u.by_tier)
      row("usage_did_pct_tier_" + t.tier, t.did_pct, t.ci_pct, u.control,
          t.not_estimable.empty() ? "bonferroni-corrected interval" : why(t.not_estimable, false));
    row("adoption_diff_pts", p.adoption.diff_pts, p.adoption.ci95_pts, u.control,
        why(p.adoption.not_estimable, p.adoption.low_confidence));
    row("incremental_arr", p.arr_lift.incremental_arr, p.arr_lift.ci95, u.control, why(p.arr_lift.not_estimable, false));
    for (const auto& g : p.dose_response) {
      row("dose_" + g.sessions + "_naive_pct", g.naive_pct, std::nullopt, "", "descriptive: no interval, not causal");
      row("dose_" + g.sessions + "_did_pct", g.did_pct, g.ci95_pct, u.control, why(g.not_estimable, false));
    }
    row("conversion_diff_pts", p.conversion.diff_pts, p.conversion.ci95_pts, u.control,
        why(p.conversion.not_estimable, false));
    for (const auto& b : p.balance) {
      row("balance_smd_before: " + b.covariate, b.smd_before, std::nullopt, u.control, "");
      row("balance_smd_after: " + b.covariate, b.smd_after, std::nullopt, u.control, "");
    }
    for (const auto& w : p.warnings) row("warning", std::nullopt, std::nullopt, "", w);
  }
  return out;
}

}  // namespace uplift::report
