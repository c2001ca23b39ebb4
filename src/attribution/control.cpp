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
  Date last_observed;  // the as-of day: a window must end on or before it
  int shift = 0;       // days every reference date moves back (the placebo)
  ArmUnit unit(const std::string& account, Date ref) const {
    const int w = in.options.window_days;
    ArmUnit u;
    u.account = account;
    if (const Account* a = in.data->account(account)) u.tier = a->tier;
    u.ref = ref;
    u.usage_observed = ref + w - 1 <= last_observed;
    u.arr_observed = ref + in.options.arr_window_days <= last_observed;
    u.usage = {.pre = usage.count(account, ref - w, ref),
               .post = u.usage_observed ? usage.count(account, ref, ref + w) : 0.0,
               .base = usage.count(account, ref - 3 * w, ref - 2 * w)};
    const double arr_then = arr_at(*in.data, account, ref);
    u.arr = {.pre = arr_then,
             .post = u.arr_observed ? arr_at(*in.data, account, ref + in.options.arr_window_days) : 0.0};
    return u;
  }
};

// A control account evaluated at every participant reference date and averaged with the dates'
// shares among the participants: the control's windows cover the same calendar days as the
// participants' do (a calendar shock — a product launch, a holiday — then hits both arms alike).
// Usage and ARR each mix the dates of the participants whose own window is observed, so a
// participant left out of an estimate does not take the control with it. `ref` is the median
// date (conversion reads it).
using DateMix = std::vector<std::pair<Date, double>>;
ArmUnit mixed_unit(const Window& w, const std::string& account, const DateMix& usage_mix, const DateMix& arr_mix,
                   Date median) {
  ArmUnit out = w.unit(account, median);
  out.usage = {};
  out.arr = {};
  out.usage_observed = !usage_mix.empty();
  out.arr_observed = !arr_mix.empty();
  for (const auto& [d, share] : usage_mix) {
    ArmUnit u = w.unit(account, d);
    out.usage.pre += share * u.usage.pre;
    out.usage.post += share * u.usage.post;
    out.usage.base += share * u.usage.base;
  }
  for (const auto& [d, share] : arr_mix) {
    ArmUnit u = w.unit(account, d);
    out.arr.pre += share * u.arr.pre;
    out.arr.post += share * u.arr.post;
  }
  return out;
}

ArmUnit participant_unit(const Window& w, const Participant& x) {
  ArmUnit u = w.unit(x.account, date_of(x.first_ts) - w.shift);
  u.sessions = static_cast<int>(x.sessions.size());
  return u;
}

std::vector<double> column(const std::vector<ArmUnit>& units, double (*get)(const ArmUnit&)) {
  std::vector<double> out;
  out.reserve(units.size());
  for (const auto& u : units) out.push_back(get(u));
  return out;
}

struct Covariate {
  const char* name;
  double (*get)(const ArmUnit&);
};
const Covariate kCovariates[] = {
    {"history usage (the window before the pre-period)", [](const ArmUnit& u) { return u.usage.base; }},
    {"pre-period usage", [](const ArmUnit& u) { return u.usage.pre; }},
    {"ARR at the reference date", [](const ArmUnit& u) { return u.arr.pre; }},
};

std::vector<Balance> balance(const std::vector<ArmUnit>& treated, const std::vector<ArmUnit>& pool,
                                const std::vector<ArmUnit>& matched) {
  std::vector<Balance> rows;
  for (const auto& c : kCovariates) {
    auto t = column(treated, c.get);
    rows.push_back({c.name, standardized_difference(t, column(pool, c.get)),
                    standardized_difference(t, column(matched, c.get))});
  }
  return rows;
}

