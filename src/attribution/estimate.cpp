#include "attribution/estimate.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "cohorts/random.h"

namespace uplift::attribution {

ArmSums sums(const std::vector<Unit>& arm) {
  ArmSums s;
  for (const auto& u : arm) {
    s.pre += u.pre;
    s.post += u.post;
  }
  s.n = arm.size();
  return s;
}

namespace {
std::optional<double> fail(std::string* why, const char* reason) {
  if (why) *why = reason;
  return std::nullopt;
}
std::optional<double> finite_or_fail(double v, std::string* why) {
  if (!std::isfinite(v)) return fail(why, "the estimate is not a finite number");
  return v;
}
}  // namespace

std::optional<double> naive_pct(const ArmSums& t, std::string* why) {
  if (t.n == 0) return fail(why, "no participants");
  if (t.pre <= 0) return fail(why, "participants had no usage in the pre-period (division by zero)");
  return finite_or_fail(100.0 * (t.post / t.pre - 1.0), why);
}

std::optional<double> did_pct(const ArmSums& t, const ArmSums& c, std::string* why) {
  if (t.n == 0) return fail(why, "no participants");
  if (c.n == 0) return fail(why, "no control accounts");
  if (t.pre <= 0) return fail(why, "participants had no usage in the pre-period (division by zero)");
  if (c.pre <= 0) return fail(why, "control accounts had no usage in the pre-period (division by zero)");
  if (c.post <= 0) return fail(why, "control accounts had no usage in the post-period (division by zero)");
  // Means: the n's cancel inside each ratio.
  return finite_or_fail(100.0 * ((t.post / t.pre) / (c.post / c.pre) - 1.0), why);
}

std::optional<double> diff_of_changes(const ArmSums& t, const ArmSums& c, std::string* why) {
  if (t.n == 0) return fail(why, "no participants");
  if (c.n == 0) return fail(why, "no control accounts");
  return finite_or_fail((t.post - t.pre) / static_cast<double>(t.n) - (c.post - c.pre) / static_cast<double>(c.n), why);
}

double percentile_sorted(const std::vector<double>& v, double q) {
  if (v.size() == 1) return v[0];
  double pos = q * static_cast<double>(v.size() - 1);
  auto i = static_cast<std::size_t>(std::floor(pos));
  if (i + 1 >= v.size()) return v.back();
  double frac = pos - static_cast<double>(i);
  return v[i] + frac * (v[i + 1] - v[i]);
}

BootstrapResult bootstrap(const std::vector<Unit>& treated, const std::vector<Unit>& control, const Statistic& stat,
                          int resamples, std::uint64_t seed) {
  BootstrapResult out;
  if (resamples <= 0) {
    out.reason = "bootstrap disabled";
    return out;
  }
  if (treated.empty() || control.empty()) {
    out.reason = treated.empty() ? "no participants" : "no control accounts";
    return out;
  }
  std::mt19937_64 rng(seed);
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(resamples));
  auto draw = [&](const std::vector<Unit>& arm) {
    ArmSums s;
    s.n = arm.size();
    for (std::size_t i = 0; i < arm.size(); ++i) {
      const Unit& u = arm[cohorts::uniform_index(rng, arm.size())];
      s.pre += u.pre;
      s.post += u.post;
    }
    return s;
  };
  for (int b = 0; b < resamples; ++b) {
    ArmSums t = draw(treated);
    ArmSums c = draw(control);
    std::string why;
    auto v = stat(t, c, &why);
    if (v) values.push_back(*v);
    else ++out.undefined;
  }
  if (values.empty() || out.undefined * 10 > static_cast<std::size_t>(resamples)) {
    out.reason = "more than 10% of bootstrap resamples were not estimable (too little usage to resample)";
    return out;
  }
  std::sort(values.begin(), values.end());
  out.ci95 = Interval{percentile_sorted(values, 0.025), percentile_sorted(values, 0.975)};
  return out;
}

}  // namespace uplift::attribution
