// The quarterly ROI report model: what training attendance did for usage, ARR, milestones and
// stage movement — the naive vendor-style figure next to a causal one.
//
// Definitions (also in README "Cohorts and the ROI report"):
//  * Participant: an account with at least one learner who attended (attended=true) a session of
//    the program. Its reference date is the date of its first attended session.
//  * Analysis groups: participants are grouped by cohort (the attendance's `cohort`, else the
//    cohort of the program that invited the account); a cohort is in the quarter when its first
//    session (its earliest participant's) falls in it. Participants without a cohort form one
//    group per program, each in the quarter of its own first session.
//  * Sessions per account: the number of distinct session numbers any of its learners attended;
//    attended_2plus_pct = % of participating accounts with 2 or more.
//  * arr_influenced: Σ participants' ARR as of their first session (history.h: arr_at).
//  * Usage: number of the program's target events in the 30 days before the reference date
//    (pre) and the reference date plus the 29 days after (post).
//  * Control: the cohort's holdout (minus holdout accounts that attended anyway), windows around
//    the cohort's reference date = median first-session date of its participants; otherwise a
//    matched control: for each participant the nearest non-participant with the same tier and
//    plan on |Δ ln(1+pre usage)| + ½|Δ ln(1+ARR)| (with replacement, ties by id, caliper 1.0),
//    windows around that participant's date.
//  * naive_pct = 100 (mean post / mean pre − 1) over participants; did_pct = 100 ((T_post/T_pre) /
//    (C_post/C_pre) − 1); ci95 by bootstrap (estimate.h).
//  * ARR lift: per account ARR at +90 days minus ARR at the reference date; incremental_arr =
//    (mean change of participants − mean change of control) × participants.
//  * Dose-response: the same estimates for participants with 1 session and with 2+.
//  * Conversion: % of accounts without the program's target milestone at the reference date that
//    reach it within 60 days, participants vs control.
//  * Stages and CSMs: customer accounts created by the quarter's end; stage at the start and end
//    of the quarter from milestone achieved_at (history.h). moved = a later stage at the end.
//  * Renewal by stage: renewals dated in the quarter, by the account's stage on that date;
//    renewed and expanded count as renewed.
// Nothing here is NaN or infinite: a number that cannot be estimated is absent with a reason.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "attribution/estimate.h"
#include "attribution/history.h"
#include "cohorts/cohort.h"
#include "cohorts/program.h"
#include "cohorts/select.h"
#include "core/dataset.h"

namespace uplift::attribution {

struct UsageLift {
  std::string metric;
  int window_days = 30;
  std::string control;  // "holdout" | "matched" | "none"
  std::size_t treated = 0, control_accounts = 0;
  std::optional<double> treated_pre_mean, treated_post_mean, control_pre_mean, control_post_mean;
  std::optional<double> naive_pct, did_pct;
  std::optional<Interval> ci95_pct;
  std::string naive_not_estimable, not_estimable, ci_not_estimable;  // reasons, empty when estimated
  bool low_confidence = false;
};

struct ArrLift {
  int window_days = 90;
  std::optional<double> incremental_arr, per_account;
  std::optional<Interval> ci95;
  std::string not_estimable;
};

struct DoseGroup {
  std::string sessions;  // "1" | "2+"
  std::size_t accounts = 0;
  std::optional<double> naive_pct, did_pct;
  std::string not_estimable;
};

struct Conversion {
  std::string milestone;
  int within_days = 60;
  std::size_t participants = 0, control = 0;  // accounts at risk (milestone not yet reached)
  std::optional<double> participants_pct, control_pct;
  std::string not_estimable;
};

struct ProgramResult {
  std::string program, title;
  std::string cohort;  // empty: attendance without a cohort
  std::optional<Date> first_session;
  std::size_t participants = 0, participant_learners = 0;
  std::optional<double> attended_2plus_pct;
  double arr_influenced = 0;
  UsageLift usage_lift;
  ArrLift arr_lift;
  std::vector<DoseGroup> dose_response;
  Conversion conversion;
  std::vector<std::string> warnings;
};

struct StageRow {
  std::string stage;
  std::size_t accounts = 0, moved_in_quarter = 0;
};
struct CsmRow {
  std::string csm;
  std::size_t accounts = 0, moved = 0;
  double moved_pct = 0;
};
struct RenewalRow {
  std::string stage;
  std::size_t renewals = 0, renewed = 0;
  std::optional<double> rate_pct;
};

struct RoiOptions {
  int window_days = 30, arr_window_days = 90, conversion_days = 60;
  int bootstrap_resamples = 1000;
  std::uint64_t seed = 20260701;
  std::size_t min_per_arm = 10;  // fewer accounts in an arm → low_confidence
  double caliper = 1.0;
  std::optional<Timestamp> as_of;  // end of the data; default: the quarter's last instant
};

struct RoiInput {
  const Dataset* data = nullptr;
  // The programs' target event times (event name → per account), when the caller read them
  // instead of loading every event into `data`; a name missing here is read from `data`.
  const std::map<std::string, EventTimes, std::less<>>* usage = nullptr;
  cohorts::StateLookup states;
  std::vector<cohorts::Program> programs;
  std::vector<cohorts::Cohort> cohorts;
  std::vector<StageGate> stages;  // journey order
  Quarter quarter;
  RoiOptions options;
};

struct RoiReport {
  Quarter quarter;
  Timestamp as_of = 0;
  RoiOptions options;
  std::vector<ProgramResult> programs;
  std::vector<StageRow> stages;
  std::vector<CsmRow> csm;
  std::vector<RenewalRow> renewal_by_stage;
  std::vector<std::string> notes;
};

Result<RoiReport> compute_roi(const RoiInput& input);

// Pieces of compute_roi, exposed for tests.
std::vector<ProgramResult> program_results(const RoiInput& input, Timestamp as_of, std::vector<std::string>& notes);
void journey_results(const RoiInput& input, RoiReport& report);

}  // namespace uplift::attribution
