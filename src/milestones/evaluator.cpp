#include "milestones/evaluator.h"

#include <algorithm>
#include <numeric>

#include "milestones/facts.h"

namespace uplift::milestones {

using detail::Params;

namespace {

std::vector<int> all_criteria(const Graph& g) {
  std::vector<int> out;
  for (std::size_t i = 0; i < g.milestones.size(); ++i)
    if (g.milestones[i].criterion) out.push_back(static_cast<int>(i));
  return out;
}

Timestamp last_completion(const Dataset& data, const std::string& learner) {
  const auto& cs = data.completions_of(learner);
  return cs.empty() ? 0 : cs.back().ts;
}

}  // namespace

AccountState evaluate_account(const Graph& graph, const Dataset& data, const std::string& account,
                              Timestamp as_of) {
  Params p{graph, data.account(account)};
  std::vector<Evaluator::CriterionFacts> facts(graph.milestones.size());
  detail::scan_criteria(p, data, account, as_of, all_criteria(graph), facts);
  return detail::assemble(p, account, facts, detail::time_values(p, data, account, as_of), as_of);
}

Timestamp latest_fact_time(const Dataset& data) {
  Timestamp t = 0;
  for (const auto& a : data.event_accounts()) {
    const auto& ev = data.events_of(a);
    if (!ev.empty()) t = std::max(t, ev.back().ts);
  }
  for (const auto& [id, _] : data.learners()) t = std::max(t, last_completion(data, id));
  return t;
}

Evaluator::Evaluator(const Graph& graph, const Dataset& data, std::optional<Timestamp> as_of)
    : graph_(graph), data_(data), fixed_as_of_(as_of) {
  as_of_ = as_of.value_or(0);
  evaluated_day_ = date_of(as_of_);
}

void Evaluator::rebuild(const ProgressFn& progress) {
  states_.clear();
  caches_.clear();
  dirty_.clear();
  dirty_all_.clear();
  learner_account_.clear();
  as_of_ = fixed_as_of_ ? *fixed_as_of_ : latest_fact_time(data_);
  evaluated_day_ = date_of(as_of_);
  std::set<std::string> accounts;
  for (const auto& [id, _] : data_.accounts()) accounts.insert(id);
  for (auto& id : data_.event_accounts()) accounts.insert(std::move(id));
  for (const auto& [id, l] : data_.learners()) {
    accounts.insert(l.account);
    if (!graph_.completion_criteria.empty()) learner_account_[id] = l.account;
  }
  std::size_t done = 0, total = accounts.size();
  for (const auto& a : accounts) {
    evaluate(a, nullptr);
    if (progress && (++done % 1024 == 0 || done == total)) progress(done, total);
  }
}

void Evaluator::mark(const std::string& account, const std::vector<int>& criteria) {
  auto& set = dirty_[account];
  set.insert(criteria.begin(), criteria.end());
}

void Evaluator::note(const Record& r) {
  switch (kind_of(r)) {
    case RecordKind::kEvent: {
      const auto& e = std::get<Event>(r);
      if (!fixed_as_of_) as_of_ = std::max(as_of_, e.ts);
      auto& set = dirty_[e.account];
      auto it = graph_.by_event.find(e.name);
      if (it != graph_.by_event.end()) set.insert(it->second.begin(), it->second.end());
      set.insert(graph_.any_event.begin(), graph_.any_event.end());
      break;
    }
    case RecordKind::kAccount:
      dirty_all_.insert(std::get<Account>(r).id);  // overrides may now apply differently
      break;
    case RecordKind::kLearner: {
      const auto& l = std::get<Learner>(r);
      mark(l.account, graph_.completion_criteria);
      if (graph_.completion_criteria.empty()) break;
      auto [it, inserted] = learner_account_.try_emplace(l.id, l.account);
      if (!inserted && it->second != l.account) {
        mark(it->second, graph_.completion_criteria);
        it->second = l.account;
      }
      if (!fixed_as_of_) as_of_ = std::max(as_of_, last_completion(data_, l.id));
      break;
    }
    case RecordKind::kCompletion: {
      const auto& c = std::get<Completion>(r);
      const Learner* l = data_.learner(c.learner);
      if (!l) break;  // attributable once the learner is known (note(Learner) rescans)
      if (!fixed_as_of_) as_of_ = std::max(as_of_, c.ts);
      mark(l->account, graph_.completion_criteria);
      break;
    }
    default:
      break;
  }
}

void Evaluator::evaluate(const std::string& account, const std::set<int>* only) {
  Params p{graph_, data_.account(account)};
  auto& cache = caches_[account];
  if (cache.facts.size() != graph_.milestones.size()) {
    cache.facts.assign(graph_.milestones.size(), {});
    only = nullptr;
  }
  std::vector<int> criteria = only ? std::vector<int>(only->begin(), only->end()) : all_criteria(graph_);
  detail::scan_criteria(p, data_, account, as_of_, criteria, cache.facts);
  states_[account] = detail::assemble(p, account, cache.facts, detail::time_values(p, data_, account, as_of_), as_of_);
}

bool Evaluator::refresh_time_parts(const std::string& account) {
  auto cache = caches_.find(account);
  if (cache == caches_.end()) return false;
  Params p{graph_, data_.account(account)};
  auto tv = detail::time_values(p, data_, account, as_of_);
  AccountState next = detail::assemble(p, account, cache->second.facts, tv, as_of_);
  AccountState& cur = states_[account];
  if (next == cur) return false;
  cur = std::move(next);
  return true;
}

std::vector<std::string> Evaluator::flush() {
  std::vector<std::string> changed;
  Date today = date_of(as_of_);
  if (today != evaluated_day_) {
    // Windows and decline periods moved: refresh the time-dependent parts of everyone not
    // about to be re-evaluated anyway. Accounts without events since the horizon and without
    // time-dependent values keep their state (it cannot change).
    Timestamp horizon = detail::time_horizon(graph_, graph_.overrides, as_of_);
    Timestamp old_horizon = detail::time_horizon(graph_, graph_.overrides, start_of(evaluated_day_));
    evaluated_day_ = today;
    if (horizon <= as_of_) {
      for (const auto& [account, _] : states_) {
        if (dirty_.count(account) || dirty_all_.count(account)) continue;
        const auto& ev = data_.events_of(account);
        bool recent = !ev.empty() && ev.back().ts >= std::min(horizon, old_horizon);
        if (recent && refresh_time_parts(account)) changed.push_back(account);
      }
    }
  }
  for (const auto& account : dirty_all_) {
    AccountState before = states_.count(account) ? states_[account] : AccountState{};
    bool existed = states_.count(account) > 0;
    evaluate(account, nullptr);
    if (!existed || !(states_[account] == before)) changed.push_back(account);
    dirty_.erase(account);
  }
  for (const auto& [account, criteria] : dirty_) {
    auto it = states_.find(account);
    bool existed = it != states_.end();
    AccountState before = existed ? it->second : AccountState{};
    evaluate(account, &criteria);
    if (!existed || !(states_[account] == before)) changed.push_back(account);
  }
  dirty_.clear();
  dirty_all_.clear();
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  return changed;
}

const AccountState* Evaluator::state(std::string_view account) const {
  auto it = states_.find(account);
  return it == states_.end() ? nullptr : &it->second;
}

}  // namespace uplift::milestones
