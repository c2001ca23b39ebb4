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
#include "recommend/content_map.h"

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
  // The configured programs: a cohort whose last session was attended by the as-of instant is
  // closed (cohort.h closed_as_of) and frees its accounts. Without them (or for a program no
  // longer configured) only a cohort closed by hand does.
  const std::vector<Program>* programs = nullptr;
  // The content map, for the practice signal (RankingWeights::practice); without it no account
  // carries the signal.
  const recommend::ContentMap* content = nullptr;
};

// The smallest usage lift the proposed cohort could detect (80 % power, two-sided α 0.05), from the
// target metric's history over the eligible accounts that used it 90 to 120 days before the as-of
// date (users, as the report picks them): their target events in the 30 days before the as-of date
// against the 30 days before that give the spread of a 30-day change (d = later − R·earlier, R the pool's ratio), and the DiD of means over n_T participants
// and n_C controls — both counted among accounts that use the feature, as the report measures —
// has a relative standard error of sd(d) / mean(earlier) · sqrt(1/n_T + 1/n_C). MDE = 2.80 × that.
// It assumes every invitee attends (with a share p attending, it grows by about 1/sqrt(p)); without
// a holdout it assumes one matched control per participant.
struct Power {
  std::optional<double> mde_pct;
  std::size_t treated = 0, control = 0;  // accounts expected in the comparison (users of the feature)
  std::size_t history_accounts = 0;      // eligible accounts with usage in the history used
  std::string not_estimable;
};

struct Proposal {
  Cohort cohort;
  Power power;
  std::map<std::string, int> excluded;  // reason → number of accounts ("no learner with role admin")
  std::map<std::string, double> scores; // eligible account → ranking score
};

// {"mde_pct": 18.4 | null, "treated": …, "control": …, "history_accounts": …, "not_estimable": …,
//  "power": 0.8, "alpha": 0.05}
nlohmann::json power_to_json(const Power& p);

// Power of a cohort of `treated` invitees and `control` holdout accounts drawn from `pool`.
Power minimum_detectable_effect(const Dataset& data, const std::vector<std::string>& pool, const std::string& event,
                                Timestamp as_of, std::size_t treated, std::size_t control);

Result<Proposal> propose_cohort(const Dataset& data, const StateLookup& states, const Program& program,
                                const ProposeOptions& options);

}  // namespace uplift::cohorts
