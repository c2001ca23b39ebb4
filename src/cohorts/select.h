// Cohort selection: which accounts a program invites, and which it holds out at random.
//
// Pure function of (Dataset, milestone states, program, options). The steps, in order:
//  1. Eligibility (Program::eligibility, evaluated as of `as_of`): customer accounts only; plan,
//     tier and stage filters; `reached` achieved at least reached_days_ago_min days ago;
//     `lacks_milestone` not achieved; at most target_event_max_30d target events in the 30 days
//     up to as_of; at least one learner with an eligible role; not invited to or held out of
//     another open (proposed or sent) cohort.
//  2. Ranking by the documented score (program.h: RankingWeights), ties by account id.
//  3. The pool: the best-ranked ceil(capacity / (1 − holdout_fraction)) eligible accounts.
//  4. The randomized holdout: round(holdout_fraction × pool) accounts of the pool, chosen by a
//     Fisher–Yates shuffle driven by std::mt19937_64(seed) raw output (random.h). The rest of
//     the pool (at most `capacity`) is invited, in rank order.
// Randomizing inside the ranked pool keeps invitees and holdout exchangeable: both are a random
// split of the same accounts, which is what makes the holdout a valid control.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cohorts/cohort.h"
#include "cohorts/program.h"
#include "core/dataset.h"
#include "milestones/state.h"

namespace uplift::cohorts {

// Looks up an account's evaluated milestone state; nullptr when the account has none.
using StateLookup = std::function<const milestones::AccountState*(std::string_view account)>;

struct ProposeOptions {
  Timestamp as_of = 0;                     // eligibility is judged as of this instant; also created_at
  std::optional<int> capacity;             // overrides the program's
  std::optional<double> holdout_fraction;  // overrides the program's
  std::optional<std::uint64_t> seed;       // default: stable_hash(id)
  std::string id;                          // default: "<program>-<yyyy>q<n>" of as_of
  std::vector<Cohort> existing;            // open ones exclude their accounts (same id: ignored)
};

struct Proposal {
  Cohort cohort;
  std::map<std::string, int> excluded;  // reason → number of accounts ("no learner with role admin")
  std::map<std::string, double> scores; // eligible account → ranking score
};

Result<Proposal> propose_cohort(const Dataset& data, const StateLookup& states, const Program& program,
                                const ProposeOptions& options);

}  // namespace uplift::cohorts
