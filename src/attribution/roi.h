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
//  * As of: a report as of T reads nothing dated after T — attendance, cohorts created, events,
//    ARR snapshots, renewals, milestones reached. A participant whose window ends after T's last
//    whole day is left out of that estimate and counted in `unobserved_*` with a warning.
//  * Usage: the program's target events in the w = 30 days before the reference date (pre), from
//    it for w days (post), and in the history window [ref − 3w, ref − 2w) (base), a window's gap
//    before the pre-period.
//  * Users and non-users: an account with usage in the history window is a user — the usage lift
//    reads users only; the others are measured by adoption (below), never folded into a ratio.
//  * Control: the cohort's holdout (minus holdout accounts that attended anyway), each holdout
//    account evaluated at the participants' reference dates (averaged by their shares) and
//    post-stratified by tier (estimate.h Reweight); otherwise a matched control (control.cpp):
//    eligible non-participants, exact on tier, plan and user/non-user, nearest on
//    |Δ ln(1+base)| + ½|Δ ln(1+ARR)| with replacement within caliper 1.0, windows around the
//    participant's date. `balance` reports standardized differences before and after.
//  * naive_pct = 100 (mean post / mean pre − 1) over participants, with its bootstrap interval;
//    did_pct = 100 ((T_post/T_pre) / (C_post/C_pre) − 1) over users. A causal figure is given only
//    with its 95 % interval (BCa bootstrap resampling the design's unit: accounts per arm, or
//    matched sets), else it is not estimable with the reason: fewer than min_estimable distinct
//    accounts carrying the measure in an arm, a zero denominator, or more than 5 % of resamples
//    undefined. low_confidence: fewer than min_per_arm distinct accounts in an arm.
//  * Placebo: the same design one window earlier (every reference date moved back w days); its
//    interval should cover 0, else `placebo.failed` and a warning.
//  * By tier: the usage DiD within each tier, intervals Bonferroni-corrected over the tiers.
//  * Adoption (non-users): the change in the share using the feature (post vs pre window),
//    participants minus control, in points, with its interval.
//  * ARR lift: per account ARR at +90 days minus ARR at the reference date; incremental_arr =
//    (mean change of participants − mean change of control) × participants, with its interval.
//  * Dose-response: the usage DiD for participants with 1 session and with 2+, with intervals.
//  * Conversion: among accounts without the conversion milestone at the reference date and 60
//    days observed, the share reaching it within 60 days; participants minus control in points,
//    with its interval (the shares are shown only with it).
//  * Stages: customer accounts created by the quarter's end; stage at the start and end of the
//    quarter (or the as-of instant when earlier) from milestone achieved_at (history.h). moved = a
//    later stage at the end. CSMs: movement.h's figures — the customer accounts there at the
//    quarter's start (accounts created during it are in no share) and how many moved forward.
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

// The same estimator on a window that ends before the first session (pre-period = the baseline
// window, post-period = the pre-period, matching redone one window earlier): should be ≈ 0.
struct Placebo {
  std::optional<double> did_pct;
  std::optional<Interval> ci95_pct;
  std::string not_estimable;
  bool failed = false;  // the interval excludes 0: the groups were already diverging before training
};

// The usage DiD within one tier; intervals at 1 − 0.05/k for k tiers estimated (Bonferroni).
struct TierLift {
  std::string tier;
  std::size_t treated = 0, control = 0;  // distinct accounts
  std::optional<double> did_pct;
  std::optional<Interval> ci_pct;
  std::string not_estimable;
};

struct UsageLift {
  std::string metric;
  int window_days = 30;
  std::string control;  // "holdout" | "matched" | "none"
  // Accounts in the ratio estimate: those that used the feature in the history window (distinct).
  std::size_t treated = 0, control_accounts = 0;
  std::optional<double> treated_pre_mean, treated_post_mean, control_pre_mean, control_post_mean;
  std::optional<double> naive_pct, did_pct;
  std::optional<Interval> naive_ci95_pct, ci95_pct;  // did_pct is set only together with ci95_pct
  std::string naive_not_estimable, not_estimable;    // reasons, empty when estimated
  bool low_confidence = false;
  Placebo placebo;
  std::vector<TierLift> by_tier;
};

// Accounts that had not used the feature in the history window: the change in the share using it
// (in the post-period against the pre-period), trained minus control, in percentage points.
struct Adoption {
  std::size_t treated = 0, control = 0;  // distinct accounts
  std::optional<double> treated_pct, control_pct;  // share using it in the post-period
  std::optional<double> diff_pts;
  std::optional<Interval> ci95_pts;
  std::string not_estimable;
  bool low_confidence = false;
};

struct ArrLift {
  int window_days = 90;
  std::optional<double> incremental_arr, per_account;
  std::optional<Interval> ci95, per_account_ci95;
  std::size_t treated = 0, control = 0;
  std::string not_estimable;
};

struct DoseGroup {
  std::string sessions;  // "1" | "2+"
  std::size_t accounts = 0;
  std::optional<double> naive_pct, did_pct;
  std::optional<Interval> ci95_pct;  // did_pct only with its interval
  std::string not_estimable;
};

struct Conversion {
  std::string milestone;
  int within_days = 60;
  std::size_t participants = 0, control = 0;  // accounts at risk (milestone not yet reached)
  std::optional<double> participants_pct, control_pct, diff_pts;
  std::optional<Interval> ci95_pts;
  std::string not_estimable;
};

// Standardized mean difference of one covariate, participants vs the control pool before matching
// and vs the matched controls after (for a holdout both are the holdout). |SMD| < 0.1 is balanced.
struct Balance {
  std::string covariate;
  std::optional<double> smd_before, smd_after;
};

struct ProgramResult {
  std::string program, title;
  std::string cohort;  // empty: attendance without a cohort
  std::optional<Date> first_session;
  std::size_t participants = 0, participant_learners = 0;
  std::optional<double> attended_2plus_pct;
  double arr_influenced = 0;
  UsageLift usage_lift;
  Adoption adoption;
  ArrLift arr_lift;
  std::vector<DoseGroup> dose_response;
  Conversion conversion;
  std::vector<Balance> balance;
  // Participants left out because a window ends after the as-of instant.
  std::size_t unobserved_usage = 0, unobserved_arr = 0, unobserved_conversion = 0;
  std::vector<std::string> warnings;
  std::map<std::string, double> participant_arr;  // account → its ARR at its first session
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
  std::size_t min_per_arm = 10;  // fewer distinct accounts in an arm → low_confidence
  std::size_t min_estimable = 5;  // fewer distinct accounts carrying the measure in an arm → not estimable
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

// Across programs, each account counted once (an account in two programs is one account, and its
// ARR is counted at its earliest first session).
struct RoiTotals {
  std::size_t participant_accounts = 0;
  double arr_influenced = 0;
  std::optional<double> incremental_arr;  // Σ over programs, only when every program's is estimated
  // Σ of the programs' bounds: a conservative interval (wider than 95 % for independent programs;
  // it makes no assumption about accounts or controls the programs share).
  std::optional<Interval> incremental_arr_ci95;
};

struct RoiReport {
  Quarter quarter;
  Timestamp as_of = 0;
  RoiOptions options;
  RoiTotals totals;
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
