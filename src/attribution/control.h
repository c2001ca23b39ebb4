// The arms of one analysis group: participants (treated) and their control — the cohort's
// randomized holdout when it has one, otherwise a matched control of non-participants (roi.h
// documents both). Internal to attribution; exposed for program_lift.cpp and tests.
#pragma once

#include <climits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "attribution/estimate.h"
#include "attribution/history.h"
#include "attribution/roi.h"

namespace uplift::attribution {

// An account that attended at least one session of a program (by the report's as-of instant).
struct Participant {
  std::string account;
  Timestamp first_ts = LLONG_MAX;
  std::set<int> sessions;
  std::set<std::string> learners;
  std::string cohort;    // the cohort named by its attendance (first tagged record)
  std::string assigned;  // the cohort it is analysed in ("" = none)
};

// One account of an arm, around its reference date (a participant's first session; a holdout
// account's cohort median; a matched control its participant's).
struct ArmUnit {
  std::string account, tier;
  Date ref = 0;
  // Target events: pre [ref−w, ref), post [ref, ref+w), and the history window base
  // [ref−3w, ref−2w): a window's gap before the pre-period, so that usage shocks that last a few
  // weeks do not carry from the window matching selects on into the pre-period the DiD reads.
  Unit usage;
  Unit arr;             // ARR at ref (pre) and ref + arr_window (post)
  int sessions = 0;     // treated: distinct sessions attended
  bool usage_observed = true, arr_observed = true;  // its window ends by the as-of instant
};

struct Arms {
  std::string control_kind = "none";  // holdout | matched | none
  std::string no_control_reason;      // set when there is no usable control
  std::vector<ArmUnit> participants;  // every participant (the naive figure)
  std::vector<ArmUnit> treated, control;  // the causal comparison
  bool paired = false;                // matched: control[i] is treated[i]'s match
  std::size_t control_accounts = 0;   // distinct control accounts
  std::size_t unmatched = 0;          // participants without a comparable non-participant
  std::vector<Balance> balance;
};

// What a program's eligibility reads of one account, looked up once (matching judges every
// candidate at every participant date, and again for the placebo).
struct EligibilityFacts {
  bool fixed = false;  // audience customer, plan and tier allowed
  const milestones::AccountState* state = nullptr;
  std::optional<Date> reached, lacks;  // days the eligibility's milestones were reached
  std::optional<Date> role_since;      // earliest day a learner of an eligible role existed
};

struct ControlContext {
  const RoiInput& in;
  const cohorts::Program* program;
  const std::map<std::string, Participant>& participants;  // everyone who attended the program by as-of
  const std::vector<const cohorts::Cohort*>& program_cohorts;
  // Accounts invited to or held out of any of program_cohorts (Cohort::invited scans a vector).
  const std::unordered_set<std::string_view>& cohort_accounts;
  UsageIndex& usage;
  // Per program, shared by its groups and the placebo (keys view the Dataset's account ids).
  std::unordered_map<std::string_view, EligibilityFacts>* facts = nullptr;
};

// `shift_days` moves every reference date back (the placebo: the same design one window earlier).
// A unit's window counts as observed when it ends by the as-of instant's last whole day.
Arms build_arms(const ControlContext& ctx, const cohorts::Cohort* cohort, const std::vector<const Participant*>& members,
                Timestamp as_of, std::vector<std::string>& warnings, int shift_days = 0);

// Whether `account` met the program's eligibility on day `d` (judged from records and milestones
// dated before d): audience customer, plan, tier, stage at d, `reached` at least N days before,
// `lacks_milestone` not yet, at most target_event_max_30d target events in [d−30, d), a learner
// of an eligible role.
bool eligible_at(const ControlContext& ctx, const Account& account, Date d);
EligibilityFacts eligibility_facts(const ControlContext& ctx, const Account& account);
bool eligible_at(const ControlContext& ctx, const Account& account, const EligibilityFacts& facts, Date d);

// Median of dates; for an even count the earlier-rounded mean of the middle two.
Date median_date(std::vector<Date> dates);

// (mean_a − mean_b) / sqrt((var_a + var_b) / 2); nullopt when either is empty or both constant.
std::optional<double> standardized_difference(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace uplift::attribution
