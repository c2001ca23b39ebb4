#include "attribution/estimate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <random>
#include <thread>

#include <fmt/format.h>

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

std::optional<double> share_diff_pts(const ArmSums& t, const ArmSums& c, std::string* why) {
  if (t.n == 0) return fail(why, "no participants");
  if (c.n == 0) return fail(why, "no control accounts");
  return finite_or_fail(100.0 * ((t.post - t.pre) / static_cast<double>(t.n) - (c.post - c.pre) / static_cast<double>(c.n)), why);
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
ArmSums draw(const std::vector<Unit>& arm, cohorts::SplitMix64& rng) {
  ArmSums s;
  s.n = arm.size();
  for (std::size_t i = 0; i < arm.size(); ++i) {
    const Unit& u = arm[cohorts::uniform_index_fast(rng, arm.size())];
    s.pre += u.pre;
    s.post += u.post;
  }
  return s;
}

// Below this many draws per resample one thread is quicker than starting a second.
constexpr std::size_t kParallelDraws = 4096;

// Stratified designs, participants: drawn with replacement from the whole arm (their tier mix
// varies from resample to resample, as it does between programs), summed per stratum of the drawn
// unit. `stratum_of[i]`: the aligned stratum of unit i (npos: left out).
void draw_stratified(const std::vector<Unit>& arm, const std::vector<std::size_t>& stratum_of, std::size_t strata,
                     cohorts::SplitMix64& rng, std::vector<ArmSums>& out) {
  out.assign(strata, ArmSums{});
  for (std::size_t i = 0; i < arm.size(); ++i) {
    const std::size_t k = cohorts::uniform_index_fast(rng, arm.size());
    if (stratum_of[k] >= strata) continue;
    ArmSums& s = out[stratum_of[k]];
    s.pre += arm[k].pre;
    s.post += arm[k].post;
    ++s.n;
  }
}

// Each stratum's units drawn from that stratum only, as many as it has: the control's per-tier
// sums (it is reweighted to the participants' tiers, so its own composition is fixed; drawing it
// from the whole arm would leave a small tier empty in some resamples).
void draw_within_strata(const std::vector<Unit>& arm, const std::vector<std::vector<std::size_t>>& groups,
                        cohorts::SplitMix64& rng, std::vector<ArmSums>& out) {
  out.assign(groups.size(), ArmSums{});
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const auto& g = groups[k];
    out[k].n = g.size();
    for (std::size_t i = 0; i < g.size(); ++i) {
      const Unit& u = arm[g[cohorts::uniform_index_fast(rng, g.size())]];
      out[k].pre += u.pre;
      out[k].post += u.post;
    }
  }
}

std::vector<std::size_t> stratum_index(const std::vector<std::vector<std::size_t>>& groups, std::size_t units) {
  std::vector<std::size_t> of(units, static_cast<std::size_t>(-1));
  for (std::size_t k = 0; k < groups.size(); ++k)
    for (std::size_t i : groups[k]) of[i] = k;
  return of;
}

std::vector<ArmSums> group_sums(const std::vector<Unit>& arm, const std::vector<std::vector<std::size_t>>& groups) {
  std::vector<ArmSums> out(groups.size());
  for (std::size_t k = 0; k < groups.size(); ++k) {
    for (std::size_t i : groups[k]) {
      out[k].pre += arm[i].pre;
      out[k].post += arm[i].post;
    }
    out[k].n = groups[k].size();
  }
  return out;
}

// Indices per stratum, aligned across the arms by the treated arm's strata (in stratum order);
// control units of strata without treated units are left out.
void aligned_groups(const BootstrapOptions& o, std::vector<std::vector<std::size_t>>& t_groups,
                    std::vector<std::vector<std::size_t>>& c_groups) {
  std::map<int, std::size_t> index;
  for (int k : o.treated_strata) index.emplace(k, 0);
  std::size_t i = 0;
  for (auto& [k, v] : index) v = i++;
  t_groups.assign(index.size(), {});
  c_groups.assign(index.size(), {});
  for (std::size_t u = 0; u < o.treated_strata.size(); ++u) t_groups[index[o.treated_strata[u]]].push_back(u);
  for (std::size_t u = 0; u < o.control_strata.size(); ++u)
    if (auto it = index.find(o.control_strata[u]); it != index.end()) c_groups[it->second].push_back(u);
}

std::vector<std::vector<std::size_t>> stratum_groups(const std::vector<int>& strata) {
  std::map<int, std::vector<std::size_t>> by;
  for (std::size_t i = 0; i < strata.size(); ++i) by[strata[i]].push_back(i);
  std::vector<std::vector<std::size_t>> out;
  for (auto& [k, v] : by) out.push_back(std::move(v));
  return out;
}

