#include "attribution/control.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

namespace uplift::attribution {
namespace {

struct Window {
  const RoiInput& in;
  UsageIndex& usage;
  Unit usage_unit(const std::string& account, Date ref) const {
    const int w = in.options.window_days;
    return {usage.count(account, ref - w, ref), usage.count(account, ref, ref + w)};
  }
  Unit arr_unit(const std::string& account, Date ref) const {
    return {arr_at(*in.data, account, ref), arr_at(*in.data, account, ref + in.options.arr_window_days)};
  }
};

void add_treated(Arms& a, const Window& w, const Participant& x) {
  Date d = date_of(x.first_ts);
  a.treated.push_back(w.usage_unit(x.account, d));
  a.treated_sessions.push_back(static_cast<int>(x.sessions.size()));
  a.arr_treated.push_back(w.arr_unit(x.account, d));
  a.treated_refs.emplace_back(x.account, d);
}

void add_control(Arms& a, const Window& w, const std::string& account, Date ref) {
  a.control.push_back(w.usage_unit(account, ref));
  a.arr_control.push_back(w.arr_unit(account, ref));
  a.control_refs.emplace_back(account, ref);
}

void holdout_arms(Arms& a, const ControlContext& ctx, const Window& w, const cohorts::Cohort& cohort,
                  const std::vector<const Participant*>& members, std::vector<std::string>& warnings) {
  a.control_kind = "holdout";
  for (const Participant* x : members) add_treated(a, w, *x);
  std::vector<Date> dates;
  for (const Participant* x : members) dates.push_back(date_of(x->first_ts));
  const Date ref = median_date(dates);
  std::size_t contaminated = 0;
  for (const auto& h : cohort.holdout) {
    if (ctx.participants.count(h)) {
      ++contaminated;
      continue;
    }
    add_control(a, w, h, ref);
  }
  a.control_accounts = a.control.size();
  if (contaminated)
    warnings.push_back(fmt::format(
        "{} holdout account(s) attended anyway and were left out of the control (the estimate is per-protocol)",
        contaminated));
  if (a.control.empty()) a.no_control_reason = "every holdout account attended: no control left";
}

// The distance matched_arms minimises; one expression so every caller rounds alike.
double match_distance(double my_log_pre, double log_pre, double my_log_arr, double log_arr) {
  return std::fabs(my_log_pre - log_pre) + 0.5 * std::fabs(my_log_arr - log_arr);
}

// Nearest-neighbour search over one stratum's candidates at one reference date, giving exactly
// what a scan of the candidates in id order keeping the first strictly smaller distance gives:
// the minimum of (distance, id position). Candidates are bucketed by pre-period usage (a whole
// count), and each bucket's distinct ARR terms sorted with the first id position holding each;
// a query walks buckets outward from its own usage while the usage term alone can still tie the
// best, and in each bucket walks ARR groups outward from its own ARR while they can.
// O(C log C) to build, about O(buckets + log C) per query instead of O(C).
class StratumIndex {
 public:
  struct Point {
    double pre = 0, log_arr = 0;
    std::size_t position = 0;  // in id order
  };
  explicit StratumIndex(std::vector<Point> points) {
    std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
      if (a.pre != b.pre) return a.pre < b.pre;
      if (a.log_arr != b.log_arr) return a.log_arr < b.log_arr;
      return a.position < b.position;
    });
    for (const Point& p : points) {
      if (buckets_.empty() || buckets_.back().pre != p.pre) buckets_.push_back({p.pre, std::log1p(p.pre), {}});
      auto& groups = buckets_.back().groups;
      if (groups.empty() || groups.back().log_arr != p.log_arr) groups.push_back({p.log_arr, p.position});
    }
  }
  // Position of the nearest candidate (npos when none) and its distance.
  std::pair<std::size_t, double> nearest(double my_pre, double my_log_arr) const {
    const double my_log_pre = std::log1p(my_pre);
    Best best;
    auto mid = std::lower_bound(buckets_.begin(), buckets_.end(), my_pre,
                                [](const Bucket& b, double v) { return b.pre < v; });
    for (auto it = mid; it != buckets_.end(); ++it)
      if (!visit(*it, my_log_pre, my_log_arr, best)) break;
    for (auto it = mid; it != buckets_.begin();)
      if (!visit(*--it, my_log_pre, my_log_arr, best)) break;
    return {best.position, best.dist};
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  struct Group {
    double log_arr;
    std::size_t first;  // smallest id position with this ARR term
  };
  struct Bucket {
    double pre, log_pre;
    std::vector<Group> groups;  // by log_arr
  };
  struct Best {
    double dist = std::numeric_limits<double>::infinity();
    std::size_t position = npos;
    // Whether a candidate at `dist` could still beat or tie the best.
    bool reachable(double dist_lower_bound) const { return dist_lower_bound <= this->dist; }
    void offer(double d, std::size_t pos) {
      if (d < dist || (d == dist && pos < position)) {
        dist = d;
        position = pos;
      }
    }
  };
  // Offers the bucket's candidates that can beat or tie the best; false when the usage term alone
  // already exceeds it (every bucket further out is worse: log1p and |.| are monotone).
  static bool visit(const Bucket& b, double my_log_pre, double my_log_arr, Best& best) {
    const double usage_term = match_distance(my_log_pre, b.log_pre, 0, 0);
    if (!best.reachable(usage_term)) return false;
    auto mid = std::lower_bound(b.groups.begin(), b.groups.end(), my_log_arr,
                                [](const Group& g, double v) { return g.log_arr < v; });
    for (auto it = mid; it != b.groups.end(); ++it) {
      double d = match_distance(my_log_pre, b.log_pre, my_log_arr, it->log_arr);
      if (!best.reachable(d)) break;
      best.offer(d, it->first);
    }
    for (auto it = mid; it != b.groups.begin();) {
      --it;
      double d = match_distance(my_log_pre, b.log_pre, my_log_arr, it->log_arr);
      if (!best.reachable(d)) break;
      best.offer(d, it->first);
    }
    return true;
  }
  std::vector<Bucket> buckets_;  // by pre
};

double log_arr(double arr) { return std::log1p(std::max(0.0, arr)); }

void matched_arms(Arms& a, const ControlContext& ctx, const Window& w, const std::vector<const Participant*>& members,
                  std::vector<std::string>& warnings) {
  a.control_kind = "matched";
  a.paired = true;
  const Dataset& data = *ctx.in.data;
  // Candidates: customer accounts that never attended this program and were neither invited to
  // nor held out of one of its cohorts; stratified by tier and plan, each stratum in id order.
  std::unordered_map<std::string, std::vector<const Account*>> strata;
  std::size_t candidates = 0;
  for (const auto& [id, acct] : data.accounts()) {
    if (acct.audience != Audience::kCustomer || ctx.participants.count(id)) continue;
    if (ctx.cohort_accounts.count(std::string_view(id))) continue;
    strata[acct.tier + '\x1f' + acct.plan].push_back(&acct);
    ++candidates;
  }
  if (candidates == 0) {
    for (const Participant* x : members) {
      a.naive_treated.push_back(w.usage_unit(x->account, date_of(x->first_ts)));
      a.naive_sessions.push_back(static_cast<int>(x->sessions.size()));
    }
    a.no_control_reason = "every account attended (or was invited): no non-participant to compare with";
    return;
  }
  // One index per (stratum, reference date): participants share a handful of session dates.
  std::map<std::pair<std::string, Date>, StratumIndex> indexes;
  auto index_for = [&](const std::string& key, const std::vector<const Account*>& stratum, Date d) -> const StratumIndex& {
    auto found = indexes.find({key, d});
    if (found != indexes.end()) return found->second;
    std::vector<StratumIndex::Point> points;
    points.reserve(stratum.size());
    for (std::size_t i = 0; i < stratum.size(); ++i) {
      const std::string& id = stratum[i]->id;
      points.push_back({w.usage.count(id, d - ctx.in.options.window_days, d), log_arr(arr_at(data, id, d)), i});
    }
    return indexes.emplace(std::make_pair(key, d), StratumIndex(std::move(points))).first->second;
  };
  std::set<std::string> used;
  std::size_t unmatched = 0;
  for (const Participant* x : members) {
    const Account* me = data.account(x->account);
    const Date d = date_of(x->first_ts);
    const Unit mine = w.usage_unit(x->account, d);
    const double my_arr = arr_at(data, x->account, d);
    const std::string key = me ? me->tier + '\x1f' + me->plan : std::string("\x1f");
    auto it = strata.find(key);
    if (it == strata.end()) {
      ++unmatched;
      continue;
    }
    auto [position, dist] = index_for(key, it->second, d).nearest(mine.pre, log_arr(my_arr));
    if (position == StratumIndex::npos || dist > ctx.in.options.caliper) {
      ++unmatched;
      continue;
    }
    const Account* best = it->second[position];
    add_treated(a, w, *x);
    add_control(a, w, best->id, d);
    used.insert(best->id);
  }
  for (const Participant* x : members) {
    a.naive_treated.push_back(w.usage_unit(x->account, date_of(x->first_ts)));
    a.naive_sessions.push_back(static_cast<int>(x->sessions.size()));
  }
  a.control_accounts = used.size();
  if (a.treated.empty()) {
    a.no_control_reason =
        "no overlap: no participant has a non-participant with the same tier and plan and similar usage and ARR";
  } else if (unmatched) {
    warnings.push_back(fmt::format(
        "{} of {} participant(s) had no comparable non-participant and are left out of the causal estimate",
        unmatched, members.size()));
  }
}

}  // namespace

