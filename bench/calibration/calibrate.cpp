// uplift_calibrate: the ROI estimators over many generated programs with a planted effect
// (demo/lift_sim.h), per setting (design × accounts × lift): coverage of the 95 % interval,
// mean bias, RMSE, the estimate's spread against the interval's width, and the false-positive
// rate at lift 0 — for the usage DiD (the headline figure), the ARR lift, the adoption measure and
// the placebo check. Writes one JSON document to stdout.
//   uplift_calibrate [--datasets N] [--accounts 50,200,2000] [--lifts 0,0.1,0.25,0.5]
//                    [--designs holdout,matched] [--resamples 1000] [--threads 2]
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/lift_sim.h"

using namespace uplift;
using nlohmann::json;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at <= s.size()) {
    std::size_t comma = s.find(',', at);
    if (comma == std::string::npos) comma = s.size();
    if (comma > at) out.push_back(s.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

struct Tally {
  std::size_t runs = 0, estimable = 0, covered = 0, significant = 0, above = 0, below = 0;
  double sum_err = 0, sum_sq = 0, sum_width = 0, sum_est = 0, sum_est_sq = 0;
  void add(const std::optional<double>& est, const std::optional<attribution::Interval>& ci, double truth) {
    ++runs;
    if (!est || !ci) return;
    ++estimable;
    if (ci->lo <= truth && truth <= ci->hi) ++covered;
    if (ci->lo > 0 || ci->hi < 0) ++significant;
    if (ci->lo > truth) ++above;  // the interval misses the truth high (the estimate is too high)
    if (ci->hi < truth) ++below;
    sum_err += *est - truth;
    sum_sq += (*est - truth) * (*est - truth);
    sum_width += ci->hi - ci->lo;
    sum_est += *est;
    sum_est_sq += *est * *est;
  }
  json to_json() const {
    json j = {{"runs", runs}, {"estimable", estimable}};
    if (!estimable) return j;
    const double n = static_cast<double>(estimable);
    const double mean = sum_est / n;
    const double sd = estimable > 1 ? std::sqrt(std::max(0.0, (sum_est_sq - n * mean * mean) / (n - 1))) : 0;
    (void)mean;
    j["coverage_pct"] = 100.0 * static_cast<double>(covered) / n;
    j["estimable_pct"] = 100.0 * n / static_cast<double>(runs);
    j["significant_pct"] = 100.0 * static_cast<double>(significant) / n;
    // Where the misses fall: a calibrated interval misses about 2.5 % on each side.
    j["miss_high_pct"] = 100.0 * static_cast<double>(above) / n;
    j["miss_low_pct"] = 100.0 * static_cast<double>(below) / n;
    j["bias"] = sum_err / n;
    j["bias_mcse"] = estimable > 1 ? sd / std::sqrt(n) : 0.0;  // Monte Carlo error of the mean bias
    j["rmse"] = std::sqrt(sum_sq / n);
    j["mean_ci_width"] = sum_width / n;
    j["sd_of_estimates"] = sd;
    // A calibrated 95 % interval is about 3.92 standard errors wide.
    j["width_over_3.92_sd"] = sd > 0 ? (sum_width / n) / (3.92 * sd) : 0.0;
    return j;
  }
};

}  // namespace

int main(int argc, char** argv) {
  int datasets = 100, resamples = 1000, threads = 2;
  std::string accounts = "50,200,2000", lifts = "0,0.1,0.25,0.5", designs = "holdout,matched";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--datasets") datasets = std::atoi(v.c_str());
    else if (k == "--resamples") resamples = std::atoi(v.c_str());
    else if (k == "--threads") threads = std::max(1, std::atoi(v.c_str()));
    else if (k == "--accounts") accounts = v;
    else if (k == "--lifts") lifts = v;
    else if (k == "--designs") designs = v;
    else {
      std::fprintf(stderr, "uplift_calibrate: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  json settings = json::array();
  for (const auto& design : split(designs))
    for (const auto& n : split(accounts))
      for (const auto& l : split(lifts)) {
        Tally usage, arr, adoption, placebo;
        std::size_t low_confidence = 0, placebo_failed = 0;
        std::mutex m;
        std::atomic<int> next{0};
        auto work = [&] {
          for (int d; (d = next++) < datasets;) {
            demo::LiftSimConfig cfg;
            cfg.accounts = std::atoi(n.c_str());
            cfg.lift = std::atof(l.c_str());
            cfg.holdout = design == "holdout";
            cfg.seed = 1000 + static_cast<std::uint64_t>(d);
            auto sim = demo::generate_lift_sim(cfg);
            auto r = demo::simulate_report(sim, resamples);
            std::lock_guard lock(m);
            if (!r.ok()) {
              usage.add(std::nullopt, std::nullopt, 0);
              arr.add(std::nullopt, std::nullopt, 0);
              adoption.add(std::nullopt, std::nullopt, 0);
              placebo.add(std::nullopt, std::nullopt, 0);
              continue;
            }
            const auto& u = r->usage_lift;
            usage.add(u.did_pct, u.ci95_pct, sim.truth_usage_pct);
            if (u.low_confidence) ++low_confidence;
            placebo.add(u.placebo.did_pct, u.placebo.ci95_pct, 0);
            if (u.placebo.failed) ++placebo_failed;
            arr.add(r->arr_lift.per_account,
                    r->arr_lift.ci95 && r->arr_lift.incremental_arr && *r->arr_lift.incremental_arr != 0
                        ? std::optional<attribution::Interval>(attribution::Interval{
                              r->arr_lift.ci95->lo / (*r->arr_lift.incremental_arr / *r->arr_lift.per_account),
                              r->arr_lift.ci95->hi / (*r->arr_lift.incremental_arr / *r->arr_lift.per_account)})
                        : std::nullopt,
                    sim.truth_arr_per_account);
            adoption.add(r->adoption.diff_pts, r->adoption.ci95_pts, std::nan(""));
          }
        };
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) pool.emplace_back(work);
        for (auto& t : pool) t.join();
        json s = {{"design", design},
                  {"accounts", std::atoi(n.c_str())},
                  {"lift_pct", 100 * std::atof(l.c_str())},
                  {"datasets", datasets},
                  {"usage_did", usage.to_json()},
                  {"low_confidence", low_confidence},
                  {"placebo", placebo.to_json()},
                  {"placebo_failed", placebo_failed},
                  {"arr_per_account", arr.to_json()}};
        json ad = adoption.to_json();
        ad.erase("coverage_pct");
        ad.erase("bias");
        ad.erase("rmse");
        s["adoption_diff_pts"] = ad;  // no planted truth: its significant_pct at lift 0 is the check
        settings.push_back(s);
        std::fprintf(stderr, "calibrate: %s %s accounts lift %s: %s\n", design.c_str(), n.c_str(), l.c_str(),
                     s["usage_did"].dump().c_str());
      }
  std::printf("%s\n", json{{"resamples", resamples}, {"settings", settings}}.dump(2).c_str());
  return 0;
}