// Paired: matched sets drawn with replacement, as many as there are (each set is one control
// account and the pairs it was matched into: a control reused for several participants makes
// their pairs move together); both arms take the drawn sets' pairs.
void draw_sets(const std::vector<Unit>& treated, const std::vector<Unit>& control,
               const std::vector<std::vector<std::size_t>>& sets, cohorts::SplitMix64& rng, ArmSums& t, ArmSums& c) {
  t = ArmSums{};
  c = ArmSums{};
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t k : sets[cohorts::uniform_index_fast(rng, sets.size())]) {
      t.pre += treated[k].pre;
      t.post += treated[k].post;
      c.pre += control[k].pre;
      c.post += control[k].post;
      ++t.n;
      ++c.n;
    }
  }
}

}  // namespace

std::optional<std::pair<ArmSums, ArmSums>> combine_strata(const std::vector<ArmSums>& t, const std::vector<ArmSums>& c,
                                                         Reweight mode) {
  ArmSums tt, cc;
  for (std::size_t k = 0; k < t.size(); ++k) {
    if (t[k].n == 0) continue;
    if (k >= c.size() || c[k].n == 0) return std::nullopt;
    tt.pre += t[k].pre;
    tt.post += t[k].post;
    tt.n += t[k].n;
    if (mode == Reweight::kPreSums) {
      if (t[k].pre == 0) continue;
      if (!(c[k].pre > 0)) return std::nullopt;
      cc.pre += t[k].pre;
      cc.post += t[k].pre * c[k].post / c[k].pre;
    } else {
      const double w = static_cast<double>(t[k].n) / static_cast<double>(c[k].n);
      cc.pre += w * c[k].pre;
      cc.post += w * c[k].post;
    }
  }
  cc.n = tt.n;
  return std::pair{tt, cc};
}

std::optional<std::pair<ArmSums, ArmSums>> design_sums(const std::vector<Unit>& treated,
                                                      const std::vector<Unit>& control,
                                                      const BootstrapOptions& options) {
  if (options.paired || options.treated_strata.empty()) return std::pair{sums(treated), sums(control)};
  std::vector<std::vector<std::size_t>> tg, cg;
  aligned_groups(options, tg, cg);
  return combine_strata(group_sums(treated, tg), group_sums(control, cg), options.reweight);
}

