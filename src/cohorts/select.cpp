#include "cohorts/select.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "cohorts/random.h"
#include "recommend/account_advice.h"

namespace uplift::cohorts {
namespace {

bool in(const std::vector<std::string>& list, std::string_view v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

std::optional<Timestamp> achieved_at(const milestones::AccountState* s, const std::string& id) {
  if (!s) return std::nullopt;
  const auto* m = s->find(id);
  if (!m || !m->achieved) return std::nullopt;
  return m->achieved_at.value_or(0);
}

double count_events(const Dataset& data, const std::string& account, const std::string& name, Timestamp from,
                    Timestamp to) {
  const Dataset::NameCode code = data.event_name_code(name);
  if (code == Dataset::kNoNameCode) return 0;
  const auto& ev = data.events_of(account);
  auto lo = std::lower_bound(ev.begin(), ev.end(), from, [](const EventRow& e, Timestamp t) { return e.ts <= t; });
  double n = 0;
  for (auto it = lo; it != ev.end() && it->ts <= to; ++it)
    if (it->name == code) n += 1;
  return n;
}

struct Candidate {
  std::string account;
  double arr = 0;
  std::optional<int> days_to_renewal;
  int days_since_reached = 0;
  double recent_target = 0;
  std::size_t practised = 0;  // learners who completed every teaching item of the target milestone
  std::vector<std::string> learners;
  double score = 0;
};

std::string describe(const Program& p, const Candidate& c, int rank) {
  std::vector<std::string> parts;
  if (!p.eligibility.reached.empty())
    parts.push_back(fmt::format("{} reached {} days ago", p.eligibility.reached, c.days_since_reached));
  if (!p.eligibility.lacks_milestone.empty()) parts.push_back(fmt::format("no {} yet", p.eligibility.lacks_milestone));
  parts.push_back(fmt::format("{:g} {} in last 30 days", c.recent_target, p.target_event));
  if (c.practised)
    parts.push_back(fmt::format("{} learner(s) completed every course on {} yet the account has not reached it "
                                "(practice candidate)",
                                c.practised, p.target_milestone));
  parts.push_back(fmt::format("ARR {:.0f}", c.arr));
  if (c.days_to_renewal) parts.push_back(fmt::format("renewal in {} days", *c.days_to_renewal));
  parts.push_back(fmt::format("rank {} (score {:.3f})", rank, c.score));
  std::string out;
  for (const auto& s : parts) out += (out.empty() ? "" : "; ") + s;
  return out;
}

}  // namespace

Result<Proposal> propose_cohort(const Dataset& data, const StateLookup& states, const Program& program,
                                const ProposeOptions& options) {
  const Eligibility& el = program.eligibility;
  const int capacity = options.capacity.value_or(program.capacity);
  const double fraction = options.holdout_fraction.value_or(program.holdout_fraction);
  if (capacity < 1) return Status::InvalidArgument(fmt::format("capacity: must be >= 1 (got {})", capacity));
  if (!(fraction >= 0 && fraction <= 0.9))
    return Status::InvalidArgument(fmt::format("holdout fraction: must be in [0, 0.9] (got {})", fraction));

  Proposal out;
  Cohort& c = out.cohort;
  c.program = program.id;
  c.created_at = options.as_of;
  c.capacity = capacity;
  c.holdout_fraction = fraction;
  if (options.id.empty()) {
    std::string q = quarter_of(date_of(options.as_of)).name();
    std::transform(q.begin(), q.end(), q.begin(), [](unsigned char ch) { return std::tolower(ch); });
    c.id = program.id + "-" + q;
  } else {
    c.id = options.id;
  }
  c.seed = options.seed.value_or(stable_hash(c.id));

  std::set<std::string, std::less<>> busy;  // accounts in another open cohort
  for (const auto& other : options.existing) {
    if (other.id == c.id || !other.is_open()) continue;
    const Program* theirs = options.programs ? find_program(*options.programs, other.program) : nullptr;
    if (theirs && closed_as_of(other, data, theirs->sessions, options.as_of)) continue;
    for (const auto& i : other.invitees) busy.insert(i.account);
    for (const auto& h : other.holdout) busy.insert(h);
  }

  const Date today = date_of(options.as_of);
  const int min_days_to_renewal = el.min_days_to_renewal.value_or(7 * std::max(1, program.sessions));
  std::vector<Candidate> eligible;
  for (const auto& [id, acct] : data.accounts()) {
    auto exclude = [&](std::string why) { ++out.excluded[std::move(why)]; };
    if (acct.audience != Audience::kCustomer) { exclude("not a customer account"); continue; }
    if (churned_as_of(data, acct.id, today)) { exclude("churned (last renewal churned, or ARR 0 past its renewal date)"); continue; }
    if (acct.renewal_date && *acct.renewal_date >= today && *acct.renewal_date - today < min_days_to_renewal) {
      exclude(fmt::format("renews in less than {} days (before the program can finish)", min_days_to_renewal));
      continue;
    }
    if (!in(el.plans, acct.plan)) { exclude("plan not eligible"); continue; }
    if (!in(el.tiers, acct.tier)) { exclude("tier not eligible"); continue; }
    const milestones::AccountState* st = states ? states(id) : nullptr;
    if (!el.stages.empty() && !in(el.stages, st ? st->stage : std::string())) { exclude("stage not eligible"); continue; }
    Candidate cand;
    cand.account = id;
    if (!el.reached.empty()) {
      auto at = achieved_at(st, el.reached);
      if (!at || *at > options.as_of) { exclude(fmt::format("{} not reached", el.reached)); continue; }
      cand.days_since_reached = today - date_of(*at);
      if (cand.days_since_reached < el.reached_days_ago_min) {
        exclude(fmt::format("{} reached less than {} days ago", el.reached, el.reached_days_ago_min));
        continue;
      }
    }
    if (!el.lacks_milestone.empty()) {
      auto at = achieved_at(st, el.lacks_milestone);
      if (at && *at <= options.as_of) { exclude(fmt::format("{} already reached", el.lacks_milestone)); continue; }
    }
    cand.recent_target = count_events(data, id, program.target_event, options.as_of - 30 * kMsPerDay, options.as_of);
    if (el.target_event_max_30d && cand.recent_target > *el.target_event_max_30d) {
      exclude(fmt::format("more than {:g} {} in 30 days", *el.target_event_max_30d, program.target_event));
      continue;
    }
    for (LearnerRef l : data.learners_of(id)) {
      if (data.audience_of(*l) != Audience::kCustomer) continue;
      if (el.roles.empty() || in(el.roles, l->role())) cand.learners.emplace_back(l->id());
    }
    std::sort(cand.learners.begin(), cand.learners.end());
    if (cand.learners.empty()) {
      exclude(el.roles.empty() ? "no learners" : "no learner with an eligible role");
      continue;
    }
    if (busy.count(id)) { exclude("in another open cohort"); continue; }
    cand.arr = acct.arr.value_or(0);
    if (options.content && !program.target_milestone.empty() &&
        !(achieved_at(st, program.target_milestone) && *achieved_at(st, program.target_milestone) <= options.as_of))
      cand.practised =
          recommend::practised_learners(data, *options.content, id, program.target_milestone, options.as_of);
    if (acct.renewal_date) cand.days_to_renewal = *acct.renewal_date - today;
    eligible.push_back(std::move(cand));
  }

  double max_arr = 0;
  for (const auto& e : eligible) max_arr = std::max(max_arr, e.arr);
  for (auto& e : eligible) {
    double arr_part = max_arr > 0 ? e.arr / max_arr : 0;
    double renewal_part = 0;
    if (e.days_to_renewal && *e.days_to_renewal >= 0 && *e.days_to_renewal <= 365)
      renewal_part = 1.0 - *e.days_to_renewal / 365.0;
    double lag_part = std::min(e.days_since_reached, 365) / 365.0;
    e.score = program.weights.arr * arr_part + program.weights.renewal * renewal_part + program.weights.lag * lag_part +
              (e.practised ? program.weights.practice : 0.0);
  }
  std::sort(eligible.begin(), eligible.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.account < b.account;
  });

