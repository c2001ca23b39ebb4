// What an account is stuck on and what uplift recommends for it: the "stalled" view of lagging
// accounts (GET /v1/accounts?stalled_days=N and the console's Accounts page), and the practice
// signal the cohort ranking reads.
//
// For each frontier milestone of the account (in the state's order), one piece of advice:
//   course       some teaching item is not completed by any of the account's learners: those
//                items (at most 3, shortest first, ties by id) — the team can assign them;
//   practice     every teaching item was completed by some learner, yet the account still lacks
//                the milestone: knowing is not doing — the live sessions again and the accelerator
//                program for the milestone (the account is a candidate for its cohort);
//   accelerator  nothing in the catalog teaches it, but a program targets it;
//   none         nothing teaches it and no program targets it (a gap in the content map).
// Only items the account's audience may see count. Pure: reads the Dataset, the account's state
// and the content map; no I/O. Thread-safe for concurrent readers of unchanging inputs.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "milestones/state.h"
#include "recommend/content_map.h"

namespace uplift::recommend {

struct MilestoneAdvice {
  std::string milestone;
  std::string action;              // course | practice | accelerator | none
  std::vector<std::string> items;  // course: items nobody completed; practice: live sessions
  std::string program;             // the accelerator program targeting the milestone ("" none)
  std::size_t learners = 0;        // the account's learners of its audience
  std::size_t practised = 0;       // of those, learners who completed every visible teaching item
  std::string detail;              // one sentence for a person
};

// The accelerator program targeting a milestone ("" when none); supplied by the caller, which
// knows the configured programs (recommend does not depend on cohorts).
using ProgramFor = std::function<std::string(std::string_view milestone)>;

// Completions after `as_of` are not read.
std::vector<MilestoneAdvice> advise_account(const Dataset& data, const milestones::AccountState* state,
                                            const ContentMap& content, std::string_view account,
                                            const ProgramFor& program_for, Timestamp as_of);

// Learners of `account` (of the account's audience) who completed every teaching item of
// `milestone` that the audience may see — the practice signal; 0 when the milestone has no visible
// teaching. The caller checks that the account still lacks the milestone.
std::size_t practised_learners(const Dataset& data, const ContentMap& content, std::string_view account,
                               std::string_view milestone, Timestamp as_of);

nlohmann::json advice_to_json(const std::vector<MilestoneAdvice>& advice);

}  // namespace uplift::recommend
