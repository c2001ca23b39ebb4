// Lift estimators over per-account pre/post numbers: naive pre/post, difference-in-differences
// (ratio of ratios of means), the incremental difference of changes, and a percentile bootstrap.
//
// Every estimator returns std::nullopt with a reason instead of NaN or infinity (a zero
// pre-period mean makes a ratio meaningless; an empty arm makes everything meaningless), so the
// report never prints a number that is not one.
//
// The bootstrap resamples accounts with replacement, treated and control arms separately. Resample
// b draws from its own std::mt19937_64 seeded from (seed, b), raw output only (cohorts/random.h),
// so resamples are independent of one another and of how many threads compute them (two, on large
// arms): same data + same seed = same interval on every platform and machine. The interval is the
// 2.5th..97.5th percentile (linear interpolation between order statistics) of the resampled
// statistic. `stat` must be safe to call from two threads at once (a pure function).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace uplift::attribution {

// One account's numbers in the window before and after its reference date.
struct Unit {
  double pre = 0, post = 0;
};

struct ArmSums {
  double pre = 0, post = 0;
  std::size_t n = 0;
};
ArmSums sums(const std::vector<Unit>& arm);

struct Interval {
  double lo = 0, hi = 0;
};

// A statistic of the two arms' sums; nullopt (with *why set) when it cannot be computed.
using Statistic = std::function<std::optional<double>(const ArmSums& treated, const ArmSums& control, std::string* why)>;

// 100 × (mean post / mean pre − 1) of the treated arm.
std::optional<double> naive_pct(const ArmSums& treated, std::string* why);
// 100 × ((T_post / T_pre) / (C_post / C_pre) − 1), all means.
std::optional<double> did_pct(const ArmSums& treated, const ArmSums& control, std::string* why);
// Mean change per account, treated minus control: (T_post − T_pre) / n_T − (C_post − C_pre) / n_C.
std::optional<double> diff_of_changes(const ArmSums& treated, const ArmSums& control, std::string* why);

struct BootstrapResult {
  std::optional<Interval> ci95;
  std::size_t undefined = 0;  // resamples where the statistic was not estimable
  std::string reason;         // why ci95 is absent
};
// `resamples` draws; the interval is refused when more than 10 % of draws are undefined.
BootstrapResult bootstrap(const std::vector<Unit>& treated, const std::vector<Unit>& control, const Statistic& stat,
                          int resamples, std::uint64_t seed);

// Linear-interpolation percentile (q in [0,1]) of sorted values; values must be non-empty.
double percentile_sorted(const std::vector<double>& sorted, double q);

}  // namespace uplift::attribution
