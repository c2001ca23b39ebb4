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

}  // namespace uplift::http
