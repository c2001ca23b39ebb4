#include "http/views.h"

#include <algorithm>

#include "milestones/state_json.h"

namespace uplift::http {

std::vector<std::string> known_accounts(const app::View& view) {
  std::vector<std::string> ids;
  for (const auto& [id, a] : view.data().accounts()) ids.push_back(id);
  for (const auto& s : view.states()) ids.push_back(s->account);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::string stage_of(const app::View& view, const std::string& account) {
  if (const auto* st = view.state(account); st && !st->stage.empty()) return st->stage;
  return view.graph().stages.empty() ? std::string() : view.graph().stages.front();
}

nlohmann::json account_view(const app::View& view, const std::string& id, bool detail) {
  nlohmann::json j = nlohmann::json::object();
  const auto* st = view.state(id);
  if (st) {
    j = milestones::to_json(*st);
    j.erase("account");
    if (!detail) j.erase("milestones");
  } else {
    j["stage"] = stage_of(view, id);
    j["frontier"] = nlohmann::json::array();
    j["flags"] = nlohmann::json::array();
    if (detail) j["milestones"] = nlohmann::json::array();
  }
  j["id"] = id;
  if (const Account* a = view.data().account(id)) {
    if (!a->name.empty()) j["name"] = a->name;
    if (!a->plan.empty()) j["plan"] = a->plan;
    if (!a->tier.empty()) j["tier"] = a->tier;
    if (!a->csm.empty()) j["csm"] = a->csm;
    if (a->arr) j["arr"] = *a->arr;
    if (a->renewal_date) j["renewal_date"] = format_date(*a->renewal_date);
    if (a->created_at) j["created_at"] = format_timestamp(*a->created_at);
    j["audience"] = audience_name(a->audience);
  }
  if (detail) {
    nlohmann::json learners = nlohmann::json::array();
    for (const Learner* l : view.data().learners_of(id)) learners.push_back(l->id);
    j["learners"] = learners;
  }
  return j;
}

nlohmann::json learner_view(const app::View& view, const Learner& l, bool detail) {
  nlohmann::json j = {{"id", l.id}, {"account", l.account}, {"audience", audience_name(view.data().audience_of(l))},
                      {"stage", stage_of(view, l.account)}};
  if (!l.email.empty()) j["email"] = l.email;
  if (!l.role.empty()) j["role"] = l.role;
  if (!l.access_level.empty()) j["access_level"] = l.access_level;
  if (l.created_at) j["created_at"] = format_timestamp(*l.created_at);
  if (!l.aliases.empty()) j["aliases"] = l.aliases;
  if (detail) {
    nlohmann::json done = nlohmann::json::array();
    for (const Completion& c : view.data().completions_of(l.id)) {
      nlohmann::json cj = {{"content", c.content},
                           {"status", completion_status_name(c.status)},
                           {"ts", format_timestamp(c.ts)}};
      if (c.score) cj["score"] = *c.score;
      done.push_back(std::move(cj));
    }
    nlohmann::json att = nlohmann::json::array();
    for (const Attendance& a : view.data().attendance_of(l.id)) {
      nlohmann::json aj = {{"program", a.program}, {"session", a.session}, {"ts", format_timestamp(a.ts)},
                           {"attended", a.attended}};
      if (!a.cohort.empty()) aj["cohort"] = a.cohort;
      att.push_back(std::move(aj));
    }
    j["completions"] = done;
    j["attendance"] = att;
  }
  return j;
}

std::optional<long> days_without_progress(const app::View& view, const std::string& id) {
  std::optional<Timestamp> last;
  if (const auto* st = view.state(id))
    for (const auto& m : st->milestones)
      if (m.achieved && m.achieved_at && (!last || *m.achieved_at > *last)) last = m.achieved_at;
  if (!last)
    if (const Account* a = view.data().account(id)) last = a->created_at;
  if (!last) return std::nullopt;
  return std::max<long>(0, static_cast<long>((view.as_of() - *last) / 86'400'000));
}

std::string lower_case(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

int stage_rank(const app::View& view, const std::string& stage) {
  const auto& st = view.graph().stages;
  auto it = std::find(st.begin(), st.end(), stage);
  return it == st.end() ? -1 : static_cast<int>(it - st.begin());
}

std::vector<AccountRow> select_accounts(const app::View& view, const AccountQuery& q) {
  struct Row {
    AccountRow out;
    const Account* record;
    const milestones::AccountState* state;
    std::string stage;
  };
  const std::string needle = lower_case(q.q);
  static const std::string kNone;
  std::vector<Row> rows;
  for (auto& id : known_accounts(view)) {
    const Account* a = view.data().account(id);
    if (q.audience && (!a || a->audience != *q.audience)) continue;
    const milestones::AccountState* st = view.state(id);
    std::string stage = st ? st->stage : stage_of(view, id);
    const std::string& tier = a ? a->tier : kNone;
    const std::string& plan = a ? a->plan : kNone;
    const std::string& csm = a ? a->csm : kNone;
    const std::string& name = a ? a->name : kNone;
    if (!q.stage.empty() && stage != q.stage) continue;
    if (!q.tier.empty() && tier != q.tier) continue;
    if (!q.plan.empty() && plan != q.plan) continue;
    if (!q.csm.empty() && csm != q.csm) continue;
    const bool no_flags = !st || st->flags.empty();
    if (q.flagged && no_flags) continue;
    if (!q.flag.empty() && (no_flags || std::none_of(st->flags.begin(), st->flags.end(),
                                                       [&](const milestones::Flag& f) { return f.kind == q.flag; })))
      continue;
    std::optional<long> idle = days_without_progress(view, id);
    // Stalled: still has something to reach (an account without events has everything to reach),
    // and reached nothing for that many days.
    if (q.stalled_days >= 0 && (!idle || *idle < q.stalled_days || (st && st->frontier.empty()))) continue;
    if (!needle.empty() && lower_case(id).find(needle) == std::string::npos &&
        lower_case(name).find(needle) == std::string::npos)
      continue;
    rows.push_back(Row{AccountRow{std::move(id), idle}, a, st, std::move(stage)});
  }
  // -1 / "" / no date for what the account does not have, as the JSON views compare.
  auto arr = [](const Row& r) { return r.record && r.record->arr ? *r.record->arr : -1.0; };
  auto text = [&](const Row& r) -> const std::string& {
    if (!r.record) return kNone;
    if (q.sort == "name") return r.record->name;
    if (q.sort == "csm") return r.record->csm;
    if (q.sort == "tier") return r.record->tier;
    return r.record->plan;
  };
  auto less = [&](const Row& a, const Row& b) {
    if (q.sort == "arr") return arr(a) < arr(b);
    if (q.sort == "stalled_days") return a.out.stalled_days.value_or(-1) < b.out.stalled_days.value_or(-1);
    if (q.sort == "stage") return stage_rank(view, a.stage) < stage_rank(view, b.stage);
    if (q.sort == "renewal_date") {
      auto d = [](const Row& r) { return r.record ? r.record->renewal_date : std::nullopt; };
      return d(a) < d(b);
    }
    if (q.sort == "id") return a.out.id < b.out.id;
    return text(a) < text(b);
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    bool lt = less(a, b), gt = less(b, a);
    if (lt != gt) return q.descending ? gt : lt;
    return a.out.id < b.out.id;
  });
  std::vector<AccountRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(std::move(r.out));
  return out;
}

}  // namespace uplift::http
