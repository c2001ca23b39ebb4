// LiftSim: generated programs with a known (planted) effect, for the estimators' calibration
// (bench/calibration) and the planted-truth tests. One dataset is one accelerator program run on
// `accounts` customer accounts, the way programs run in the field when nobody planned the analysis:
//
//  * tiers trend differently (smb usage grows 8 % per 30 days, midmarket is flat, upmarket falls
//    5 %), and 20 % of accounts have never used the feature (zero baseline);
//  * the feature's daily usage is Poisson around a per-account rate (lognormal across accounts),
//    with a lognormal shock per 30-day block (σ 0.4: noisy windows, so matching on a noisy window
//    regresses to the mean);
//  * participation is selected on engagement and tier (busier and upmarket accounts attend more);
//  * with `holdout`: a cohort's randomized 20 % holdout of the eligible accounts is the control
//    and only invitees attend; without: no cohort, the report builds a matched control;
//  * participants' usage from their first session (D, D+7 or D+14) is multiplied by 1 + lift; their
//    ARR grows by an extra lift/5 of its value over the 90-day window.
//
// Truths: the usage DiD's estimand is 100 × lift; the ARR estimand per participant is the mean of
// lift/5 × ARR over the participants. Same config and seed → the same dataset on every platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attribution/roi.h"
#include "cohorts/cohort.h"
#include "cohorts/program.h"
#include "core/dataset.h"

namespace uplift::demo {

struct LiftSimConfig {
  int accounts = 2000;
  double lift = 0.25;  // multiplicative on participants' post-session usage
  bool holdout = false;
  std::uint64_t seed = 1;
  double participation = 0.12;  // about this share of eligible accounts attend
};

struct LiftSim {
  Dataset data;
  std::vector<cohorts::Program> programs;  // one: "sim", target event "feature_used"
  std::vector<cohorts::Cohort> cohorts;    // one sent cohort with the holdout, or none
  Quarter quarter;                         // the quarter of the sessions
  Timestamp as_of = 0;                     // late enough to observe every window
  double truth_usage_pct = 0;              // 100 × lift
  double truth_arr_per_account = 0;        // mean planted ARR gain per participant
  std::size_t participants = 0;
};

LiftSim generate_lift_sim(const LiftSimConfig& config);

// The report's result for the simulated program (compute_roi with `resamples` bootstrap draws).
Result<attribution::ProgramResult> simulate_report(const LiftSim& sim, int resamples);

}  // namespace uplift::demo