Date median_date(std::vector<Date> d) {
  std::sort(d.begin(), d.end());
  std::size_t n = d.size();
  if (n % 2 == 1) return d[n / 2];
  return static_cast<Date>(std::floor((static_cast<double>(d[n / 2 - 1]) + d[n / 2]) / 2.0));
}

Arms build_arms(const ControlContext& ctx, const cohorts::Cohort* cohort, const std::vector<const Participant*>& members,
                Timestamp as_of, std::vector<std::string>& warnings) {
  Arms a;
  Window w{ctx.in, ctx.usage};
  if (cohort && !cohort->holdout.empty()) {
    holdout_arms(a, ctx, w, *cohort, members, warnings);
    a.naive_treated = a.treated;
    a.naive_sessions = a.treated_sessions;
  } else {
    matched_arms(a, ctx, w, members, warnings);
  }
  const Date end = date_of(as_of);
  std::size_t short_usage = 0, short_arr = 0;
  for (const auto& [acc, ref] : a.treated_refs) {
    if (ref + ctx.in.options.window_days > end + 1) ++short_usage;
    if (ref + ctx.in.options.arr_window_days > end) ++short_arr;
  }
  if (short_usage)
    warnings.push_back(fmt::format("the {}-day post-period of {} participant(s) ends after the data ({}): usage is undercounted",
                                   ctx.in.options.window_days, short_usage, format_date(end)));
  if (short_arr)
    warnings.push_back(fmt::format("the {}-day ARR window of {} participant(s) ends after the data ({}): latest ARR used",
                                   ctx.in.options.arr_window_days, short_arr, format_date(end)));
  return a;
}

}  // namespace uplift::attribution
