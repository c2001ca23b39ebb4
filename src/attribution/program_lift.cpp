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
                                                        std::size_t& unknown_learners) {
  std::map<std::string, Participant> parts;
  for (const Attendance* a : data.all_attendance()) {
    if (a->program != program || !a->attended) continue;
    const Learner* l = data.learner(a->learner);
    if (!l) {
      ++unknown_learners;
      continue;
    }
    Participant& x = parts[l->account];
    x.account = l->account;
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

void fill_usage(ProgramResult& r, const Arms& arms, const RoiOptions& o) {
  UsageLift& u = r.usage_lift;
  ArmSums all_t = sums(arms.naive_treated);
  u.naive_pct = naive_pct(all_t, &u.naive_not_estimable);
  if (all_t.n) {
    u.treated_pre_mean = all_t.pre / all_t.n;
    u.treated_post_mean = all_t.post / all_t.n;
  }
  ArmSums t = sums(arms.treated), c = sums(arms.control);
  u.treated = t.n;
  u.control_accounts = arms.control_accounts;
  if (c.n) {
    u.control_pre_mean = c.pre / c.n;
    u.control_post_mean = c.post / c.n;
  }
  if (!arms.no_control_reason.empty()) {
    u.not_estimable = arms.no_control_reason;
  } else {
    u.did_pct = did_pct(t, c, &u.not_estimable);
  }
  if (u.did_pct) {
    auto b = bootstrap(arms.treated, arms.control, did_pct, o.bootstrap_resamples, o.seed);
    u.ci95_pct = b.ci95;
    u.ci_not_estimable = b.reason;
  } else {
    u.ci_not_estimable = u.not_estimable;
  }
  if (t.n < o.min_per_arm || c.n < o.min_per_arm) {
    u.low_confidence = true;
    r.warnings.push_back(fmt::format(
        "low confidence: {} participant(s) and {} control account(s) (fewer than {} in an arm)", t.n,
        arms.control_accounts, o.min_per_arm));
  }
}

void fill_arr(ProgramResult& r, const Arms& arms, const RoiOptions& o) {
  ArrLift& a = r.arr_lift;
  a.window_days = o.arr_window_days;
  if (!arms.no_control_reason.empty()) {
    a.not_estimable = arms.no_control_reason;
    return;
  }
  const double n_t = static_cast<double>(arms.arr_treated.size());
  auto per = diff_of_changes(sums(arms.arr_treated), sums(arms.arr_control), &a.not_estimable);
  if (!per) return;
  a.per_account = *per;
  a.incremental_arr = *per * n_t;
  Statistic total = [n_t](const ArmSums& t, const ArmSums& c, std::string* why) -> std::optional<double> {
    auto v = diff_of_changes(t, c, why);
    if (!v) return std::nullopt;
    return *v * n_t;
  };
  a.ci95 = bootstrap(arms.arr_treated, arms.arr_control, total, o.bootstrap_resamples, o.seed + 1).ci95;
}

void fill_dose(ProgramResult& r, const Arms& arms) {
  for (bool two : {false, true}) {
    DoseGroup g;
    g.sessions = two ? "2+" : "1";
    std::vector<Unit> naive_t, t, c;
    for (std::size_t i = 0; i < arms.naive_treated.size(); ++i)
      if ((arms.naive_sessions[i] >= 2) == two) naive_t.push_back(arms.naive_treated[i]);
    for (std::size_t i = 0; i < arms.treated.size(); ++i) {
      if ((arms.treated_sessions[i] >= 2) != two) continue;
      t.push_back(arms.treated[i]);
      if (arms.paired) c.push_back(arms.control[i]);
    }
    if (!arms.paired) c = arms.control;
    g.accounts = naive_t.size();
    std::string why;
    g.naive_pct = naive_pct(sums(naive_t), &why);
    if (!arms.no_control_reason.empty()) g.not_estimable = arms.no_control_reason;
    else g.did_pct = did_pct(sums(t), sums(c), &g.not_estimable);
    if (!g.naive_pct && g.not_estimable.empty()) g.not_estimable = why;
    r.dose_response.push_back(std::move(g));
  }
}

void fill_conversion(ProgramResult& r, const Program& p, const RoiInput& in, const Arms& arms) {
  Conversion& cv = r.conversion;
  cv.milestone = p.conversion_milestone.empty() ? p.target_milestone : p.conversion_milestone;
  cv.within_days = in.options.conversion_days;
  if (cv.milestone.empty()) {
    cv.not_estimable = "the program names no target_milestone";
    return;
  }
  auto rate = [&](const std::vector<std::pair<std::string, Date>>& units, std::size_t& at_risk) -> std::optional<double> {
    std::size_t converted = 0;
    at_risk = 0;
    for (const auto& [account, ref] : units) {
      const milestones::AccountState* s = in.states ? in.states(account) : nullptr;
      const auto* m = s ? s->find(cv.milestone) : nullptr;
      bool achieved = m && m->achieved;
      Timestamp at = achieved ? m->achieved_at.value_or(0) : 0;
      if (achieved && at < start_of(ref)) continue;  // already had it: not at risk
      ++at_risk;
      if (achieved && at < start_of(ref + cv.within_days)) ++converted;
    }
    if (at_risk == 0) return std::nullopt;
    return 100.0 * static_cast<double>(converted) / static_cast<double>(at_risk);
  };
  cv.participants_pct = rate(arms.treated_refs, cv.participants);
  cv.control_pct = rate(arms.control_refs, cv.control);
  if (!cv.participants_pct) cv.not_estimable = "every participant had the milestone before training";
  else if (!arms.no_control_reason.empty()) cv.not_estimable = arms.no_control_reason;
  else if (!cv.control_pct) cv.not_estimable = "every control account had the milestone already";
}

}  // namespace

std::vector<ProgramResult> program_results(const RoiInput& in, Timestamp as_of, std::vector<std::string>& notes) {
  const Dataset& data = *in.data;
  const RoiOptions& o = in.options;
  std::vector<std::string> ids;
  for (const auto& p : in.programs) ids.push_back(p.id);
  std::set<std::string> undefined;
  for (const Attendance* a : data.all_attendance())
    if (!cohorts::find_program(in.programs, a->program)) undefined.insert(a->program);
  for (const auto& u : undefined) {
    ids.push_back(u);
    notes.push_back(fmt::format("program '{}' has attendance but is not defined in content_maps: no lift computed", u));
  }

  std::vector<ProgramResult> out;
  for (const auto& pid : ids) {
    const Program* program = cohorts::find_program(in.programs, pid);
    std::size_t unknown_learners = 0, unknown_tag = 0;
    auto parts = collect_participants(data, pid, unknown_learners);
    std::vector<const Cohort*> pcs;
    for (const auto& c : in.cohorts)
      if (c.program == pid) pcs.push_back(&c);
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
    ControlContext ctx{in, program, parts, pcs, cohort_accounts, usage};
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
        r.arr_influenced += arr_at(data, x->account, date_of(x->first_ts));
        Date d = date_of(x->first_ts);
        if (!r.first_session || d < *r.first_session) r.first_session = d;
      }
      if (unknown_learners)
        r.warnings.push_back(fmt::format("{} attendance record(s) name unknown learners and were ignored", unknown_learners));
      if (unknown_tag)
        r.warnings.push_back(fmt::format("{} participant(s) attended under a cohort id this program does not have", unknown_tag));
      if (members.empty()) {
        const char* why = "no participants";
        r.usage_lift.naive_not_estimable = r.usage_lift.not_estimable = r.usage_lift.ci_not_estimable = why;
        r.arr_lift.not_estimable = why;
        r.conversion.not_estimable = why;
        r.usage_lift.control = "none";
        out.push_back(std::move(r));
        continue;
      }
      r.attended_2plus_pct = 100.0 * static_cast<double>(two) / static_cast<double>(members.size());
      if (!program) {
        const char* why = "program not defined in content_maps";
        r.usage_lift.naive_not_estimable = r.usage_lift.not_estimable = r.usage_lift.ci_not_estimable = why;
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
      r.usage_lift.control = arms.control_kind;
      fill_usage(r, arms, o);
      fill_arr(r, arms, o);
      fill_dose(r, arms);
      fill_conversion(r, *program, in, arms);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace uplift::attribution
