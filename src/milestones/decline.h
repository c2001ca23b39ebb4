// Decline: when an achieved milestone's usage counts as declining (README "Usage decline").
//
// The recent period is the last `recent_days` UTC days ending on the as-of day; the baseline
// period is the `baseline_days` before it. Usage is the milestone's matching events (qty for sum
// criteria). A usage_decline flag is raised when every one of these holds:
//  * the milestone is achieved, and its own criterion was met before the baseline period began —
//    a decline is a fall from established use; the run-up to a milestone is not its normal rate;
//  * the account has not churned (core/dataset.h churned_as_of): a churned account's usage stops
//    because it left, and the churn is the signal, not a decline to act on;
//  * the baseline volume is at least min_baseline, and the per-week rate fell by drop_pct or more;
//  * the fall is unlikely to be chance. Events arriving as a Poisson process at an unchanged rate
//    put each of the n events of both periods in the recent one with probability
//    p = recent_days / (recent_days + baseline_days), so the recent count is Binomial(n, p); the
//    flag needs P(X <= recent count) <= significance. The test counts events even for sum
//    criteria: one bulk event of qty 200 is one observation, not 200. Without it a few lumpy
//    events (3 contracts one month, 1 the next) look like a 50 % drop by chance alone.
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"
#include "milestones/graph.h"
#include "milestones/state.h"

namespace uplift::milestones {

// What was measured in the two periods.
struct DeclineVolume {
  double recent = 0, baseline = 0;                 // events, or qty for sum criteria
  long long recent_events = 0, baseline_events = 0;
};

// The first instant of the baseline period that ends on as-of's day.
Timestamp baseline_start(const Decline& d, Timestamp as_of);

// The flag when usage fell by drop_pct and the test holds (the caller checks achievement and churn).
std::optional<Flag> decline_flag(const std::string& milestone, const Decline& d, const DeclineVolume& v,
                                 Timestamp as_of);

// P(X <= x) for X ~ Binomial(n, p), 0 < p < 1: the one-sided p-value of the decline test.
double binomial_cdf(long long x, long long n, double p);

}  // namespace uplift::milestones
