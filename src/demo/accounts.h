// Account and learner planning: who the demo customers are and when each reaches each stage.
//
// plan_accounts draws every account from its own random stream (derive(seed, account)), so
// account i is the same whatever --accounts says. The plan fixes the story's planted facts:
// stage dates (foundational = the instant its third group is created, with ten/25 active
// learners and a published workflow already in place), usage rates, out-of-order AI adopters,
// late-usage decliners and renewals (with churn: nothing happens after an account churns).
#pragma once

#include <vector>

#include "demo/model.h"
#include "demo/rng.h"

namespace uplift::demo {

std::vector<AccountPlan> plan_accounts(const DemoConfig& cfg, const Timeline& tl);

// A working-hours instant (09:00-18:00 UTC, whole seconds) on the day that contains `day`.
Timestamp during_work_hours(Timestamp day, Rng& rng);

}  // namespace uplift::demo