namespace {

// The statistic over the arms' sums as the design combines them (nullopt when it cannot).
std::optional<double> design_stat(const Statistic& stat, const std::optional<std::pair<ArmSums, ArmSums>>& s,
                                  std::string* why) {
  if (!s) {
    if (why) *why = "a tier's control accounts had no usage in the pre-period";
    return std::nullopt;
  }
  return stat(s->first, s->second, why);
}

// The bias-corrected and accelerated (BCa) percentile levels for a two-sided interval with `tail`
// in each tail (Efron 1987): z0 from the share of resamples below the estimate, the acceleration
// from the jackknife (one unit — a pair, for paired designs — left out at a time; the statistic is
// a function of the arms' sums, so each deletion is O(1)). Ratio estimators over skewed usage are
// biased by O(1/n) and skewed; the plain percentile interval then covers less than it says.
// nullopt (plain percentiles) when the estimate or the jackknife is undefined or degenerate.
struct Adjusted {
  double lo_q = 0, hi_q = 0;  // BCa percentile levels
  double theta = 0, jackknife_se = 0;
  std::optional<double> jackknife_se_log;  // of log(1 + θ/100), when options.log_ratio and defined
  std::size_t df = 0;  // degrees of freedom of the jackknife interval: the smaller arm's units − 1
};
std::optional<Adjusted> bca_levels(const std::vector<Unit>& treated, const std::vector<Unit>& control,
                                   const Statistic& stat, const BootstrapOptions& options,
                                   const std::vector<std::vector<std::size_t>>& sets, const std::vector<double>& sorted,
                                   double tail) {
  Adjusted out;
  const ArmSums t = sums(treated), c = sums(control);
  auto theta = design_stat(stat, design_sums(treated, control, options), nullptr);
  if (!theta) return std::nullopt;
  out.theta = *theta;
  std::size_t jack_treated = 0;  // unpaired: jack[0, jack_treated) left out a participant
  std::vector<double> jack;
  auto minus = [](ArmSums s, const Unit& u) {
    s.pre -= u.pre;
    s.post -= u.post;
    --s.n;
    return s;
  };
  if (options.paired) {
    for (const auto& set : sets) {
      ArmSums tt = t, cc = c;
      for (std::size_t k : set) tt = minus(tt, treated[k]), cc = minus(cc, control[k]);
      if (auto v = stat(tt, cc, nullptr)) jack.push_back(*v);
    }
  } else if (!options.treated_strata.empty()) {
    std::vector<std::vector<std::size_t>> tg, cg;
    aligned_groups(options, tg, cg);
    auto ts = group_sums(treated, tg), cs = group_sums(control, cg);
    for (int arm = 0; arm < 2; ++arm) {
      auto& sums_k = arm == 0 ? ts : cs;
      const auto& groups = arm == 0 ? tg : cg;
      const auto& units = arm == 0 ? treated : control;
      for (std::size_t k = 0; k < groups.size(); ++k)
        for (std::size_t i : groups[k]) {
          const ArmSums keep = sums_k[k];
          sums_k[k] = minus(keep, units[i]);
          if (auto v = design_stat(stat, combine_strata(ts, cs, options.reweight), nullptr)) jack.push_back(*v);
          sums_k[k] = keep;
        }
      if (arm == 0) jack_treated = jack.size();
    }
  } else {
    for (const auto& u : treated)
      if (auto v = stat(minus(t, u), c, nullptr)) jack.push_back(*v);
    jack_treated = jack.size();
    for (const auto& u : control)
      if (auto v = stat(t, minus(c, u), nullptr)) jack.push_back(*v);
  }
  if (jack.size() < 3) return std::nullopt;
  // The jackknife standard error, arm by arm: Σ_arm (n−1)/n Σ (g(θ_(i)) − mean_arm)², on the
  // percent scale (g = identity) and, for a ratio, on the log scale (g(x) = log(1 + x/100)).
  {
    const std::size_t split = options.paired ? jack.size() : std::min(jack.size(), jack_treated);
    auto jackknife_se = [&](auto g) {
      double var = 0;
      for (int arm = 0; arm < 2; ++arm) {
        const std::size_t from = arm == 0 ? 0 : split, to = arm == 0 ? split : jack.size();
        if (to <= from + 1) continue;
        const double n = static_cast<double>(to - from);
        double m = 0, ss = 0;
        for (std::size_t i = from; i < to; ++i) m += g(jack[i]);
        m /= n;
        for (std::size_t i = from; i < to; ++i) ss += (g(jack[i]) - m) * (g(jack[i]) - m);
        var += ss * (n - 1) / n;
      }
      return std::sqrt(var);
    };
    out.jackknife_se = jackknife_se([](double x) { return x; });
    if (options.log_ratio && *theta > -100 &&
        std::all_of(jack.begin(), jack.end(), [](double x) { return x > -100; }))
      out.jackknife_se_log = jackknife_se([](double x) { return std::log1p(x / 100); });
    const std::size_t units = options.paired ? jack.size() : std::min(split, jack.size() - split);
    out.df = units > 1 ? units - 1 : 0;
  }
  // BCa: z0 from the share of resamples below the estimate (none, or all: plain percentiles, the
  // jackknife interval still joins them), the acceleration from each arm's own influence values.
  out.lo_q = tail;
  out.hi_q = 1 - tail;
  const double below = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), *theta) - sorted.begin());
  const double equal = static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), *theta) - sorted.begin()) - below;
  const double p0 = (below + equal / 2) / static_cast<double>(sorted.size());
  if (p0 <= 0 || p0 >= 1) return out;
  const boost::math::normal_distribution<double> normal;
  const double z0 = boost::math::quantile(normal, p0);
  const std::size_t split = options.paired ? jack.size() : std::min(jack.size(), jack_treated);
  double num = 0, den = 0;
  for (int arm = 0; arm < 2; ++arm) {
    const std::size_t from = arm == 0 ? 0 : split, to = arm == 0 ? split : jack.size();
    if (to <= from) continue;
    double mean = 0;
    for (std::size_t i = from; i < to; ++i) mean += jack[i];
    mean /= static_cast<double>(to - from);
    for (std::size_t i = from; i < to; ++i) {
      const double d = mean - jack[i];
      num += d * d * d;
      den += d * d;
    }
  }
  const double a = den > 0 ? num / (6 * std::pow(den, 1.5)) : 0;
  auto level = [&](double q) {
    const double z = boost::math::quantile(normal, q);
    const double shifted = z0 + (z0 + z) / (1 - a * (z0 + z));
    return boost::math::cdf(normal, shifted);
  };
  const double lo = level(tail), hi = level(1 - tail);
  if (std::isfinite(lo) && std::isfinite(hi) && lo < hi) out.lo_q = lo, out.hi_q = hi;
  return out;
}

}  // namespace

