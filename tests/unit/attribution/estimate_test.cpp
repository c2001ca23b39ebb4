// The lift estimators on hand-computed numbers, and the bootstrap's promises.
#include <doctest/doctest.h>

#include <cmath>

#include "attribution/control.h"
#include "attribution/estimate.h"
#include "attribution/history.h"

using namespace uplift;
using namespace uplift::attribution;

TEST_CASE("naive and DiD on hand-computed means") {
  std::vector<Unit> t = {{2, 4}, {2, 2}, {4, 6}};  // means 8/3 → 12/3
  std::vector<Unit> c = {{3, 3}, {1, 2}};          // means 2 → 2.5
  std::string why;
  CHECK(*naive_pct(sums(t), &why) == doctest::Approx(50.0));
  CHECK(*did_pct(sums(t), sums(c), &why) == doctest::Approx(20.0));  // 1.5 / 1.25 − 1
  CHECK(*diff_of_changes(sums(t), sums(c), &why) == doctest::Approx(4.0 / 3 - 0.5));
}

TEST_CASE("division by zero and empty arms are not estimable, with reasons") {
  std::string why;
  CHECK_FALSE(naive_pct(sums({}), &why));
  CHECK(why == "no participants");
  CHECK_FALSE(naive_pct(sums({{0, 5}}), &why));
  CHECK(why.find("pre-period") != std::string::npos);
  CHECK_FALSE(did_pct(sums({{1, 2}}), sums({}), &why));
  CHECK(why == "no control accounts");
  CHECK_FALSE(did_pct(sums({{1, 2}}), sums({{0, 3}}), &why));
  CHECK(why.find("control accounts had no usage in the pre-period") != std::string::npos);
  CHECK_FALSE(did_pct(sums({{1, 2}}), sums({{3, 0}}), &why));
  CHECK(why.find("post-period") != std::string::npos);
}

TEST_CASE("bootstrap: deterministic for a seed, brackets the estimate, degenerate data gives a point") {
  std::vector<Unit> t, c;
  for (int i = 0; i < 60; ++i) {
    t.push_back({10.0 + i % 7, 13.0 + (i * 3) % 11});
    c.push_back({10.0 + i % 5, 11.0 + (i * 5) % 7});
  }
  Statistic stat = did_pct;
  auto a = bootstrap(t, c, stat, 1000, 42);
  auto b = bootstrap(t, c, stat, 1000, 42);
  REQUIRE(a.ci95);
  CHECK(a.ci95->lo == b.ci95->lo);
  CHECK(a.ci95->hi == b.ci95->hi);
  double est = *did_pct(sums(t), sums(c), nullptr);
  CHECK(a.ci95->lo < est);
  CHECK(a.ci95->hi > est);
  auto other = bootstrap(t, c, stat, 1000, 43);
  CHECK((other.ci95->lo != a.ci95->lo || other.ci95->hi != a.ci95->hi));

  std::vector<Unit> same_t(5, {2, 3}), same_c(5, {2, 2});
  auto point = bootstrap(same_t, same_c, stat, 200, 1);
  REQUIRE(point.ci95);
  CHECK(point.ci95->lo == doctest::Approx(50.0));
  CHECK(point.ci95->hi == doctest::Approx(50.0));
}

TEST_CASE("bootstrap refuses when too many resamples are undefined") {
  // One control account in ten has usage: most resamples of the control have C_pre = 0.
  std::vector<Unit> t(10, {1, 2});
  std::vector<Unit> c(10, {0, 0});
  c[0] = {1, 1};
  auto r = bootstrap(t, c, did_pct, 500, 9);
  CHECK_FALSE(r.ci95);
  CHECK(r.undefined > 50);
  CHECK(r.reason.find("not estimable") != std::string::npos);
  CHECK_FALSE(bootstrap({}, c, did_pct, 100, 1).ci95);
}

TEST_CASE("percentile interpolates between order statistics") {
  std::vector<double> v = {1, 2, 3, 4, 5};
  CHECK(percentile_sorted(v, 0.0) == 1);
  CHECK(percentile_sorted(v, 0.5) == 3);
  CHECK(percentile_sorted(v, 0.025) == doctest::Approx(1.1));
  CHECK(percentile_sorted(v, 1.0) == 5);
  CHECK(percentile_sorted({7}, 0.3) == 7);
}