  const std::size_t want = static_cast<std::size_t>(std::ceil(capacity / (1.0 - fraction) - 1e-9));
  const std::size_t pool = std::min(eligible.size(), want);
  const std::size_t held = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(pool) + 0.5));
  std::vector<std::size_t> order(pool);
  for (std::size_t i = 0; i < pool; ++i) order[i] = i;
  std::mt19937_64 rng(c.seed);
  seeded_shuffle(order, rng);
  std::vector<bool> is_held(pool, false);
  for (std::size_t i = 0; i < held; ++i) is_held[order[i]] = true;

  for (std::size_t i = 0; i < eligible.size(); ++i) {
    const Candidate& e = eligible[i];
    c.eligible.push_back(e.account);
    out.scores[e.account] = e.score;
    if (i >= pool) continue;
    if (is_held[i]) {
      c.holdout.push_back(e.account);
    } else if (c.invitees.size() < static_cast<std::size_t>(capacity)) {
      const Account* a = data.account(e.account);
      c.invitees.push_back({e.account, e.learners, a ? a->csm : "", describe(program, e, static_cast<int>(i) + 1)});
    }
  }
  std::sort(c.holdout.begin(), c.holdout.end());
  out.power = minimum_detectable_effect(data, c.eligible, program.target_event, options.as_of, c.invitees.size(),
                                        c.holdout.empty() ? c.invitees.size() : c.holdout.size());
  return out;
}

