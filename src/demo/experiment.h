// The two accelerator cohorts of the demo quarter and who attended them.
//
// data_manager_accelerator (cohort "dma-<quarter>", with a randomized 20 % holdout):
//   eligible  = customer accounts, not churned by now, foundational reached ≥ 30 days before the
//               cohort date, with 1..35 data_manager_edit events in the 30 days before it
//               (lagging but not absent); ranked by ARR at the cohort date (ties by id).
//   holdout   = a seeded random `holdout_fraction` of the eligible accounts; the rest are invited.
//   attending = invited accounts attend with probability 0.2 + 0.6·u, u = the account's baseline
//               data_manager_edit rate scaled to [0, 1] over the lagging range (0.15..0.8/day):
//               engaged accounts self-select, which is what biases naive reporting. Attending
//               accounts take 1 (40 %), 2 (30 %) or 3 (30 %) of the 3 sessions; all their admins
//               attend the same sessions. Half the non-attending invitees registered an admin
//               who did not show up (attended: false for session 1).
// ai_foundations_live (cohort "aifl-<quarter>", no holdout: the matched-control path):
//   eligible  = customer accounts, not churned, advanced ≥ 30 days before its cohort date, with a
//               legal learner; the top `capacity` by ARR are invited, the rest are the control pool.
//   attending = probability 0.3 + 0.5·u over the ai_review_run rate; legal learners attend 1 or
//               both of its 2 sessions; the lift is planted on ai_review_run.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "demo/model.h"

namespace uplift::demo {

// Fills plan.dma and plan.ai for every account (needs the untreated pre-cohort usage).
void run_experiments(std::vector<AccountPlan>& plans, const DemoConfig& cfg, const Timeline& tl);

std::string dma_cohort_id(const Timeline& tl);  // "dma-2026q3"
std::string ai_cohort_id(const Timeline& tl);   // "aifl-2026q3"

// cohorts.json: both cohorts in the cohorts module's persisted format.
nlohmann::json cohorts_json(const std::vector<AccountPlan>& plans, const DemoConfig& cfg, const Timeline& tl);

// The attendance records of one account (both programs).
std::vector<Attendance> attendance_records(const AccountPlan& plan, const Timeline& tl);

}  // namespace uplift::demo
