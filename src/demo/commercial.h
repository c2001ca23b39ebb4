// The commercial side of the story: renewals (with outcomes that depend on adoption) and the
// monthly ARR series, including the planted ARR effect of the accelerator.
//
// Renewal odds are worse for accounts still onboarding at renewal time and for out-of-order AI
// adopters (seed 000), better for advanced and mature ones. ARR moves only at renewals and, for
// attending accelerator accounts, by `arr_effect_pct` at `dma.arr_bump_at` (30-90 days after the
// first attended session), so the ARR difference-in-differences has a known answer.
#pragma once

#include <vector>

#include "demo/model.h"
#include "demo/rng.h"

namespace uplift::demo {

// Fills plan.renewals and plan.churned_on; call once stage dates are drawn.
void plan_renewals(AccountPlan& plan, const Timeline& tl, Rng& rng);

// The account's ARR on a day (0 after churn).
double arr_on(const AccountPlan& plan, const DemoConfig& cfg, Date day);

// Snapshots on the 1st of every month from the account's first month in the story to now.
std::vector<ArrSnapshot> arr_snapshots(const AccountPlan& plan, const DemoConfig& cfg, const Timeline& tl);
std::vector<Renewal> renewal_records(const AccountPlan& plan, const DemoConfig& cfg);
// The account record's renewal_date: the next anniversary on or after now (the churn date for
// churned accounts; none for non-customers).
std::optional<Date> next_renewal(const AccountPlan& plan, const Timeline& tl);

}  // namespace uplift::demo