nlohmann::json power_to_json(const Power& p) {
  return {{"mde_pct", p.mde_pct ? nlohmann::json(std::round(*p.mde_pct * 10) / 10) : nlohmann::json(nullptr)},
          {"treated", p.treated},
          {"control", p.control},
          {"history_accounts", p.history_accounts},
          {"power", 0.8},
          {"alpha", 0.05},
          {"not_estimable", p.not_estimable.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.not_estimable)}};
}

Power minimum_detectable_effect(const Dataset& data, const std::vector<std::string>& pool, const std::string& event,
                                Timestamp as_of, std::size_t treated, std::size_t control) {
  Power p;
  constexpr Timestamp kWindow = 30 * kMsPerDay;
  // Users as the report picks them: usage in a history window a window's gap before the earlier
  // one (choosing them by the earlier window itself would add its regression to the mean).
  std::vector<std::pair<double, double>> users;  // (earlier, later) 30-day counts
  for (const auto& id : pool) {
    if (count_events(data, id, event, as_of - 4 * kWindow, as_of - 3 * kWindow) <= 0) continue;
    const double earlier = count_events(data, id, event, as_of - 2 * kWindow, as_of - kWindow);
    const double later = count_events(data, id, event, as_of - kWindow, as_of);
    users.emplace_back(earlier, later);
  }
  p.history_accounts = users.size();
  const double share = pool.empty() ? 0 : static_cast<double>(users.size()) / static_cast<double>(pool.size());
  p.treated = static_cast<std::size_t>(std::floor(share * static_cast<double>(treated)));
  p.control = static_cast<std::size_t>(std::floor(share * static_cast<double>(control)));
  if (users.size() < 10) {
    p.not_estimable = fmt::format("{} eligible account(s) used {} 90 to 120 days before the as-of date (10 needed)",
                                  users.size(), event);
    return p;
  }
  if (p.treated < 2 || p.control < 2) {
    p.not_estimable = fmt::format("{} participant(s) and {} control account(s) would use {}: too few to measure",
                                  p.treated, p.control, event);
    return p;
  }
  double se = 0, sl = 0;
  for (const auto& [e, l] : users) se += e, sl += l;
  const double ratio = sl / se, mean = se / static_cast<double>(users.size());
  double m = 0, ss = 0;
  for (const auto& [e, l] : users) m += l - ratio * e;
  m /= static_cast<double>(users.size());
  for (const auto& [e, l] : users) ss += (l - ratio * e - m) * (l - ratio * e - m);
  const double sd = std::sqrt(ss / static_cast<double>(users.size() - 1));
  if (!(sd > 0) || !(mean > 0)) {
    p.not_estimable = fmt::format("{} did not vary from one 30-day window to the next: no spread to size from", event);
    return p;
  }
  const double rel_se = sd / mean * std::sqrt(1.0 / static_cast<double>(p.treated) + 1.0 / static_cast<double>(p.control));
  p.mde_pct = 100 * (1.959964 + 0.841621) * rel_se;
  return p;
}

}  // namespace uplift::cohorts
