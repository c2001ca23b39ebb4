#include "milestones/evaluator.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <system_error>
#include <thread>

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

void add_unique(std::vector<int>& to, const std::vector<int>& from) {
  for (int i : from)
    if (std::find(to.begin(), to.end(), i) == to.end()) to.push_back(i);
}

// Runs work(i) for i in [0, n) on `threads` threads (the caller's among them), handing out
// chunks; `tick(done)` is called on the calling thread as work completes.
template <typename Work, typename Tick>
void parallel_for(std::size_t n, unsigned threads, const Work& work, const Tick& tick, std::size_t kChunk = 256) {
  std::atomic<std::size_t> next{0}, done{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto run = [&](bool caller) {
    try {
      while (!failed) {
        std::size_t begin = next.fetch_add(kChunk);
        if (begin >= n) break;
        std::size_t end = std::min(n, begin + kChunk);
        for (std::size_t i = begin; i < end; ++i) work(i);
        std::size_t d = done.fetch_add(end - begin) + (end - begin);
        if (caller) tick(d);
      }
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
  };
  // A thread per chunk at most; threads the system refuses to start are done without.
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  const std::size_t extra = std::min<std::size_t>(std::max(1u, threads), chunks) - (chunks > 0 ? 1 : 0);
  std::vector<std::thread> pool;
  pool.reserve(extra);
  for (std::size_t t = 0; t < extra; ++t) {
    try {
      pool.emplace_back(run, false);
    } catch (const std::system_error&) {
      break;
    }
  }
  run(true);
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

// Runs here() and there() at the same time when `threads` allows two, else one after the other.
template <typename Here, typename There>
void side_by_side(unsigned threads, const Here& here, const There& there) {
  if (threads < 2) {
    here();
    there();
    return;
  }
  std::exception_ptr error;
  {
    std::jthread other([&] {
      try {
        there();
      } catch (...) {
        error = std::current_exception();
      }
    });
    here();
  }
  if (error) std::rethrow_exception(error);
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
  return std::max(data.latest_event_ts(), data.latest_completion_ts());
}

Evaluator::Evaluator(const Graph& graph, const Dataset& data, std::optional<Timestamp> as_of)
    : graph_(graph), data_(data), fixed_as_of_(as_of) {
  as_of_ = as_of.value_or(0);
  evaluated_day_ = date_of(as_of_);
  threads_ = std::max(1u, std::thread::hardware_concurrency());
}

void Evaluator::rebuild(const ProgressFn& progress) {
  dirty_.clear();
  dirty_all_.clear();
  as_of_ = fixed_as_of_ ? *fixed_as_of_ : latest_fact_time(data_);
  evaluated_day_ = date_of(as_of_);
  const std::vector<std::string> accounts = all_accounts();

  // A slot per account for its state and its cache: the entry an earlier evaluation left (the
  // cache is recomputed in place, so its storage is reused; the state is replaced by a new
  // object) or a new one; entries of accounts not listed any more are dropped. The states (an
  // ordered map) are slotted beside the caches.
  const std::size_t total = accounts.size();
  std::vector<std::shared_ptr<const AccountState>*> state_slots(total);
  std::vector<AccountCache*> cache_slots(total);
  side_by_side(
      threads_,
      [&] {
        auto it = states_.begin();
        for (std::size_t i = 0; i < total; ++i) {
          while (it != states_.end() && it->first < accounts[i]) it = states_.erase(it);
          if (it == states_.end() || it->first != accounts[i]) it = states_.try_emplace(it, accounts[i]);
          state_slots[i] = &it->second;
          ++it;
        }
        states_.erase(it, states_.end());
      },
      [&] {
        caches_.reserve(total);
        for (std::size_t i = 0; i < total; ++i) cache_slots[i] = &caches_[accounts[i]];
        if (caches_.size() > total)
          std::erase_if(caches_, [&](const auto& c) { return !std::binary_search(accounts.begin(), accounts.end(), c.first); });
      });

  // Accounts are independent: evaluate them in parallel, each into its slots.
  const std::vector<int> criteria = all_criteria(graph_);
  std::size_t reported = 0;
  parallel_for(
      total, threads_,
      [&](std::size_t i) {
        const std::string& account = accounts[i];
        Params p{graph_, data_.account(account)};
        AccountCache& cache = *cache_slots[i];
        cache.facts.assign(graph_.milestones.size(), {});
        cache.memory.keys.clear();
        detail::scan_criteria(p, data_, account, as_of_, criteria, cache.facts, &cache.memory);
        cache.time.valid = false;
        detail::time_values(p, data_, account, as_of_, cache.time);
        auto state = std::make_shared<AccountState>();
        detail::assemble(p, account, cache.facts, cache.time.values, as_of_, *state);
        *state_slots[i] = std::move(state);  // a new object: one handed out earlier stays as it was
      },
      [&](std::size_t done) {
        if (progress && done / 1024 != reported / 1024 && done < total) progress(done, total);
        reported = done;
      });
  if (progress) progress(total, total);
}

std::vector<std::string> Evaluator::all_accounts() const {
  // Every account imported, with events or with learners: a union of sorted lists.
  std::vector<std::string> accounts, with_events = data_.event_accounts(), merged;
  accounts.reserve(data_.accounts().size());
  for (const auto& [id, _] : data_.accounts()) accounts.push_back(id);
  std::set_union(accounts.begin(), accounts.end(), with_events.begin(), with_events.end(), std::back_inserter(merged));
  accounts.clear();
  with_events = data_.learner_accounts();
  std::set_union(merged.begin(), merged.end(), with_events.begin(), with_events.end(), std::back_inserter(accounts));
  return accounts;
}

std::size_t Evaluator::resume(StateMap saved, Timestamp as_of) {
  dirty_.clear();
  dirty_all_.clear();
  caches_.clear();
  states_.clear();
  as_of_ = fixed_as_of_ ? *fixed_as_of_ : as_of;
  evaluated_day_ = date_of(as_of_);
  std::size_t adopted = 0;
  for (const std::string& account : all_accounts()) {
    auto it = saved.find(account);
    if (it != saved.end() && it->second && it->second->account == account) {
      states_.emplace_hint(states_.end(), account, std::move(it->second));
      ++adopted;
    } else {
      dirty_all_.insert(account);  // no saved state: evaluated at the next flush
    }
  }
  return adopted;
}

void Evaluator::mark(std::string_view account, const std::vector<int>& criteria) {
  add_unique(dirty_[std::string(account)].criteria, criteria);
}

void Evaluator::note(const Record& r) {
  switch (kind_of(r)) {
    case RecordKind::kEvent: {
      const auto& e = std::get<Event>(r);
      if (!fixed_as_of_) as_of_ = std::max(as_of_, e.ts);
      Pending& pending = dirty_[e.account];
      pending.events = true;
      auto it = graph_.by_event.find(e.name);
      if (it != graph_.by_event.end()) add_unique(pending.criteria, it->second);
      add_unique(pending.criteria, graph_.any_event);
      break;
    }
    case RecordKind::kAccount:
      dirty_all_.insert(std::get<Account>(r).id);  // overrides may now apply differently
      break;
    case RecordKind::kLearner: {
      const auto& l = std::get<Learner>(r);
      mark(l.account, graph_.completion_criteria);
      if (graph_.completion_criteria.empty()) break;
      // A learner that moved leaves its completions behind: its old account is evaluated again.
      const std::string_view moved_from = data_.learner_moved_from(l.id);
      if (!moved_from.empty() && moved_from != l.account) mark(std::string(moved_from), graph_.completion_criteria);
      if (!fixed_as_of_) as_of_ = std::max(as_of_, last_completion(data_, l.id));
      break;
    }
    case RecordKind::kRenewal: {
      // A churn turns the account's decline flags off: re-derive the state of an evaluated account
      // (no facts to rescan). A renewal alone does not make an account evaluated.
      const auto& account = std::get<Renewal>(r).account;
      if (caches_.count(account) || states_.count(account)) dirty_[account];
      break;
    }
    case RecordKind::kCompletion: {
      const auto& c = std::get<Completion>(r);
      const LearnerRef l = data_.learner(c.learner);
      // A source id re-credited to this learner leaves its earlier learner's account.
      if (LearnerRef before = data_.learner(data_.completion_moved_from(c.id)); before && (!l || before->account() != l->account()))
        mark(before->account(), graph_.completion_criteria);
      if (!l) break;  // attributable once the learner is known (note(Learner) rescans)
      if (!fixed_as_of_) as_of_ = std::max(as_of_, c.ts);
      mark(l->account(), graph_.completion_criteria);
      break;
    }
    default:
      break;
  }
}

bool Evaluator::evaluate(const std::string& account, const Pending* pending) {
  auto [cache, fresh] = caches_.try_emplace(account);
  return evaluate_into(account, pending, fresh, cache->second, states_[account], state_scratch_);
}

bool Evaluator::evaluate_into(const std::string& account, const Pending* pending, bool fresh, AccountCache& cache,
                              std::shared_ptr<const AccountState>& slot, AccountState& scratch) const {
  Params p{graph_, data_.account(account)};
  if (fresh || cache.facts.size() != graph_.milestones.size()) {
    cache.facts.assign(graph_.milestones.size(), {});
    cache.memory = {};
    pending = nullptr;
  }
  // Everything again (the account record — its overrides — changed, or nothing is known): the
  // time-dependent values too. Otherwise they fold in what was appended, if the day is the same.
  if (!pending) cache.time.valid = false;
  if (!pending) {
    detail::scan_criteria(p, data_, account, as_of_, all_criteria(graph_), cache.facts, &cache.memory);
  } else {
    std::vector<int> rescan;
    bool appended = pending->events && detail::only_appended(data_, account, cache.memory);
    for (int i : pending->criteria) {
      bool from_events = graph_.milestones[i].criterion->source == Source::kEvents;
      if (!from_events || !appended) rescan.push_back(i);
    }
    std::sort(rescan.begin(), rescan.end());
    if (!rescan.empty()) detail::scan_criteria(p, data_, account, as_of_, rescan, cache.facts, &cache.memory);
    if (appended) detail::scan_tail(p, data_, account, as_of_, cache.facts, cache.memory);
  }
  return store_state_into(account, cache, slot, scratch);
}

bool Evaluator::refresh_time_parts(const std::string& account) {
  auto cache = caches_.find(account);
  if (cache == caches_.end()) return states_.count(account) ? evaluate(account, nullptr) : false;  // resumed
  return store_state_into(account, cache->second, states_[account], state_scratch_);
}

bool Evaluator::store_state_into(const std::string& account, AccountCache& cache,
                                 std::shared_ptr<const AccountState>& slot, AccountState& scratch) const {
  Params p{graph_, data_.account(account)};
  detail::time_values(p, data_, account, as_of_, cache.time);
  detail::assemble(p, account, cache.facts, cache.time.values, as_of_, scratch);
  if (slot && *slot == scratch) return false;
  slot = std::make_shared<const AccountState>(scratch);  // never changed in place
  return true;
}

std::vector<std::string> Evaluator::flush() {
  std::vector<std::string> changed;
  Date today = date_of(as_of_);
  if (today != evaluated_day_) {
    // Windows and decline periods moved: refresh the time-dependent parts of every account not
    // about to be re-evaluated anyway whose state may depend on the day (see may_change_with_day).
    Date from = evaluated_day_;
    evaluated_day_ = today;
    if (detail::time_horizon(graph_, graph_.overrides, as_of_) <= as_of_) {
      for (const auto& [account, state] : states_) {
        if (dirty_.count(account) || dirty_all_.count(account)) continue;
        if (!detail::may_change_with_day(graph_, data_, account, *state, from, today)) continue;
        if (refresh_time_parts(account)) changed.push_back(account);
      }
    }
  }
  // The noted accounts: everything again for those in dirty_all_, else what is pending. Each has
  // its slots made first (the maps are not touched after); accounts are independent, so many are
  // evaluated on threads_ threads, each into its own slots with its own scratch state.
  struct Job {
    const std::string* account;
    const Pending* pending;
    AccountCache* cache;
    std::shared_ptr<const AccountState>* slot;
    bool fresh = false;    // its cache was made now
    bool changed = false;
  };
  std::vector<Job> jobs;
  jobs.reserve(dirty_all_.size() + dirty_.size());
  for (const auto& account : dirty_all_) jobs.push_back({&account, nullptr, nullptr, nullptr});
  for (const auto& [account, pending] : dirty_)
    if (!dirty_all_.count(account)) jobs.push_back({&account, &pending, nullptr, nullptr});
  for (Job& j : jobs) {
    auto [cache, fresh] = caches_.try_emplace(*j.account);
    j.cache = &cache->second;
    j.fresh = fresh;
    j.slot = &states_[*j.account];
  }
  auto run = [&](std::size_t i) {
    thread_local AccountState scratch;
    Job& j = jobs[i];
    j.changed = evaluate_into(*j.account, j.pending, j.fresh, *j.cache, *j.slot, scratch);
  };
  constexpr std::size_t kChunk = 32;  // an account takes some µs: threads pay off from 2 chunks on
  try {
    if (threads_ > 1 && jobs.size() >= 2 * kChunk) {
      ++threaded_flushes_;
      parallel_for(jobs.size(), threads_, run, [](std::size_t) {}, kChunk);
    } else {
      for (std::size_t i = 0; i < jobs.size(); ++i) run(i);
    }
  } catch (...) {
    // No account is left with an empty state slot (states() never holds a null state); the
    // noted accounts stay noted for the next flush.
    for (const Job& j : jobs)
      if (!*j.slot) states_.erase(*j.account);
    throw;
  }
  for (const Job& j : jobs)
    if (j.changed) changed.push_back(*j.account);
  dirty_.clear();
  dirty_all_.clear();
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  return changed;
}

const AccountState* Evaluator::state(std::string_view account) const {
  auto it = states_.find(account);
  return it == states_.end() ? nullptr : it->second.get();
}

std::shared_ptr<const AccountState> Evaluator::shared_state(std::string_view account) const {
  auto it = states_.find(account);
  return it == states_.end() ? nullptr : it->second;
}

std::map<std::string, AccountState, std::less<>> state_values(const StateMap& states) {
  std::map<std::string, AccountState, std::less<>> out;
  for (const auto& [account, state] : states) out.emplace_hint(out.end(), account, *state);
  return out;
}

}  // namespace uplift::milestones
