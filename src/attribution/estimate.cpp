#include "attribution/estimate.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

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

namespace {

// Resample b's seed: splitmix64 of (seed, b), so neighbouring resamples get unrelated streams.
std::uint64_t resample_seed(std::uint64_t seed, int b) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(b) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// One arm resampled with replacement: the sums of n draws.
ArmSums draw(const std::vector<Unit>& arm, std::mt19937_64& rng) {
  ArmSums s;
  s.n = arm.size();
  for (std::size_t i = 0; i < arm.size(); ++i) {
    const Unit& u = arm[cohorts::uniform_index(rng, arm.size())];
    s.pre += u.pre;
    s.post += u.post;
  }
  return s;
}

// Below this many draws per resample one thread is quicker than starting a second.
constexpr std::size_t kParallelDraws = 4096;

}  // namespace

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
  std::vector<std::optional<double>> results(static_cast<std::size_t>(resamples));
  auto run = [&](int from, int to) {
    std::string why;
    for (int b = from; b < to; ++b) {
      std::mt19937_64 rng(resample_seed(seed, b));
      ArmSums t = draw(treated, rng);
      ArmSums c = draw(control, rng);
      results[static_cast<std::size_t>(b)] = stat(t, c, &why);
    }
  };
  const bool parallel = treated.size() + control.size() >= kParallelDraws && resamples > 1 &&
                        std::thread::hardware_concurrency() > 1;
  if (parallel) {
    std::jthread second(run, resamples / 2, resamples);
    run(0, resamples / 2);
  } else {
    run(0, resamples);
  }
  std::vector<double> values;
  values.reserve(results.size());
  for (const auto& v : results) {
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
