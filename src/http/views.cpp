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
    for (LearnerRef l : view.data().learners_of(id)) learners.push_back(l->id());
    j["learners"] = learners;
  }
  return j;
}

nlohmann::json learner_view(const app::View& view, LearnerRef l, bool detail) {
  nlohmann::json j = {{"id", l.id()}, {"account", l.account()}, {"audience", audience_name(view.data().audience_of(l))},
                      {"stage", stage_of(view, std::string(l.account()))}};
  if (!l.email().empty()) j["email"] = l.email();
  if (!l.role().empty()) j["role"] = l.role();
  if (!l.access_level().empty()) j["access_level"] = l.access_level();
  if (auto created = l.created_at()) j["created_at"] = format_timestamp(*created);
  if (auto aliases = l.aliases(); !aliases.empty()) j["aliases"] = aliases;
  if (detail) {
    nlohmann::json done = nlohmann::json::array();
    for (const CompletionRow& c : view.data().completions_of(l.id())) {
      nlohmann::json cj = {{"content", view.data().completion_content(c)},
                           {"status", completion_status_name(c.status)},
                           {"ts", format_timestamp(c.ts)}};
      if (c.has_score) cj["score"] = c.score_value;
      done.push_back(std::move(cj));
    }
    nlohmann::json att = nlohmann::json::array();
    for (const Attendance& a : view.data().attendance_of(l.id())) {
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

namespace {

enum class SortKey { kId, kText, kStage, kArr, kRenewalDate, kStalledDays };

// Every known account (records, evaluated states) in id order: a merge of the two sorted lists.
template <typename Visit>
void each_known_account(const app::View& view, Visit&& visit) {
  const auto& records = view.data().accounts();
  const auto& states = view.states();
  auto r = records.begin();
  auto s = states.begin();
  while (r != records.end() || s != states.end()) {
    if (s == states.end() || (r != records.end() && r->first < (*s)->account)) {
      visit(r->first, &r->second, nullptr);
      ++r;
    } else if (r == records.end() || (*s)->account < r->first) {
      visit((*s)->account, nullptr, s->get());
      ++s;
    } else {
      visit(r->first, &r->second, s->get());
      ++r, ++s;
    }
  }
}

}  // namespace

AccountPage select_accounts(const app::View& view, const AccountQuery& q, std::size_t offset, std::size_t limit) {
  // A row holds what its order needs, computed once: the comparison below is on plain values.
  struct Row {
    const std::string* id;
    const std::string* text;  // the sort's text field ("" when the account has no record)
    double number;            // arr, stage rank, stalled days or renewal date (-1 / none lowest)
    std::optional<long> idle;
  };
  SortKey key = SortKey::kText;
  if (q.sort == "id") key = SortKey::kId;
  else if (q.sort == "stage") key = SortKey::kStage;
  else if (q.sort == "arr") key = SortKey::kArr;
  else if (q.sort == "renewal_date") key = SortKey::kRenewalDate;
  else if (q.sort == "stalled_days") key = SortKey::kStalledDays;
  const std::string needle = lower_case(q.q);
  static const std::string kNone;
  const std::string& first_stage = view.graph().stages.empty() ? kNone : view.graph().stages.front();
  std::vector<Row> rows;
  each_known_account(view, [&](const std::string& id, const Account* a, const milestones::AccountState* st) {
    if (q.audience && (!a || a->audience != *q.audience)) return;
    const std::string& stage = st ? st->stage : first_stage;  // as stage_of() without a state
    if (!q.stage.empty() && stage != q.stage) return;
    if (!q.tier.empty() && (a ? a->tier : kNone) != q.tier) return;
    if (!q.plan.empty() && (a ? a->plan : kNone) != q.plan) return;
    if (!q.csm.empty() && (a ? a->csm : kNone) != q.csm) return;
    const bool no_flags = !st || st->flags.empty();
    if (q.flagged && no_flags) return;
    if (!q.flag.empty() && (no_flags || std::none_of(st->flags.begin(), st->flags.end(),
                                                       [&](const milestones::Flag& f) { return f.kind == q.flag; })))
      return;
    std::optional<long> idle = days_without_progress(view, id);
    // Stalled: still has something to reach (an account without events has everything to reach),
    // and reached nothing for that many days.
    if (q.stalled_days >= 0 && (!idle || *idle < q.stalled_days || (st && st->frontier.empty()))) return;
    if (!needle.empty() && lower_case(id).find(needle) == std::string::npos &&
        (!a || lower_case(a->name).find(needle) == std::string::npos))
      return;
    Row row{&id, &kNone, 0, idle};
    switch (key) {
      case SortKey::kId: break;
      case SortKey::kText:
        if (a) row.text = q.sort == "name" ? &a->name : q.sort == "csm" ? &a->csm : q.sort == "tier" ? &a->tier : &a->plan;
        break;
      case SortKey::kStage: row.number = stage_rank(view, stage); break;
      case SortKey::kArr: row.number = a && a->arr ? *a->arr : -1.0; break;
      case SortKey::kRenewalDate:
        row.number = a && a->renewal_date ? static_cast<double>(*a->renewal_date) : -1e300;
        break;
      case SortKey::kStalledDays: row.number = static_cast<double>(idle.value_or(-1)); break;
    }
    rows.push_back(row);
  });
  // The query's order; ties (and the id sort) by id ascending — a total order, so the page is
  // the same whichever selection algorithm finds it.
  auto before = [&](const Row& x, const Row& y) {
    if (key == SortKey::kText) {
      const int c = x.text->compare(*y.text);
      if (c != 0) return q.descending ? c > 0 : c < 0;
    } else if (key != SortKey::kId && x.number != y.number) {
      return q.descending ? x.number > y.number : x.number < y.number;
    } else if (key == SortKey::kId && q.descending) {
      return *x.id > *y.id;
    }
    return *x.id < *y.id;
  };
  AccountPage page;
  page.total = rows.size();
  if (offset >= rows.size()) return page;
  const std::size_t end = limit >= rows.size() - offset ? rows.size() : offset + limit;
  if (end < rows.size()) std::nth_element(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(end), rows.end(), before);
  std::sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(end), before);
  page.rows.reserve(end - offset);
  for (std::size_t i = offset; i < end; ++i) page.rows.push_back(AccountRow{*rows[i].id, rows[i].idle});
  return page;
}

}  // namespace uplift::http
