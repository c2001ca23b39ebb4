#include "demo/commercial.h"

#include <cmath>

namespace uplift::demo {
namespace {

// The same month and day `years` later (29 February falls back to the 28th).
Date anniversary(Date d, int years) {
  int y;
  unsigned m, day;
  civil_from_days(d, y, m, day);
  if (m == 2 && day == 29) day = 28;
  return days_from_civil(y + years, m, day);
}

Stage stage_at(const AccountPlan& a, Timestamp t) {
  if (a.mature_at && *a.mature_at <= t) return Stage::kMature;
  if (a.advanced_at && *a.advanced_at <= t) return Stage::kAdvanced;
  if (a.foundational_at && *a.foundational_at <= t) return Stage::kFoundational;
  return Stage::kOnboarding;
}

}  // namespace

void plan_renewals(AccountPlan& a, const Timeline& tl, Rng& rng) {
  if (a.audience != "customer") return;
  const Date created = date_of(a.created_at), first = date_of(tl.start), now = date_of(tl.now);
  for (int y = 1;; ++y) {
    const Date d = anniversary(created, y);
    if (d >= now) break;
    if (d < first) continue;
    // Weights: churned, contracted, renewed, expanded.
    std::vector<double> w;
    switch (stage_at(a, start_of(d))) {
      case Stage::kOnboarding: w = {25, 20, 50, 5}; break;
      case Stage::kFoundational: w = {8, 10, 67, 15}; break;
      default: w = {3, 5, 62, 30}; break;
    }
    if (a.out_of_order) w[0] += 15, w[1] += 5, w[2] -= 20;
    RenewalPlan r;
    r.date = d;
    switch (rng.weighted(w)) {
      case 0: r.outcome = RenewalOutcome::kChurned, r.factor = 0; break;
      case 1: r.outcome = RenewalOutcome::kContracted, r.factor = rng.uniform(0.7, 0.9); break;
      case 2: r.outcome = RenewalOutcome::kRenewed, r.factor = 1; break;
      default: r.outcome = RenewalOutcome::kExpanded, r.factor = rng.uniform(1.1, 1.4); break;
    }
    a.renewals.push_back(r);
    if (r.outcome == RenewalOutcome::kChurned) {
      a.churned_on = d;
      break;
    }
  }
}

double arr_on(const AccountPlan& a, const DemoConfig& cfg, Date day) {
  double v = a.arr0;
  for (const auto& r : a.renewals)
    if (r.date <= day) v *= r.factor;
  if (a.dma.arr_bump_at && day >= date_of(*a.dma.arr_bump_at)) v *= 1 + cfg.arr_effect_pct / 100.0;
  return std::round(v);
}

std::vector<ArrSnapshot> arr_snapshots(const AccountPlan& a, const DemoConfig& cfg, const Timeline& tl) {
  std::vector<ArrSnapshot> out;
  if (a.audience != "customer") return out;
  const Date from = std::max(date_of(a.created_at), date_of(tl.start)), now = date_of(tl.now);
  int y;
  unsigned m, d;
  civil_from_days(from, y, m, d);
  for (Date day = days_from_civil(y, m, 1); day <= now;) {
    if (a.churned_on && day > *a.churned_on) break;
    if (day >= from) out.push_back(ArrSnapshot{a.id, day, arr_on(a, cfg, day)});
    if (++m > 12) m = 1, ++y;
    day = days_from_civil(y, m, 1);
  }
  return out;
}

std::vector<Renewal> renewal_records(const AccountPlan& a, const DemoConfig& cfg) {
  std::vector<Renewal> out;
  for (const auto& r : a.renewals)
    out.push_back(Renewal{a.id, r.date, r.outcome, arr_on(a, cfg, r.date - 1), arr_on(a, cfg, r.date)});
  return out;
}

std::optional<Date> next_renewal(const AccountPlan& a, const Timeline& tl) {
  if (a.audience != "customer") return std::nullopt;
  if (a.churned_on) return a.churned_on;
  const Date created = date_of(a.created_at), now = date_of(tl.now);
  for (int y = 1;; ++y)
    if (Date d = anniversary(created, y); d >= now) return d;
}

}  // namespace uplift::demo
