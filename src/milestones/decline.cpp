#include "milestones/decline.h"

#include <cmath>

#include <fmt/format.h>

namespace uplift::milestones {
namespace {

constexpr double kEps = 1e-9;

double round1(double x) { return std::round(x * 10) / 10; }

double log_binomial_pmf(long long k, long long n, double p) {
  const double kk = static_cast<double>(k), nn = static_cast<double>(n);
  return std::lgamma(nn + 1) - std::lgamma(kk + 1) - std::lgamma(nn - kk + 1) + kk * std::log(p) +
         (nn - kk) * std::log1p(-p);
}

}  // namespace

double binomial_cdf(long long x, long long n, double p) {
  if (x < 0) return 0;
  if (x >= n) return 1;
  // Summed from k = x down: below the mode the terms shrink geometrically, so the loop stops
  // after a few dozen terms however large n is; above it, the upper tail is summed instead.
  if (static_cast<double>(x) > static_cast<double>(n) * p) return 1 - binomial_cdf(n - x - 1, n, 1 - p);  // 1 - P(X >= x + 1), X >= x + 1 ⇔ n - X <= n - x - 1
  double term = std::exp(log_binomial_pmf(x, n, p)), sum = 0;
  const double ratio = (1 - p) / p;  // pmf(k - 1) / pmf(k) = k / (n - k + 1) * (1 - p) / p
  for (long long k = x; k >= 0 && term > 0; --k) {
    sum += term;
    if (term < sum * 1e-17) break;
    term *= static_cast<double>(k) / static_cast<double>(n - k + 1) * ratio;
  }
  return std::min(1.0, sum);
}

Timestamp baseline_start(const Decline& d, Timestamp as_of) {
  return start_of(date_of(as_of) - d.recent_days - d.baseline_days + 1);
}

std::optional<Flag> decline_flag(const std::string& milestone, const Decline& d, const DeclineVolume& v,
                                 Timestamp as_of) {
  if (v.baseline <= 0 || v.baseline + kEps < d.min_baseline) return std::nullopt;
  const double after = v.recent / (d.recent_days / 7.0), before = v.baseline / (d.baseline_days / 7.0);
  const double change = (after - before) / before * 100.0;
  if (change > -d.drop_pct + kEps) return std::nullopt;
  if (d.significance < 1) {
    const double share = static_cast<double>(d.recent_days) / (d.recent_days + d.baseline_days);
    const double p_value = binomial_cdf(v.recent_events, v.recent_events + v.baseline_events, share);
    if (p_value > d.significance) return std::nullopt;
  }
  Flag f;
  f.kind = "usage_decline";
  f.milestone = milestone;
  f.before_rate = round1(before);
  f.after_rate = round1(after);
  f.change_pct = round1(change);
  f.at = start_of(date_of(as_of));
  f.detail = fmt::format("{}: {:g}/week in the last {} days vs {:g}/week in the {} days before ({:g}%)", milestone,
                         *f.after_rate, d.recent_days, *f.before_rate, d.baseline_days, *f.change_pct);
  return f;
}

}  // namespace uplift::milestones
