// truth.json: what the demo generator planted (declared in generate.h).
#include <cmath>
#include <set>

#include "demo/commercial.h"
#include "demo/experiment.h"
#include "demo/generate.h"

namespace uplift::demo {
namespace {

using json = nlohmann::json;

double round1(double v) { return std::round(v * 10) / 10; }
double pct(double ratio) { return round1((ratio - 1) * 100); }

json sessions_json(const std::vector<Timestamp>& sessions) {
  json a = json::array();
  for (Timestamp t : sessions) a.push_back(format_timestamp(t));
  return a;
}

// Members, participants and dose of one program's arm.
json arm_json(const DemoWorld& w, Arm AccountPlan::*arm) {
  json invited = json::array(), holdout = json::array(), participants = json::object(), not_invited = json::array();
  std::map<std::string, int> dose;
  int eligible = 0, two_plus = 0, learners = 0;
  double arr_influenced = 0;
  for (const auto& a : w.plans) {
    const Arm& m = a.*arm;
    if (!m.eligible) continue;
    ++eligible;
    if (m.invited) invited.push_back(a.id);
    if (m.holdout) holdout.push_back(a.id);
    if (!m.invited && !m.holdout) not_invited.push_back(a.id);
    if (!m.attended()) continue;
    participants[a.id] = format_timestamp(*m.first_session);
    dose[std::to_string(m.sessions.size())] += 1;
    const char* program = arm == &AccountPlan::dma ? kAcceleratorProgram : kAiProgram;
    std::set<std::string> who;
    for (const auto& r : attendance_records(a, w.tl))
      if (r.attended && r.program == program) who.insert(r.learner);
    learners += static_cast<int>(who.size());
    if (m.sessions.size() >= 2) ++two_plus;
    arr_influenced += arr_on(a, w.cfg, date_of(w.tl.now));
  }
  const double n = static_cast<double>(participants.size());
  return {{"eligible", eligible},
          {"invited", invited},
          {"holdout", holdout},
          {"not_invited", not_invited},
          {"participants", participants},
          {"participant_accounts", participants.size()},
          {"participant_learners", learners},
          {"sessions_attended", dose},
          {"attended_2plus_pct", n > 0 ? round1(100.0 * two_plus / n) : 0.0},
          {"arr_influenced", arr_influenced}};
}

}  // namespace

json truth_json(const DemoWorld& w, const DemoOutput& out) {
  const DemoConfig& cfg = w.cfg;
  const Timeline& tl = w.tl;
  json stages = json::object(), ooo = json::array(), decline = json::array(), churned = json::array(), arr_bumps = json::object();
  double incremental_arr = 0;
  for (const auto& a : w.plans) {
    stages[stage_name(a.stage)] = stages.value(stage_name(a.stage), 0) + 1;
    if (a.out_of_order) ooo.push_back(a.id);
    if (a.decline) decline.push_back(a.id);
    if (a.churned_on) churned.push_back(a.id);
    if (a.dma.arr_bump_at) {
      arr_bumps[a.id] = format_date(date_of(*a.dma.arr_bump_at));
      const double now_arr = arr_on(a, cfg, date_of(tl.now));
      incremental_arr += now_arr - now_arr / (1 + cfg.arr_effect_pct / 100.0);
    }
  }
  const double trend30 = 1 + cfg.trend_pct_per_30d / 100.0, lift = 1 + cfg.lift_pct / 100.0;
  json counts = json::object();
  for (const auto& [k, v] : out.lines) counts[k] = v;
  auto ratio = [](double post, double pre) { return pre > 0 ? post / pre : 0.0; };
  const double part = ratio(out.participants_post, out.participants_pre), hold = ratio(out.holdout_post, out.holdout_pre);

  json truth = {
      {"generator", "uplift demo generate"},
      {"seed", cfg.seed},
      {"now", format_date(cfg.now)},
      {"story_start", format_timestamp(tl.start)},
      {"accounts", cfg.accounts},
      {"learners", out.lines.count("learners") ? out.lines.at("learners") : 0},
      {"events", out.lines.count("events") ? out.lines.at("events") : 0},
      {"records", counts},
      {"stages", stages},
      {"stage_rules",
       "foundational = the instant the third group_created lands (workflow published and >= 10 active learners, "
       "25 for upmarket, in the 30 days before); advanced = the contract_completed that brings the completed sum to "
       ">= 50 (an integration_connected and >= 100 imported contracts before it); accounts never exceed the next "
       "stage's thresholds"},
      {"program", kAcceleratorProgram},
      {"metric", kAcceleratorEvent},
      {"quarter", tl.quarter.name()},
      {"cohort_ids", {dma_cohort_id(tl), ai_cohort_id(tl)}},
      {"cohort_created_at", format_timestamp(tl.cohort_at)},
      {"sessions", sessions_json(tl.dma_sessions)},
      {"planted_lift_pct", cfg.lift_pct},
      {"trend_pct_per_30d", cfg.trend_pct_per_30d},
      {"usage_model",
       "data_manager_edit per account and day ~ Poisson(base_rate x trend(t) x (1 + lift after the account's first "
       "attended session) x 0.25 in the last 14 days for decliners); trend(t) = (1 + trend_pct/100)^((t - cohort "
       "date)/30 days), the same for every account including the holdout"},
      {"expected",
       {{"window_days", 30},
        {"did_pct", cfg.lift_pct},
        {"naive_pct", pct(trend30 * lift)},
        {"holdout_post_over_pre_pct", pct(trend30)}}},
      {"naive_bias",
       "The naive pre/post change of attending accounts over 30-day windows around their first session includes "
       "the common trend: (1 + trend)(1 + lift) - 1. Attendance is more likely for accounts with a higher baseline "
       "rate (selection on level), so comparing attendees with non-attendees after the program is biased upwards "
       "too. The difference-in-differences ratio (attendee post/pre divided by holdout post/pre) removes both the "
       "trend and the level and recovers the planted lift."},
      {"selection_rule",
       "customer account, not churned by now, foundational reached >= 30 days before the cohort date, 1..35 "
       "data_manager_edit events in the 30 days before the cohort date (lagging but not absent); ranked by ARR at "
       "the cohort date; a seeded random holdout_fraction of the eligible accounts is held out, the rest invited. "
       "Invited accounts attend with probability 0.2 + 0.6 u, u = (base_rate - 0.15)/(0.8 - 0.15) clamped to [0, 1]. "
       "(Churn is known to the generator only: it keeps churning accounts out so every window is complete.)"},
      {"holdout_fraction", cfg.holdout_fraction},
      {"accelerator", arm_json(w, &AccountPlan::dma)},
      {"realized",
       {{"participants_pre", out.participants_pre},
        {"participants_post", out.participants_post},
        {"holdout_pre", out.holdout_pre},
        {"holdout_post", out.holdout_post},
        {"invited_pre", out.invited_pre},
        {"invited_post", out.invited_post},
        {"naive_pct", pct(part)},
        {"did_pct", hold > 0 ? pct(part / hold) : 0.0}}},
      {"arr_effect",
       {{"pct", cfg.arr_effect_pct},
        {"rule",
         "each attending accelerator account's ARR is multiplied by (1 + pct/100) on one day 30-75 days after its "
         "first attended session (bump dates below); holdout and non-attending accounts get nothing"},
        {"bump_dates", arr_bumps},
        {"incremental_arr_at_now", std::round(incremental_arr)}}},
      {"second_program",
       {{"program", kAiProgram},
        {"cohort_id", ai_cohort_id(tl)},
        {"metric", kAiEvent},
        {"control", "matched (no holdout)"},
        {"cohort_created_at", format_timestamp(tl.ai_cohort_at)},
        {"sessions", sessions_json(tl.ai_sessions)},
        {"planted_lift_pct", cfg.ai_lift_pct},
        {"selection_rule",
         "customer account, not churned, advanced >= 30 days before its cohort date, with a legal learner; the top "
         "capacity (3 % of accounts, at least 5) by ARR invited, the rest form the control pool; invited accounts "
         "attend with probability 0.3 + 0.5 u over the ai_review_run base rate (0.2..1.2/day)"},
        {"arms", arm_json(w, &AccountPlan::ai)}}},
      {"out_of_order_accounts", ooo},
      {"decline_accounts", decline},
      {"churned_accounts", churned},
  };
  return truth;
}

}  // namespace uplift::demo
