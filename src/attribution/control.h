// The arms of one analysis group: participants (treated) and their control — the cohort's
// randomized holdout when it has one, otherwise a matched control of non-participants (roi.h
// documents both). Internal to attribution; exposed for program_lift.cpp and tests.
#pragma once

#include <climits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "attribution/estimate.h"
#include "attribution/history.h"
#include "attribution/roi.h"

namespace uplift::attribution {

// An account that attended at least one session of a program.
struct Participant {
  std::string account;
  Timestamp first_ts = LLONG_MAX;
  std::set<int> sessions;
  std::set<std::string> learners;
  std::string cohort;    // the cohort named by its attendance (first tagged record)
  std::string assigned;  // the cohort it is analysed in ("" = none)
};

struct Arms {
  std::string control_kind = "none";  // holdout | matched | none
  std::string no_control_reason;      // set when there is no usable control
  // Usage units. naive_* hold every participant; treated/control the ones in the DiD.
  std::vector<Unit> naive_treated;
  std::vector<int> naive_sessions;
  std::vector<Unit> treated, control;
  std::vector<int> treated_sessions;
  bool paired = false;  // matched: control[i] is treated[i]'s match
  std::size_t control_accounts = 0;  // distinct control accounts
  // ARR units (ARR at the reference date, ARR window_days later), same accounts as treated/control.
  std::vector<Unit> arr_treated, arr_control;
  // (account, reference date) for milestone conversion.
  std::vector<std::pair<std::string, Date>> treated_refs, control_refs;
};

struct ControlContext {
  const RoiInput& in;
  const cohorts::Program* program;
  const std::map<std::string, Participant>& participants;  // everyone who ever attended the program
  const std::vector<const cohorts::Cohort*>& program_cohorts;
  // Accounts invited to or held out of any of program_cohorts (Cohort::invited scans a vector).
  const std::unordered_set<std::string_view>& cohort_accounts;
  UsageIndex& usage;
};

Arms build_arms(const ControlContext& ctx, const cohorts::Cohort* cohort, const std::vector<const Participant*>& members,
                Timestamp as_of, std::vector<std::string>& warnings);

// Median of dates; for an even count the earlier-rounded mean of the middle two.
Date median_date(std::vector<Date> dates);

}  // namespace uplift::attribution
