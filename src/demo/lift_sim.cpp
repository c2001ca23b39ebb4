#include "demo/lift_sim.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "demo/rng.h"

namespace uplift::demo {
namespace {

constexpr const char* kTiers[] = {"smb", "midmarket", "upmarket"};
constexpr double kTierShare[] = {0.5, 0.35, 0.15};
constexpr double kTrendPer30[] = {1.08, 1.0, 0.95};       // usage trend per 30 days, by tier
constexpr double kArrGrowth[] = {0.02, 0.04, 0.06};       // ARR growth over the 90-day window
constexpr double kArrMedian[] = {15'000, 60'000, 250'000};
constexpr double kRateMedian[] = {0.25, 0.5, 0.9};         // feature uses per day, by tier

struct Plan {
  int tier = 0;
  double rate = 0;  // 0: never used the feature
  double z = -2;    // standardized engagement (selection)
  double arr = 0;
  bool treated = false, held_out = false;
  Date first = 0;
};

double logistic(double x) { return 1 / (1 + std::exp(-x)); }

}  // namespace

LiftSim generate_lift_sim(const LiftSimConfig& cfg) {
  LiftSim sim;
  const Date d0 = *parse_date("2026-07-13");  // the first session day
  sim.quarter = quarter_of(d0);
  sim.as_of = start_of(d0 + 150) - 1;
  sim.truth_usage_pct = 100 * cfg.lift;

  cohorts::Program p;
  p.id = "sim";
  p.title = "Simulated accelerator";
  p.target_event = "feature_used";
  p.sessions = 1;
  p.capacity = cfg.accounts;
  p.holdout_fraction = cfg.holdout ? 0.2 : 0;
  sim.programs.push_back(p);

  std::vector<Plan> plans(static_cast<std::size_t>(cfg.accounts));
  Rng pick(derive(cfg.seed, 1));
  for (auto& a : plans) {
    double u = pick.uniform();
    a.tier = u < kTierShare[0] ? 0 : u < kTierShare[0] + kTierShare[1] ? 1 : 2;
    a.arr = kArrMedian[a.tier] * std::exp(pick.normal(0, 0.5));
    if (!pick.bernoulli(0.2)) {
      double n = pick.normal(0, 0.8);
      a.rate = kRateMedian[a.tier] * std::exp(n);
      a.z = n / 0.8;
    }
  }
  // Selection: busier and upmarket accounts attend more; the intercept puts the expected share
  // of attendees near `participation` (of the invited, with a holdout).
  auto attend_logit = [&](const Plan& a) { return 0.9 * a.z + (a.tier == 2 ? 0.8 : a.tier == 0 ? -0.4 : 0.0); };
  double lo = -10, hi = 5;
  for (int it = 0; it < 50; ++it) {
    double mid = (lo + hi) / 2, share = 0;
    for (const auto& a : plans) share += logistic(mid + attend_logit(a));
    (share / static_cast<double>(plans.size()) < cfg.participation ? lo : hi) = mid;
  }
  const double intercept = (lo + hi) / 2;
  cohorts::Cohort cohort;
  cohort.id = "sim-cohort";
  cohort.program = "sim";
  cohort.created_at = start_of(d0 - 10);
  cohort.status = cohorts::CohortStatus::kSent;
  cohort.holdout_fraction = 0.2;
  cohort.capacity = cfg.accounts;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    Plan& a = plans[i];
    Rng r(derive(cfg.seed, 2, i));
    const std::string id = fmt::format("sim-{:05}", i);
    if (cfg.holdout) {
      cohort.eligible.push_back(id);
      a.held_out = r.bernoulli(0.2);
      if (a.held_out) cohort.holdout.push_back(id);
      else cohort.invitees.push_back({id, {id + "-u1"}, "", "simulated"});
    }
    a.treated = !a.held_out && r.bernoulli(logistic(intercept + attend_logit(a)));
    a.first = d0 + 7 * static_cast<int>(r.uniform_int(0, 2));
  }
  if (cfg.holdout) sim.cohorts.push_back(cohort);

  double arr_gain = 0;
  sim.data.begin_bulk();
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const Plan& a = plans[i];
    Rng r(derive(cfg.seed, 3, i));
    const std::string id = fmt::format("sim-{:05}", i);
    Account acct;
    acct.id = id;
    acct.name = id;
    acct.tier = kTiers[a.tier];
    acct.plan = a.tier == 2 ? "enterprise" : "pro";
    acct.arr = a.arr;
    sim.data.apply(Record(acct));
    Learner l;
    l.id = id + "-u1";
    l.account = id;
    l.role = "admin";
    sim.data.apply(Record(l));
    if (a.treated) {
      ++sim.participants;
      Attendance at;
      at.learner = l.id;
      at.program = "sim";
      at.session = 1;
      at.ts = start_of(a.first) + 15 * 3600 * 1000LL;
      if (cfg.holdout) at.cohort = cohort.id;
      sim.data.apply(Record(at));
    }
    // ARR: one snapshot before the sessions, one after the 90-day window of every session date.
    const double grown = a.arr * (1 + kArrGrowth[a.tier] + r.normal(0, 0.03)) + (a.treated ? cfg.lift / 5 * a.arr : 0);
    if (a.treated) arr_gain += cfg.lift / 5 * a.arr;
    sim.data.apply(Record(ArrSnapshot{id, d0 - 20, a.arr}));
    sim.data.apply(Record(ArrSnapshot{id, d0 + 80, grown}));
    // Usage, day by day over [d0 − 130, d0 + 50): trend, block shocks, the planted lift.
    const Date from = d0 - 130, to = d0 + 50;
    double shock = 1;
    std::int64_t n = 0;
    for (Date day = from; day < to; ++day) {
      if ((day - from) % 30 == 0) shock = std::exp(r.normal(0, 0.4) - 0.08);
      if (a.rate <= 0) continue;
      double rate = a.rate * std::pow(kTrendPer30[a.tier], (day - d0) / 30.0) * shock;
      if (a.treated && day >= a.first) rate *= 1 + cfg.lift;
      for (std::int64_t k = r.poisson(rate); k > 0; --k) {
        Event e;
        e.id = fmt::format("{}-e{}", id, n++);
        e.account = id;
        e.name = "feature_used";
        e.ts = start_of(day) + 12 * 3600 * 1000LL;
        sim.data.apply(Record(std::move(e)));
      }
    }
  }
  sim.data.end_bulk();
  sim.truth_arr_per_account = sim.participants ? arr_gain / static_cast<double>(sim.participants) : 0;
  return sim;
}

Result<attribution::ProgramResult> simulate_report(const LiftSim& sim, int resamples) {
  attribution::RoiInput in;
  in.data = &sim.data;
  in.programs = sim.programs;
  in.cohorts = sim.cohorts;
  in.quarter = sim.quarter;
  in.options.as_of = sim.as_of;
  in.options.bootstrap_resamples = resamples;
  auto report = attribution::compute_roi(in);
  if (!report.ok()) return report.status();
  for (auto& p : report->programs)
    if (p.program == "sim") return std::move(p);
  return Status::NotFound("the simulated program has no result (nobody attended)");
}

}  // namespace uplift::demo
