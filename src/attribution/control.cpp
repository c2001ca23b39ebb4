#include "attribution/control.h"

#include <algorithm>
#include <cmath>
#include <limits>
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

struct Candidate {
  const Account* account;
};

void matched_arms(Arms& a, const ControlContext& ctx, const Window& w, const std::vector<const Participant*>& members,
                  std::vector<std::string>& warnings) {
  a.control_kind = "matched";
  a.paired = true;
  const Dataset& data = *ctx.in.data;
  // Candidates: customer accounts that never attended this program and were neither invited to
  // nor held out of one of its cohorts; stratified by tier and plan.
  std::unordered_map<std::string, std::vector<const Account*>> strata;
  std::size_t candidates = 0;
  for (const auto& [id, acct] : data.accounts()) {
    if (acct.audience != Audience::kCustomer || ctx.participants.count(id)) continue;
    bool touched = std::any_of(ctx.program_cohorts.begin(), ctx.program_cohorts.end(),
                               [&](const cohorts::Cohort* c) { return c->invited(id) || c->held_out(id); });
    if (touched) continue;
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
  std::set<std::string> used;
  std::size_t unmatched = 0;
  for (const Participant* x : members) {
    const Account* me = data.account(x->account);
    const Date d = date_of(x->first_ts);
    const Unit mine = w.usage_unit(x->account, d);
    const double my_arr = arr_at(data, x->account, d);
    auto it = strata.find(me ? me->tier + '\x1f' + me->plan : std::string("\x1f"));
    const Account* best = nullptr;
    double best_dist = std::numeric_limits<double>::infinity();
    if (it != strata.end()) {
      for (const Account* c : it->second) {  // in id order: the first of equal distances wins
        double pre = w.usage.count(c->id, d - ctx.in.options.window_days, d);
        double dist = std::fabs(std::log1p(mine.pre) - std::log1p(pre)) +
                      0.5 * std::fabs(std::log1p(std::max(0.0, my_arr)) - std::log1p(std::max(0.0, arr_at(data, c->id, d))));
        if (dist < best_dist) {
          best_dist = dist;
          best = c;
        }
      }
    }
    if (!best || best_dist > ctx.in.options.caliper) {
      ++unmatched;
      continue;
    }
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
