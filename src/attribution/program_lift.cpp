// compute_roi's per-program part: participants, ARR influenced, usage and ARR lift with their
// control arm, dose-response and milestone conversion. Definitions are in roi.h.
#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <unordered_set>

#include <fmt/format.h>

#include "attribution/control.h"
#include "attribution/roi.h"
#include "cohorts/random.h"

namespace uplift::attribution {
namespace {

using cohorts::Cohort;
using cohorts::Program;

bool in_quarter(const Quarter& q, Date d) { return d >= q.first() && d <= q.last(); }

// Participants of one program, keyed by account.
std::map<std::string, Participant> collect_participants(const Dataset& data, const std::string& program,
                                                        Timestamp as_of, std::size_t& unknown_learners) {
  std::map<std::string, Participant> parts;
  for (const Attendance* a : data.all_attendance()) {
    if (a->program != program || !a->attended || a->ts > as_of) continue;
    LearnerRef l = data.learner(a->learner);
    if (!l) {
      ++unknown_learners;
      continue;
    }
    Participant& x = parts[std::string(l->account())];
    x.account = l->account();
    if (a->ts < x.first_ts) {
      x.first_ts = a->ts;
      if (!a->cohort.empty()) x.cohort = a->cohort;
    } else if (x.cohort.empty() && !a->cohort.empty()) {
      x.cohort = a->cohort;
    }
    x.sessions.insert(a->session);
    x.learners.insert(a->learner);
  }
  return parts;
}

// The cohort a participant belongs to: its attendance's cohort when that is one of this
// program's, else the program cohort that invited it (latest created on or before its first
// session, else the earliest), else none.
// invited[i] holds cohorts[i]'s invited accounts.
std::string assign_cohort(const Participant& x, const std::vector<const Cohort*>& cohorts,
                          const std::vector<std::unordered_set<std::string_view>>& invited, std::size_t& unknown_tag) {
  if (!x.cohort.empty()) {
    for (const Cohort* c : cohorts)
      if (c->id == x.cohort) return c->id;
    ++unknown_tag;
  }
  const Cohort* best = nullptr;
  for (std::size_t i = 0; i < cohorts.size(); ++i) {
    const Cohort* c = cohorts[i];
    if (!invited[i].count(x.account)) continue;
    if (!best) best = c;
    else if (c->created_at <= x.first_ts && (best->created_at > x.first_ts || c->created_at > best->created_at))
      best = c;
  }
  return best ? best->id : std::string();
}

// The units one estimate reads: the treated units that pass `keep_t` (paired designs: with their
// matches; otherwise the control units that pass `keep_c`), projected to (pre, post).
// Unpaired (holdout) designs are post-stratified by tier (estimate.h Reweight): the control stands
// for the participants' tier mix — tiers trend differently, and participation is not random across
// them even when the invitation was. Participants of a tier without a control are left out.
struct Sample {
  std::vector<Unit> t, c;
  std::vector<int> t_strata, c_strata;  // tier index per unit (unpaired designs)
  std::vector<int> sets;                // matched set (control account) per pair (paired designs)
  std::size_t t_accounts = 0, c_accounts = 0;  // distinct accounts in the comparison (t, c)
  std::size_t no_comparison = 0;  // treated units left out: no control in their tier
  bool paired = false;
};

template <typename KeepT, typename KeepC, typename Project>
Sample sample(const Arms& a, KeepT keep_t, KeepC keep_c, Project project) {
  Sample s;
  s.paired = a.paired;
  std::set<std::string_view> ta, ca;
  if (a.paired) {
    std::map<std::string_view, int> set_of;
    for (std::size_t i = 0; i < a.treated.size(); ++i) {
      if (!keep_t(a.treated[i])) continue;
      s.t.push_back(project(a.treated[i]));
      s.c.push_back(project(a.control[i]));
      s.sets.push_back(set_of.emplace(a.control[i].account, static_cast<int>(set_of.size())).first->second);
      ta.insert(a.treated[i].account);
      ca.insert(a.control[i].account);
    }
  } else {
    std::map<std::string_view, std::pair<std::size_t, std::size_t>> tiers;  // tier → (treated, control)
    for (const auto& u : a.treated)
      if (keep_t(u)) ++tiers[u.tier].first;
    for (const auto& u : a.control)
      if (keep_c(u)) ++tiers[u.tier].second;
    std::map<std::string_view, int> index;
    for (const auto& [tier, n] : tiers) index.emplace(tier, static_cast<int>(index.size()));
    for (const auto& u : a.treated) {
      if (!keep_t(u)) continue;
      if (!tiers[u.tier].second) {
        ++s.no_comparison;
        continue;
      }
      s.t.push_back(project(u));
      s.t_strata.push_back(index[u.tier]);
      ta.insert(u.account);
    }
    for (const auto& u : a.control) {
      if (!keep_c(u) || !tiers[u.tier].first) continue;
      s.c.push_back(project(u));
      s.c_strata.push_back(index[u.tier]);
      ca.insert(u.account);
    }
  }
  s.t_accounts = ta.size();
  s.c_accounts = ca.size();
  return s;
}

Unit usage_of(const ArmUnit& u) { return u.usage; }
bool uses(const ArmUnit& u) { return u.usage_observed && u.usage.base > 0; }

struct Estimate {
  std::optional<double> value;
  std::optional<Interval> ci;
  std::string not_estimable;
};

// A causal figure with its interval, or neither with the reason: too few distinct accounts carrying
// the measure in an arm, the statistic undefined, or the bootstrap undefined too often.
BootstrapOptions design(const Sample& s, const RoiOptions& o, std::uint64_t seed, Reweight reweight, double level = 0.95) {
  // A matched design's ratio DiD (the only statistic reweighted by pre-period sums) also gets a
  // log-scale jackknife interval (BootstrapOptions::log_ratio says why).
  return BootstrapOptions{o.bootstrap_resamples, seed,    s.paired, level, s.t_strata, s.c_strata, s.sets,
                          reweight,              reweight == Reweight::kPreSums && s.paired};
}

// Ratio statistics reweight a stratified control by pre-period sums, differences of means by counts.
Reweight reweight_for(const Statistic& stat) {
  auto* f = stat.target<std::optional<double> (*)(const ArmSums&, const ArmSums&, std::string*)>();
  return f && *f == &did_pct ? Reweight::kPreSums : Reweight::kCounts;
}

Estimate estimate(const Sample& s, const Statistic& stat, const RoiOptions& o, std::uint64_t seed, const char* what,
                  double level = 0.95) {
  Estimate e;
  const std::size_t need = o.min_estimable;
  if (s.t_accounts < need || s.c_accounts < need || s.t.empty() || s.c.empty()) {
    e.not_estimable = fmt::format("{} participant(s) and {} control account(s) {}: at least {} in each arm are needed",
                                  s.t_accounts, s.c_accounts, what, std::max<std::size_t>(need, 1));
    if (s.no_comparison)
      e.not_estimable += fmt::format(" ({} more participant(s) are in tiers without a control account)", s.no_comparison);
    return e;
  }
  std::string why = "a tier's control accounts had no usage in the pre-period";
  const BootstrapOptions options = design(s, o, seed, reweight_for(stat), level);
  auto arms = design_sums(s.t, s.c, options);
  std::optional<double> v = arms ? stat(arms->first, arms->second, &why) : std::nullopt;
  if (!v) {
    e.not_estimable = why;
    return e;
  }
  auto b = bootstrap(s.t, s.c, stat, options);
  if (!b.ci95) {
    e.not_estimable = b.reason;
    return e;
  }
  e.value = v;
  e.ci = b.ci95;
  return e;
}

// When every participant's window runs past the as-of date, that — not the arm sizes — is why.
void explain_unobserved(Estimate& e, std::size_t unobserved, const Arms& arms, const std::string& window) {
  if (e.value || !unobserved || unobserved != arms.participants.size()) return;
  e.not_estimable = fmt::format(
      "the {} of every participant ends after the report's as-of date: run the report with a later --as-of to "
      "measure it",
      window);
}

void fill_usage(ProgramResult& r, const Arms& arms, const Arms& placebo, const RoiOptions& o) {
  UsageLift& u = r.usage_lift;
  // Naive: every participant whose post-period is observed, before vs after, with its interval.
  std::vector<Unit> all;
  for (const auto& x : arms.participants)
    if (x.usage_observed) all.push_back(x.usage);
  ArmSums all_t = sums(all);
  u.naive_pct = naive_pct(all_t, &u.naive_not_estimable);
  if (all_t.n) {
    u.treated_pre_mean = all_t.pre / static_cast<double>(all_t.n);
    u.treated_post_mean = all_t.post / static_cast<double>(all_t.n);
  }
  if (u.naive_pct) {
    Statistic naive = [](const ArmSums& t, const ArmSums&, std::string* why) { return naive_pct(t, why); };
    auto b = bootstrap(all, all, naive, BootstrapOptions{o.bootstrap_resamples, o.seed + 7, false, 0.95, {}, {}, {}, Reweight::kCounts});
    if (b.ci95) u.naive_ci95_pct = b.ci95;
    else u.naive_pct.reset(), u.naive_not_estimable = b.reason;
  }
  Sample s = sample(arms, uses, uses, usage_of);
  if (s.no_comparison)
    r.warnings.push_back(fmt::format(
        "{} participant(s) are in a tier with no control account and are left out of the usage estimate",
        s.no_comparison));
  u.treated = s.t_accounts;
  u.control_accounts = s.c_accounts;
  // The control's means as the comparison uses them (a holdout reweighted to the participants' tiers).
  if (auto arms_sums = design_sums(s.t, s.c, design(s, o, o.seed, Reweight::kCounts)); arms_sums && arms_sums->second.n) {
    const ArmSums& c = arms_sums->second;
    u.control_pre_mean = c.pre / static_cast<double>(c.n);
    u.control_post_mean = c.post / static_cast<double>(c.n);
  }
  if (!arms.no_control_reason.empty()) {
    u.not_estimable = arms.no_control_reason;
  } else {
    Estimate e = estimate(s, did_pct, o, o.seed, fmt::format("used {} in the history window (days 90 to 61 before the session)", u.metric).c_str());
    explain_unobserved(e, r.unobserved_usage, arms, fmt::format("{}-day post-period", o.window_days));
    u.did_pct = e.value;
    u.ci95_pct = e.ci;
    u.not_estimable = e.not_estimable;
  }
  if (s.t_accounts < o.min_per_arm || s.c_accounts < o.min_per_arm) {
    u.low_confidence = true;
    r.warnings.push_back(fmt::format(
        "low confidence: the usage estimate rests on {} participant(s) and {} control account(s) (fewer than {} "
        "distinct accounts in an arm)",
        s.t_accounts, s.c_accounts, o.min_per_arm));
  }

  // Placebo: the same design one window earlier.
  Placebo& pl = u.placebo;
  if (!placebo.no_control_reason.empty()) {
    pl.not_estimable = placebo.no_control_reason;
  } else {
    Estimate e = estimate(sample(placebo, uses, uses, usage_of), did_pct, o, o.seed + 3,
                          fmt::format("used {} in the placebo's history window", u.metric).c_str());
    pl.did_pct = e.value;
    pl.ci95_pct = e.ci;
    pl.not_estimable = e.not_estimable;
    if (e.ci && (e.ci->lo > 0 || e.ci->hi < 0)) {
      pl.failed = true;
      r.warnings.push_back(fmt::format(
          "placebo check failed: the same comparison one window before the first session shows {:+.1f}% (95% "
          "interval {:.1f}% to {:.1f}%), so the two groups were already diverging — treat the causal figure with "
          "caution",
          *e.value, e.ci->lo, e.ci->hi));
    }
  }

  // By tier, Bonferroni-corrected across the tiers estimated.
  if (arms.no_control_reason.empty()) {
    std::set<std::string> tiers;
    for (const auto& x : arms.treated)
      if (uses(x)) tiers.insert(x.tier);
    const double level = 1 - 0.05 / static_cast<double>(std::max<std::size_t>(1, tiers.size()));
    std::uint64_t k = 0;
    for (const auto& tier : tiers) {
      auto in_tier = [&](const ArmUnit& x) { return uses(x) && x.tier == tier; };
      Sample ts = sample(arms, in_tier, in_tier, usage_of);
      TierLift t;
      t.tier = tier.empty() ? "(none)" : tier;
      t.treated = ts.t_accounts;
      t.control = ts.c_accounts;
      Estimate e = estimate(ts, did_pct, o, o.seed + 100 + k++, "in this tier used the feature before", level);
      t.did_pct = e.value;
      t.ci_pct = e.ci;
      t.not_estimable = e.not_estimable;
      u.by_tier.push_back(std::move(t));
    }
  }
}

void fill_adoption(ProgramResult& r, const Arms& arms, const RoiOptions& o) {
  Adoption& ad = r.adoption;
  auto non_user = [](const ArmUnit& x) { return x.usage_observed && x.usage.base == 0; };
  auto using_it = [](const ArmUnit& x) { return Unit{.pre = x.usage.pre > 0 ? 1.0 : 0.0, .post = x.usage.post > 0 ? 1.0 : 0.0}; };
  Sample s = sample(arms, non_user, non_user, using_it);
  ad.treated = s.t_accounts;
  ad.control = s.c_accounts;
  auto share = [](const std::vector<Unit>& v) -> std::optional<double> {
    if (v.empty()) return std::nullopt;
    return 100.0 * sums(v).post / static_cast<double>(v.size());
  };
  ad.treated_pct = share(s.t);
  ad.control_pct = share(s.c);
  if (!arms.no_control_reason.empty()) {
    ad.not_estimable = arms.no_control_reason;
  } else {
    Estimate e = estimate(s, share_diff_pts, o, o.seed + 5, "had not used the feature before");
    ad.diff_pts = e.value;
    ad.ci95_pts = e.ci;
    ad.not_estimable = e.not_estimable;
  }
  ad.low_confidence = s.t_accounts < o.min_per_arm || s.c_accounts < o.min_per_arm;
  if (!ad.diff_pts) ad.treated_pct.reset(), ad.control_pct.reset();
}

void fill_arr(ProgramResult& r, const Arms& arms, const RoiOptions& o) {
  ArrLift& a = r.arr_lift;
  a.window_days = o.arr_window_days;
  if (!arms.no_control_reason.empty()) {
    a.not_estimable = arms.no_control_reason;
    return;
  }
  auto observed = [](const ArmUnit& x) { return x.arr_observed; };
  Sample s = sample(arms, observed, observed, [](const ArmUnit& x) { return x.arr; });
  a.treated = s.t_accounts;
  a.control = s.c_accounts;
  const double n_t = static_cast<double>(s.t.size());
  Statistic total = [n_t](const ArmSums& t, const ArmSums& c, std::string* why) -> std::optional<double> {
    auto v = diff_of_changes(t, c, why);
    if (!v) return std::nullopt;
    return *v * n_t;
  };
  Estimate e = estimate(s, total, o, o.seed + 1, "had their ARR window observed");
  explain_unobserved(e, r.unobserved_arr, arms, fmt::format("{}-day ARR window", o.arr_window_days));
  a.incremental_arr = e.value;
  a.ci95 = e.ci;
  a.not_estimable = e.not_estimable;
  if (e.value) {
    a.per_account = *e.value / n_t;
    a.per_account_ci95 = Interval{e.ci->lo / n_t, e.ci->hi / n_t};
  }
}

void fill_dose(ProgramResult& r, const Arms& arms, const RoiOptions& o) {
  for (bool two : {false, true}) {
    DoseGroup g;
    g.sessions = two ? "2+" : "1";
    auto dose = [two](const ArmUnit& x) { return (x.sessions >= 2) == two; };
    std::vector<Unit> naive_t;
    for (const auto& x : arms.participants)
      if (x.usage_observed && dose(x)) naive_t.push_back(x.usage);
    g.accounts = naive_t.size();
    std::string why;
    g.naive_pct = naive_pct(sums(naive_t), &why);
    if (!arms.no_control_reason.empty()) {
      g.not_estimable = arms.no_control_reason;
    } else {
      // Unpaired designs compare each dose group with the whole control.
      Sample s = sample(arms, [&](const ArmUnit& x) { return uses(x) && dose(x); }, uses, usage_of);
      Estimate e = estimate(s, did_pct, o, o.seed + (two ? 11 : 10), "in this dose group used the feature before");
      g.did_pct = e.value;
      g.ci95_pct = e.ci;
      g.not_estimable = e.not_estimable;
    }
    r.dose_response.push_back(std::move(g));
  }
}

void fill_conversion(ProgramResult& r, const Program& p, const RoiInput& in, const Arms& arms, Timestamp as_of) {
  Conversion& cv = r.conversion;
  const RoiOptions& o = in.options;
  cv.milestone = p.conversion_milestone.empty() ? p.target_milestone : p.conversion_milestone;
  cv.within_days = o.conversion_days;
  if (cv.milestone.empty()) {
    cv.not_estimable = "the program names no target_milestone";
    return;
  }
  const Date last = date_of(as_of + 1) - 1;
  auto reached = [&](const ArmUnit& x) -> std::optional<Timestamp> {
    const milestones::AccountState* s = in.states ? in.states(x.account) : nullptr;
    const auto* m = s ? s->find(cv.milestone) : nullptr;
    if (!m || !m->achieved || !m->achieved_at || *m->achieved_at > as_of) return std::nullopt;
    return *m->achieved_at;
  };
  auto at_risk = [&](const ArmUnit& x) {
    auto at = reached(x);
    return x.ref + cv.within_days - 1 <= last && (!at || *at >= start_of(x.ref));
  };
  for (const auto& x : arms.participants) {
    auto at = reached(x);
    if ((!at || *at >= start_of(x.ref)) && x.ref + cv.within_days - 1 > last) ++r.unobserved_conversion;
  }
  if (r.unobserved_conversion)
    r.warnings.push_back(fmt::format(
        "{} participant(s) are left out of the conversion rate: their {}-day window ends after {}",
        r.unobserved_conversion, cv.within_days, format_date(last)));
  Sample s = sample(arms, at_risk, at_risk, [&](const ArmUnit& x) {
    auto at = reached(x);
    return Unit{.pre = 0, .post = at && *at < start_of(x.ref + cv.within_days) ? 1.0 : 0.0};
  });
  cv.participants = s.t_accounts;
  cv.control = s.c_accounts;
  if (!arms.no_control_reason.empty()) {
    cv.not_estimable = arms.no_control_reason;
    return;
  }
  Estimate e = estimate(s, share_diff_pts, o, o.seed + 13,
                        fmt::format("were at risk of {} with {} days observed", cv.milestone, cv.within_days).c_str());
  cv.diff_pts = e.value;
  cv.ci95_pts = e.ci;
  cv.not_estimable = e.not_estimable;
  if (e.value) {
    cv.participants_pct = 100.0 * sums(s.t).post / static_cast<double>(s.t.size());
    cv.control_pct = 100.0 * sums(s.c).post / static_cast<double>(s.c.size());
  }
}

// Truthful notes on who is left out because the data stops at the as-of instant.
void note_unobserved(ProgramResult& r, const Arms& arms, const RoiOptions& o, Timestamp as_of) {
  for (const auto& x : arms.participants) {
    if (!x.usage_observed) ++r.unobserved_usage;
    if (!x.arr_observed) ++r.unobserved_arr;
  }
  const std::string day = format_date(date_of(as_of + 1) - 1);
  if (r.unobserved_usage)
    r.warnings.push_back(fmt::format(
        "{} participant(s) are left out of the usage estimates: their {}-day post-period ends after {} (the report's "
        "as-of date)",
        r.unobserved_usage, o.window_days, day));
  if (r.unobserved_arr)
    r.warnings.push_back(fmt::format(
        "{} participant(s) are left out of the ARR estimate: their {}-day ARR window ends after {}", r.unobserved_arr,
        o.arr_window_days, day));
}

}  // namespace

std::vector<ProgramResult> program_results(const RoiInput& in, Timestamp as_of, std::vector<std::string>& notes) {
  const Dataset& data = *in.data;
  const RoiOptions& o = in.options;
  std::vector<std::string> ids;
  for (const auto& p : in.programs) ids.push_back(p.id);
  std::set<std::string> undefined;
  for (const Attendance* a : data.all_attendance())
    if (a->ts <= as_of && !cohorts::find_program(in.programs, a->program)) undefined.insert(a->program);
  for (const auto& u : undefined) {
    ids.push_back(u);
    notes.push_back(fmt::format("program '{}' has attendance but is not defined in content_maps: no lift computed", u));
  }

  std::vector<ProgramResult> out;
  for (const auto& pid : ids) {
    const Program* program = cohorts::find_program(in.programs, pid);
    std::size_t unknown_learners = 0, unknown_tag = 0;
    auto parts = collect_participants(data, pid, as_of, unknown_learners);
    std::vector<const Cohort*> pcs;
    for (const auto& c : in.cohorts)
      if (c.program == pid && c.created_at <= as_of) pcs.push_back(&c);
    std::vector<std::unordered_set<std::string_view>> invited(pcs.size());
    std::unordered_set<std::string_view> cohort_accounts;
    for (std::size_t i = 0; i < pcs.size(); ++i) {
      for (const auto& v : pcs[i]->invitees) invited[i].insert(v.account);
      cohort_accounts.insert(invited[i].begin(), invited[i].end());
      cohort_accounts.insert(pcs[i]->holdout.begin(), pcs[i]->holdout.end());
    }

    std::map<std::string, std::vector<const Participant*>> groups;  // cohort id ("" = none) → members
    for (const Cohort* c : pcs)
      if (c->status != cohorts::CohortStatus::kProposed && in_quarter(in.quarter, date_of(c->created_at)))
        groups[c->id];  // a sent cohort of the quarter appears even when nobody attended
    std::map<std::string, Date> first_of;
    std::map<std::string, std::vector<const Participant*>> all_members;
    for (auto& [acc, x] : parts) {
      x.assigned = assign_cohort(x, pcs, invited, unknown_tag);
      all_members[x.assigned].push_back(&x);
    }
    for (auto& [cid, members] : all_members) {
      if (cid.empty()) {
        for (const Participant* x : members)
          if (in_quarter(in.quarter, date_of(x->first_ts))) groups[cid].push_back(x);
        continue;
      }
      Timestamp first = LLONG_MAX;
      for (const Participant* x : members) first = std::min(first, x->first_ts);
      if (in_quarter(in.quarter, date_of(first))) groups[cid] = members;
      else groups.erase(cid);
    }

    const std::string target = program ? program->target_event : std::string();
    const EventTimes* given = nullptr;
    if (in.usage)
      if (auto found = in.usage->find(target); found != in.usage->end()) given = &found->second;
    UsageIndex usage(data, target, given);
    std::unordered_map<std::string_view, EligibilityFacts> facts;
    ControlContext ctx{in, program, parts, pcs, cohort_accounts, usage, &facts};
    for (auto& [cid, members] : groups) {
      ProgramResult r;
      r.program = pid;
      r.title = program ? program->title : pid;
      r.cohort = cid;
      r.usage_lift.metric = program ? program->target_event : "";
      r.usage_lift.window_days = o.window_days;
      r.arr_lift.window_days = o.arr_window_days;
      r.participants = members.size();
      std::size_t two = 0;
      for (const Participant* x : members) {
        r.participant_learners += x->learners.size();
        if (x->sessions.size() >= 2) ++two;
        const double arr = arr_at(data, x->account, date_of(x->first_ts));
        r.arr_influenced += arr;
        r.participant_arr[x->account] = arr;
        Date d = date_of(x->first_ts);
        if (!r.first_session || d < *r.first_session) r.first_session = d;
      }
      if (unknown_learners)
        r.warnings.push_back(fmt::format("{} attendance record(s) name unknown learners and were ignored", unknown_learners));
      if (unknown_tag)
        r.warnings.push_back(fmt::format("{} participant(s) attended under a cohort id this program does not have", unknown_tag));
      if (members.empty()) {
        const char* why = "no participants";
        r.usage_lift.naive_not_estimable = r.usage_lift.not_estimable = r.usage_lift.placebo.not_estimable = why;
        r.adoption.not_estimable = why;
        r.arr_lift.not_estimable = why;
        r.conversion.not_estimable = why;
        r.usage_lift.control = "none";
        out.push_back(std::move(r));
        continue;
      }
      r.attended_2plus_pct = 100.0 * static_cast<double>(two) / static_cast<double>(members.size());
      if (!program) {
        const char* why = "program not defined in content_maps";
        r.usage_lift.naive_not_estimable = r.usage_lift.not_estimable = r.usage_lift.placebo.not_estimable = why;
        r.adoption.not_estimable = why;
        r.arr_lift.not_estimable = why;
        r.conversion.not_estimable = why;
        r.usage_lift.control = "none";
        out.push_back(std::move(r));
        continue;
      }
      const Cohort* cohort = nullptr;
      for (const Cohort* c : pcs)
        if (c->id == cid) cohort = c;
      Arms arms = build_arms(ctx, cohort, members, as_of, r.warnings);
      std::vector<std::string> placebo_warnings;  // the placebo's own matching notes are not the report's
      Arms placebo = build_arms(ctx, cohort, members, as_of, placebo_warnings, o.window_days);
      r.usage_lift.control = arms.control_kind;
      r.balance = arms.balance;
      note_unobserved(r, arms, o, as_of);
      fill_usage(r, arms, placebo, o);
      fill_adoption(r, arms, o);
      fill_arr(r, arms, o);
      fill_dose(r, arms, o);
      fill_conversion(r, *program, in, arms, as_of);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace uplift::attribution