BootstrapResult bootstrap(const std::vector<Unit>& treated, const std::vector<Unit>& control, const Statistic& stat,
                          const BootstrapOptions& options) {
  const int resamples = options.resamples;
  const std::uint64_t seed = options.seed;
  BootstrapResult out;
  if (resamples <= 0) {
    out.reason = "bootstrap disabled";
    return out;
  }
  if (treated.empty() || control.empty()) {
    out.reason = treated.empty() ? "no participants" : "no control accounts";
    return out;
  }
  if (options.paired && treated.size() != control.size()) {
    out.reason = "a paired bootstrap needs one control per participant";
    return out;
  }
  const bool stratified = !options.paired && !options.treated_strata.empty();
  if (stratified && (options.treated_strata.size() != treated.size() || options.control_strata.size() != control.size())) {
    out.reason = "a stratified bootstrap needs a stratum for every unit";
    return out;
  }
  if (options.paired && !options.sets.empty() && options.sets.size() != treated.size()) {
    out.reason = "a paired bootstrap needs a matched set for every pair";
    return out;
  }
  std::vector<std::vector<std::size_t>> sets;
  if (options.paired) {
    if (options.sets.empty()) {
      for (std::size_t i = 0; i < treated.size(); ++i) sets.push_back({i});
    } else {
      sets = stratum_groups(options.sets);
    }
  }
  std::vector<std::vector<std::size_t>> t_groups, c_groups;
  if (stratified) aligned_groups(options, t_groups, c_groups);
  const auto t_stratum = stratum_index(t_groups, stratified ? treated.size() : 0);
  std::vector<std::optional<double>> results(static_cast<std::size_t>(resamples));
  auto run = [&](int from, int to) {
    std::string why;
    std::vector<ArmSums> ts, cs;
    for (int b = from; b < to; ++b) {
      cohorts::SplitMix64 rng(resample_seed(seed, b));
      ArmSums t, c;
      if (options.paired) {
        draw_sets(treated, control, sets, rng, t, c);
      } else if (stratified) {
        draw_stratified(treated, t_stratum, t_groups.size(), rng, ts);
        draw_within_strata(control, c_groups, rng, cs);
        results[static_cast<std::size_t>(b)] = design_stat(stat, combine_strata(ts, cs, options.reweight), &why);
        continue;
      } else {
        t = draw(treated, rng);
        c = draw(control, rng);
      }
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
  if (values.empty() || static_cast<double>(out.undefined) > kMaxUndefinedShare * resamples) {
    out.reason = fmt::format(
        "{:.0f}% of bootstrap resamples were not estimable (at most {:.0f}% allowed): too few accounts carry usage",
        100.0 * static_cast<double>(out.undefined) / resamples, 100 * kMaxUndefinedShare);
    return out;
  }
  std::sort(values.begin(), values.end());
  const double tail = (1 - options.level) / 2;
  auto adjusted = bca_levels(treated, control, stat, options, sets, values, tail);
  const double lo_q = adjusted ? adjusted->lo_q : tail, hi_q = adjusted ? adjusted->hi_q : 1 - tail;
  out.ci95 = Interval{percentile_sorted(values, lo_q), percentile_sorted(values, hi_q)};
  // The union with the jackknife normal interval: each alone covered 91–93.5 % of a nominal 95 %
  // in some designs of the calibration run, the union 92.5–95.5 % (bench/calibration).
  if (adjusted && adjusted->jackknife_se > 0 && adjusted->df > 0) {
    // Student's t with the smaller arm's degrees of freedom: small programs get the wider interval
    // their few accounts warrant (about 7 % wider at 20 accounts than the normal one).
    const boost::math::students_t_distribution<double> t(static_cast<double>(adjusted->df));
    const double z = boost::math::quantile(t, 1 - tail);
    double lo = adjusted->theta - z * adjusted->jackknife_se, hi = adjusted->theta + z * adjusted->jackknife_se;
    if (adjusted->jackknife_se_log && *adjusted->jackknife_se_log > 0) {
      const double center = std::log1p(adjusted->theta / 100);
      lo = std::min(lo, 100 * std::expm1(center - z * *adjusted->jackknife_se_log));
      hi = std::max(hi, 100 * std::expm1(center + z * *adjusted->jackknife_se_log));
    }
    out.ci95->lo = std::min(out.ci95->lo, lo);
    out.ci95->hi = std::max(out.ci95->hi, hi);
  }
  return out;
}

}  // namespace uplift::attribution