void holdout_arms(Arms& a, const ControlContext& ctx, const Window& w, const cohorts::Cohort& cohort,
                  const std::vector<const Participant*>& members, std::vector<std::string>& warnings) {
  a.control_kind = "holdout";
  for (const Participant* x : members) a.treated.push_back(participant_unit(w, *x));
  a.participants = a.treated;
  std::vector<Date> dates;
  std::map<Date, double> usage_shares, arr_shares;
  for (const ArmUnit& u : a.treated) {
    dates.push_back(u.ref);
    if (u.usage_observed) usage_shares[u.ref] += 1;
    if (u.arr_observed) arr_shares[u.ref] += 1;
  }
  auto normalized = [](const std::map<Date, double>& counts) {
    double total = 0;
    for (const auto& [d, n] : counts) total += n;
    DateMix mix;
    for (const auto& [d, n] : counts) mix.emplace_back(d, n / total);
    return mix;
  };
  const Date ref = median_date(dates);
  const DateMix usage_mix = normalized(usage_shares), arr_mix = normalized(arr_shares);
  // A holdout account may be invited to a later cohort of the program once this one closed. If
  // it first attended after every window this control is measured over had ended, its outcome
  // here is untouched and it stays in the control; earlier, it is left out like one that
  // attended this cohort anyway — each case counted under its own warning.
  Date outcome_end = 0;
  for (const ArmUnit& u : a.treated)
    outcome_end = std::max(outcome_end, u.ref + std::max({ctx.in.options.window_days, ctx.in.options.arr_window_days,
                                                          ctx.in.options.conversion_days}));
  std::size_t contaminated = 0;
  std::map<std::string, std::size_t> joined_later;  // later cohort → holdout accounts left out for it
  for (const auto& h : cohort.holdout) {
    auto x = ctx.participants.find(h);
    if (x != ctx.participants.end()) {
      const bool other_cohort = !x->second.assigned.empty() && x->second.assigned != cohort.id;
      if (!other_cohort) {
        ++contaminated;
        continue;
      }
      if (date_of(x->second.first_ts) < outcome_end) {
        ++joined_later[x->second.assigned];
        continue;
      }
    }
    a.control.push_back(mixed_unit(w, h, usage_mix, arr_mix, ref));
  }
  a.control_accounts = a.control.size();
  a.balance = balance(a.treated, a.control, a.control);
  if (contaminated)
    warnings.push_back(fmt::format(
        "{} holdout account(s) attended anyway and were left out of the control (the estimate is per-protocol)",
        contaminated));
  for (const auto& [later, n] : joined_later)
    warnings.push_back(fmt::format(
        "{} holdout account(s) joined cohort {} before this cohort's outcome windows ended ({}) and were left out of "
        "the control",
        n, later, format_date(outcome_end)));
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

// Matched control (roi.h): candidates are customer accounts that never attended the program, were
// neither invited to nor held out of one of its cohorts, and met its eligibility on the
// participant's date; exact on tier, plan and whether the account used the target feature in the
// history window; nearest neighbour on log(1 + history usage) + ½ log(1 + ARR), with
// replacement, within the caliper. Matching on the history window — not the pre-period the
// difference-in-differences then reads — keeps the controls' pre-period free of the selection
// that regresses to the mean.
void matched_arms(Arms& a, const ControlContext& ctx, const Window& w, const std::vector<const Participant*>& members,
                  std::vector<std::string>& warnings) {
  a.control_kind = "matched";
  a.paired = true;
  const Dataset& data = *ctx.in.data;
  std::vector<const Account*> pool;
  for (const auto& [id, acct] : data.accounts()) {
    if (acct.audience != Audience::kCustomer || ctx.participants.count(id)) continue;
    if (ctx.cohort_accounts.count(std::string_view(id))) continue;
    pool.push_back(&acct);
  }
  for (const Participant* x : members) a.participants.push_back(participant_unit(w, *x));
  if (pool.empty()) {
    a.no_control_reason = "every account attended (or was invited): no non-participant to compare with";
    return;
  }
  // One index per (stratum, reference date): participants share a handful of session dates.
  struct Stratum {
    std::vector<ArmUnit> units;  // in id order
    std::optional<StratumIndex> index;
  };
  std::map<Date, std::map<std::string, Stratum>> by_date;
  // What eligibility reads of each candidate, looked up once for every date (and for the placebo).
  std::unordered_map<std::string_view, EligibilityFacts> local_facts;
  auto& facts = ctx.facts ? *ctx.facts : local_facts;
  auto facts_of = [&](const Account& acct) -> const EligibilityFacts& {
    auto it = facts.find(acct.id);
    if (it == facts.end()) it = facts.emplace(acct.id, eligibility_facts(ctx, acct)).first;
    return it->second;
  };
  auto stratum_key = [](const ArmUnit& u, const Account* acct) {
    return (acct ? acct->tier + '\x1f' + acct->plan : std::string("\x1f")) + (u.usage.base > 0 ? "\x1fu" : "\x1fn");
  };
  // Only the tiers and plans of the participants at each date can be matched: other candidates
  // are not looked at (the balance table's "before" pool is these strata too).
  auto tier_plan = [](const Account* acct) { return acct ? acct->tier + '\x1f' + acct->plan : std::string("\x1f"); };
  std::map<Date, std::set<std::string>> wanted;
  for (const ArmUnit& mine : a.participants) wanted[mine.ref].insert(tier_plan(data.account(mine.account)));
  auto strata_for = [&](Date d) -> std::map<std::string, Stratum>& {
    auto found = by_date.find(d);
    if (found != by_date.end()) return found->second;
    auto& strata = by_date[d];
    const std::set<std::string>& keys = wanted[d];
    for (const Account* acct : pool) {
      if (!keys.count(tier_plan(acct))) continue;
      if (acct->created_at && date_of(*acct->created_at) > d) continue;
      if (ctx.program && !eligible_at(ctx, *acct, facts_of(*acct), d)) continue;
      ArmUnit u = w.unit(acct->id, d);
      strata[stratum_key(u, acct)].units.push_back(std::move(u));
    }
    for (auto& [key, st] : strata) {
      std::vector<StratumIndex::Point> points;
      for (std::size_t i = 0; i < st.units.size(); ++i)
        points.push_back({st.units[i].usage.base, log_arr(st.units[i].arr.pre), i});
      st.index.emplace(std::move(points));
    }
    return strata;
  };
  std::vector<ArmUnit> before;  // every eligible candidate of the participants' strata and dates
  std::set<std::pair<Date, std::string>> pooled;
  std::set<std::string> used;
  for (const ArmUnit& mine : a.participants) {
    auto& strata = strata_for(mine.ref);
    const std::string key = stratum_key(mine, data.account(mine.account));
    auto it = strata.find(key);
    if (it != strata.end() && pooled.insert({mine.ref, key}).second)
      before.insert(before.end(), it->second.units.begin(), it->second.units.end());
    if (it == strata.end()) {
      ++a.unmatched;
      continue;
    }
    auto [position, dist] = it->second.index->nearest(mine.usage.base, log_arr(mine.arr.pre));
    if (position == StratumIndex::npos || dist > ctx.in.options.caliper) {
      ++a.unmatched;
      continue;
    }
    a.treated.push_back(mine);
    a.control.push_back(it->second.units[position]);
    used.insert(it->second.units[position].account);
  }
  a.control_accounts = used.size();
  a.balance = balance(a.treated, before, a.control);
  if (a.treated.empty()) {
    a.no_control_reason =
        "no overlap: no participant has an eligible non-participant with the same tier, plan and history use and "
        "similar usage and ARR";
  } else if (a.unmatched) {
    warnings.push_back(fmt::format(
        "{} of {} participant(s) had no comparable eligible non-participant and are left out of the causal estimate",
        a.unmatched, members.size()));
  }
}

}  // namespace