TEST_CASE("median date of participants") {
  CHECK(median_date({5, 1, 9}) == 5);
  CHECK(median_date({1, 2, 4, 10}) == 3);
  CHECK(median_date({1, 2}) == 1);
}

TEST_CASE("stage as of a date follows gate milestones' achieved_at") {
  milestones::AccountState s;
  s.milestones = {{"foundational", true, 100, {}}, {"advanced", true, 200, {}}, {"mature", false, std::nullopt, {}}};
  std::vector<StageGate> gates = {{"onboarding", ""}, {"foundational", "foundational"}, {"advanced", "advanced"},
                                  {"mature", "mature"}};
  CHECK(stage_index_at(&s, gates, 99) == 0);
  CHECK(stage_index_at(&s, gates, 100) == 1);
  CHECK(stage_index_at(&s, gates, 250) == 2);
  CHECK(stage_index_at(nullptr, gates, 250) == 0);
}

TEST_CASE("ARR as of a date: latest snapshot on or before it, else the account's arr") {
  Dataset d;
  Account a;
  a.id = "a";
  a.arr = 100;
  d.apply(a);
  d.apply(ArrSnapshot{"a", 10, 150});
  d.apply(ArrSnapshot{"a", 20, 200});
  CHECK(arr_at(d, "a", 9) == 100);
  CHECK(arr_at(d, "a", 10) == 150);
  CHECK(arr_at(d, "a", 19) == 150);
  CHECK(arr_at(d, "a", 25) == 200);
  CHECK(arr_at(d, "nobody", 25) == 0);
}

TEST_CASE("log_ratio: a matched ratio DiD's interval also holds the log-scale jackknife interval") {
  // Twelve matched pairs; two participants' usage jumps (a right-skewed ratio).
  std::vector<Unit> t, c;
  for (int i = 0; i < 12; ++i) {
    t.push_back({10.0 + i, (10.0 + i) * (i == 3 ? 4.0 : i == 8 ? 3.0 : 1.1)});
    c.push_back({9.0 + i, 9.5 + i});
  }
  Statistic stat = did_pct;
  BootstrapOptions plain{1000, 7, true, 0.95, {}, {}, {}, Reweight::kCounts};
  BootstrapOptions logged = plain;
  logged.log_ratio = true;
  auto a = bootstrap(t, c, stat, plain), b = bootstrap(t, c, stat, logged);
  REQUIRE(a.ci95);
  REQUIRE(b.ci95);
  // By hand: leave each pair out, g = log(1 + θ/100), se = √((n−1)/n Σ (g_i − ḡ)²), t with n − 1 df.
  const double n = 12;
  const double theta = *did_pct(sums(t), sums(c), nullptr);
  std::vector<double> g;
  for (std::size_t k = 0; k < t.size(); ++k) {
    auto tt = t, cc = c;
    tt.erase(tt.begin() + static_cast<long>(k));
    cc.erase(cc.begin() + static_cast<long>(k));
    g.push_back(std::log1p(*did_pct(sums(tt), sums(cc), nullptr) / 100));
  }
  double mean = 0, ss = 0;
  for (double x : g) mean += x / n;
  for (double x : g) ss += (x - mean) * (x - mean);
  const double se = std::sqrt(ss * (n - 1) / n);
  const double q = 2.200985160082949;  // Student's t, 0.975 quantile, 11 df
  const double hi = 100 * std::expm1(std::log1p(theta / 100) + q * se);
  CHECK(b.ci95->hi >= hi - 1e-9);        // the union holds the log-scale interval...
  CHECK(b.ci95->hi > a.ci95->hi);        // ...which reaches higher than the others here
  CHECK(b.ci95->lo <= a.ci95->lo);       // and loses nothing below
  CHECK(hi - theta > theta - 100 * std::expm1(std::log1p(theta / 100) - q * se));  // asymmetric: wider above
}
