#include "triggers/detect.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/time.h"

namespace uplift::triggers {
namespace {

bool in(const std::vector<std::string>& list, std::string_view v) {
  return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
}

std::optional<Timestamp> achieved_at(const milestones::AccountState* s, const std::string& m, Timestamp as_of) {
  if (!s) return std::nullopt;
  const auto* st = s->find(m);
  if (!st || !st->achieved || !st->achieved_at || *st->achieved_at > as_of) return std::nullopt;
  return st->achieved_at;
}

// Whole calendar days (UTC) from one instant's day to another's: every day count of a rule —
// within N days, stalled for N days, renewal in N days — is counted this way.
long days_between(Timestamp from, Timestamp to) { return static_cast<long>(date_of(to) - date_of(from)); }

// When the account started: its record's created_at, else its first learner or first event.
std::optional<Timestamp> account_start(const Context& ctx, const Account* acct, Timestamp as_of) {
  if (!acct) return std::nullopt;
  if (acct->created_at) return acct->created_at;
  std::optional<Timestamp> first;
  for (LearnerRef l : ctx.data->learners_of(acct->id))
    if (l->created_at() && *l->created_at() <= as_of) first = std::min(first.value_or(*l->created_at()), *l->created_at());
  const auto& events = ctx.data->events_of(acct->id);  // by time
  if (!events.empty() && events.front().ts <= as_of) first = std::min(first.value_or(events.front().ts), events.front().ts);
  return first;
}

// Whether milestone `m` is the account's next step at as_of, and since when: a milestone on the
// frontier since the last of its requirements was reached; a gate (foundational, advanced…),
// which is never on the frontier itself, once it is unmet and the requirements of the gate and of
// its operands are all reached. With no requirement, since the account started. nullopt when it
// is not the next step (or its start is unknown).
std::optional<Timestamp> next_step_since(const Context& ctx, const milestones::AccountState* s, const Account* acct,
                                         const std::string& m, Timestamp as_of) {
  const milestones::Milestone* ms = ctx.graph ? ctx.graph->find(m) : nullptr;
  if (!s || !ms) return std::nullopt;
  std::vector<std::string> requirements = ms->requires_;
  if (ms->is_gate()) {
    if (achieved_at(s, m, as_of)) return std::nullopt;
    for (const auto& op : ms->gate->operands)
      if (const milestones::Milestone* o = ctx.graph->find(op))
        requirements.insert(requirements.end(), o->requires_.begin(), o->requires_.end());
  } else if (std::find(s->frontier.begin(), s->frontier.end(), m) == s->frontier.end()) {
    return std::nullopt;
  }
  std::optional<Timestamp> since;
  for (const auto& r : requirements) {
    auto at = achieved_at(s, r, as_of);
    if (!at) return std::nullopt;  // a requirement is missing: not the next step yet
    since = std::max(since.value_or(*at), *at);
  }
  if (!since) since = account_start(ctx, acct, as_of);
  return since;
}

std::optional<std::string> condition_holds(const Condition& k, const Context& ctx, const Account* acct,
                                           const milestones::AccountState* s, Timestamp as_of) {
  switch (k.kind) {
    case Condition::Kind::kFlag:
      if (!s) return std::nullopt;
      for (const auto& f : s->flags) {
        if (f.kind != k.flag || (!k.milestone.empty() && f.milestone != k.milestone)) continue;
        if (f.at && *f.at > as_of) continue;
        std::string what = fmt::format("{} on {}", f.kind, f.milestone);
        if (f.change_pct) what += fmt::format(": {:+.0f} % per week", *f.change_pct);
        else if (!f.detail.empty()) what += ": " + f.detail;
        return what;
      }
      return std::nullopt;
    case Condition::Kind::kMilestoneAchieved: {
      auto at = achieved_at(s, k.milestone, as_of);
      if (!at || (k.days && days_between(*at, as_of) >= *k.days)) return std::nullopt;
      return fmt::format("{} reached on {}", k.milestone, format_date(date_of(*at)));
    }
    case Condition::Kind::kMilestoneStalled: {
      auto since = next_step_since(ctx, s, acct, k.milestone, as_of);
      if (!since || *since > as_of) return std::nullopt;
      const long d = days_between(*since, as_of);
      if (d < k.days.value_or(0)) return std::nullopt;
      return fmt::format("{} stalled: next on the journey for {} days", k.milestone, d);
    }
    case Condition::Kind::kStageReached: {
      if (!s || !ctx.graph) return std::nullopt;
      const auto& st = ctx.graph->stages;
      auto want = std::find(st.begin(), st.end(), k.stage), have = std::find(st.begin(), st.end(), s->stage);
      if (want == st.end() || have == st.end() || have < want) return std::nullopt;
      if (s->stage_reached_at && *s->stage_reached_at > as_of) return std::nullopt;
      return fmt::format("stage {} reached", s->stage);
    }
    case Condition::Kind::kChampionDeparted: {
      if (!acct) return std::nullopt;
      for (LearnerRef l : ctx.data->learners_of(acct->id)) {
        if (!l->departed_at() || *l->departed_at() > as_of || !in(k.roles, l->role())) continue;
        if (days_between(*l->departed_at(), as_of) >= k.days.value_or(30)) continue;
        return fmt::format("{} ({}) left on {}", l->email().empty() ? l->id() : l->email(), l->role().empty() ? "no role" : l->role(),
                           format_date(date_of(*l->departed_at())));
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> holds(const Rule& rule, const Context& ctx, std::string_view account, Timestamp as_of) {
  const Account* acct = ctx.data->account(account);
  if (!acct) return std::nullopt;  // filters need the record (audience, tier, plan, CSM)
  const auto& f = rule.filters;
  if (std::find(f.audiences.begin(), f.audiences.end(), acct->audience) == f.audiences.end()) return std::nullopt;
  if (!in(f.tiers, acct->tier) || !in(f.plans, acct->plan) || !in(f.csms, acct->csm)) return std::nullopt;
  const milestones::AccountState* s = ctx.states ? ctx.states(account) : nullptr;
  std::vector<std::string> why;
  for (const auto& k : rule.when) {
    auto w = condition_holds(k, ctx, acct, s, as_of);
    if (!w) return std::nullopt;
    why.push_back(std::move(*w));
  }
  if (rule.renewal_within_days) {
    if (!acct->renewal_date) return std::nullopt;
    const long d = static_cast<long>(*acct->renewal_date - date_of(as_of));
    if (d < 0 || d > *rule.renewal_within_days) return std::nullopt;
    why.push_back(fmt::format("renewal in {} days", d));
  }
  return fmt::format("{}", fmt::join(why, "; "));
}

std::string alert_id(std::string_view rule, std::string_view account, Timestamp at) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over "rule\0account\0at"
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0) * 1099511628211ULL;
  };
  mix(rule);
  mix(account);
  mix(std::to_string(at));
  return fmt::format("alr_{:016x}", h);
}

std::vector<Alert> step(const RuleSet& rules, const Context& ctx, const std::vector<std::string>& accounts,
                        Timestamp as_of, EpisodeBook& book) {
  std::vector<std::string> sorted = accounts;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<Alert> out;
  for (const auto& account : sorted)
    for (const Rule& r : rules.rules) {
      auto why = holds(r, ctx, account, as_of);
      auto it = book.find({r.id, account});
      if (!why) {
        if (it != book.end()) {
          it->second.holding = false;
          it->second.alerted = false;
        }
        continue;
      }
      Episode& ep = it != book.end() ? it->second : book[{r.id, account}];
      ep.holding = true;
      if (ep.alerted) continue;  // one alert per episode
      const Timestamp cooldown = static_cast<Timestamp>(r.cooldown_days) * kMsPerDay;
      if (ep.last_alert && as_of - *ep.last_alert < cooldown) continue;  // flapping: wait for the cool-down
      ep.alerted = true;
      ep.last_alert = as_of;
      out.push_back(Alert{alert_id(r.id, account, as_of), r.id, account, as_of, std::move(*why), r.action});
    }
  return out;
}

nlohmann::json alert_to_json(const Alert& a) {
  return {{"id", a.id},     {"rule", a.rule},       {"account", a.account},
          {"at", format_timestamp(a.at)}, {"what", a.what}, {"action", a.action}};
}

nlohmann::json book_to_json(const EpisodeBook& book) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, ep] : book) {
    nlohmann::json j = {{"rule", key.first}, {"account", key.second}, {"holding", ep.holding}, {"alerted", ep.alerted}};
    if (ep.last_alert) j["last_alert"] = *ep.last_alert;
    out.push_back(std::move(j));
  }
  return out;
}

Result<EpisodeBook> book_from_json(const nlohmann::json& j) {
  EpisodeBook book;
  if (!j.is_array()) return Status::InvalidArgument("episodes: expected an array");
  try {
    for (const auto& e : j) {
      Episode ep;
      ep.holding = e.at("holding").get<bool>();
      ep.alerted = e.at("alerted").get<bool>();
      if (e.contains("last_alert")) ep.last_alert = e.at("last_alert").get<Timestamp>();
      book[{e.at("rule").get<std::string>(), e.at("account").get<std::string>()}] = ep;
    }
  } catch (const nlohmann::json::exception& ex) {
    return Status::InvalidArgument(fmt::format("episodes: {}", ex.what()));
  }
  return book;
}

}  // namespace uplift::triggers