Date median_date(std::vector<Date> d) {
  std::sort(d.begin(), d.end());
  std::size_t n = d.size();
  if (n % 2 == 1) return d[n / 2];
  return static_cast<Date>(std::floor((static_cast<double>(d[n / 2 - 1]) + d[n / 2]) / 2.0));
}

std::optional<double> standardized_difference(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) return std::nullopt;
  auto moments = [](const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m += x;
    m /= static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - m) * (x - m);
    var = v.size() > 1 ? var / static_cast<double>(v.size() - 1) : 0;
    return std::pair{m, var};
  };
  auto [ma, va] = moments(a);
  auto [mb, vb] = moments(b);
  double sd = std::sqrt((va + vb) / 2);
  if (!(sd > 0)) return ma == mb ? std::optional<double>(0.0) : std::nullopt;
  return (ma - mb) / sd;
}

EligibilityFacts eligibility_facts(const ControlContext& ctx, const Account& acct) {
  const cohorts::Eligibility& el = ctx.program->eligibility;
  auto in = [](const std::vector<std::string>& list, std::string_view v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  EligibilityFacts f;
  f.fixed = acct.audience == Audience::kCustomer && in(el.plans, acct.plan) && in(el.tiers, acct.tier);
  if (!f.fixed) return f;
  f.state = ctx.in.states ? ctx.in.states(acct.id) : nullptr;
  auto day_of = [&](const std::string& milestone) -> std::optional<Date> {
    const auto* m = f.state && !milestone.empty() ? f.state->find(milestone) : nullptr;
    if (!m || !m->achieved || !m->achieved_at) return std::nullopt;
    return date_of(*m->achieved_at);
  };
  f.reached = day_of(el.reached);
  f.lacks = day_of(el.lacks_milestone);
  if (!el.roles.empty()) {
    for (LearnerRef l : ctx.in.data->learners_of(acct.id)) {
      if (!in(el.roles, l->role())) continue;
      const Date since = l->created_at() ? date_of(*l->created_at()) : std::numeric_limits<Date>::min();
      if (!f.role_since || since < *f.role_since) f.role_since = since;
    }
  }
  return f;
}

bool eligible_at(const ControlContext& ctx, const Account& acct, const EligibilityFacts& f, Date d) {
  const cohorts::Eligibility& el = ctx.program->eligibility;
  if (!f.fixed) return false;
  if (!el.reached.empty() && !(f.reached && *f.reached < d - el.reached_days_ago_min + 1)) return false;
  if (!el.lacks_milestone.empty() && f.lacks && *f.lacks < d) return false;
  if (!el.roles.empty() && !(f.role_since && *f.role_since < d)) return false;
  if (!el.stages.empty()) {
    int at = stage_index_at(f.state, ctx.in.stages, start_of(d) - 1);
    if (at < 0 || static_cast<std::size_t>(at) >= ctx.in.stages.size() ||
        std::find(el.stages.begin(), el.stages.end(), ctx.in.stages[static_cast<std::size_t>(at)].stage) ==
            el.stages.end())
      return false;
  }
  if (el.target_event_max_30d && ctx.usage.count(acct.id, d - 30, d) > *el.target_event_max_30d) return false;
  return true;
}

bool eligible_at(const ControlContext& ctx, const Account& acct, Date d) {
  return eligible_at(ctx, acct, eligibility_facts(ctx, acct), d);
}

Arms build_arms(const ControlContext& ctx, const cohorts::Cohort* cohort, const std::vector<const Participant*>& members,
                Timestamp as_of, std::vector<std::string>& warnings, int shift_days) {
  Arms a;
  Window w{ctx.in, ctx.usage, date_of(as_of + 1) - 1, shift_days};
  if (cohort && !cohort->holdout.empty()) holdout_arms(a, ctx, w, *cohort, members, warnings);
  else matched_arms(a, ctx, w, members, warnings);
  return a;
}

}  // namespace uplift::attribution
