// Alerting inside the Workspace: judging trigger rules as records change and writing what fires
// into the outbox (see workspace.h and alerts/outbox.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include <fmt/format.h>

#include "alerts/outbox.h"
#include "app/workspace.h"
#include "core/time.h"
#include "log/log.h"
#include "triggers/message.h"

namespace uplift::app {

namespace {
constexpr std::size_t kAccountsPerTransaction = 500;
constexpr int kConflictRounds = 5;
}  // namespace

std::vector<std::string> Workspace::touched_accounts(std::span<const Record> records, const WriteResult& written) const {
  std::set<std::string, std::less<>> out;
  auto learner_account = [&](const std::string& learner) {
    if (LearnerRef l = data_.learner(learner)) out.emplace(l->account());
  };
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i < written.outcomes.size() && written.outcomes[i] == WriteOutcome::kDuplicate) continue;
    std::visit(
        [&](const auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, Account>) out.insert(r.id);
          else if constexpr (std::is_same_v<T, Learner>) out.insert(r.account);
          else if constexpr (std::is_same_v<T, Completion> || std::is_same_v<T, Attendance>) learner_account(r.learner);
          else out.insert(r.account);  // Event, ArrSnapshot, Renewal
        },
        records[i]);
  }
  out.erase("");
  return {out.begin(), out.end()};
}

Status Workspace::judge_and_write(const std::vector<std::string>& accounts) {
  if (!alerting_ || config()->triggers.rules.empty() || accounts.empty()) return Status::OK();
  for (int round = 0; round < kConflictRounds; ++round) {
    Store::DocumentChanges changes;
    triggers::EpisodeBook judged;  // the new episodes of the accounts whose episodes changed
    std::vector<std::pair<std::string, std::string>> bodies;
    std::size_t fired = 0;
    const Timestamp now = wall_clock_now();
    {
      const View view = this->view();
      const Config* config = &view.config();
      const triggers::RuleSet& rules = config->triggers;
      triggers::Context ctx{&view.data(), &config->graph, view.state_lookup()};
      const recommend::ProgramFor programs = view.program_for();
      for (const auto& account : accounts) {
        triggers::EpisodeBook book;
        for (const auto& r : rules.rules)
          if (auto it = episodes_.find({r.id, account}); it != episodes_.end()) book.insert(*it);
        auto alerts = triggers::step(rules, ctx, {account}, view.as_of(), book);
        std::string body = alerts::episodes_body(book, account);
        auto old = episode_bodies_.find(account);
        const std::optional<std::string> before =
            old == episode_bodies_.end() ? std::nullopt : std::optional<std::string>(old->second);
        if (body == before.value_or("{}")) continue;
        changes.expect.push_back({alerts::kEpisodes, account, before});
        changes.put.push_back({alerts::kEpisodes, account, body, now});
        bodies.emplace_back(account, body);
        judged.insert(book.begin(), book.end());
        for (const auto& al : alerts) {
          const triggers::Rule* rule = rules.find(al.rule);
          const Account* acct = view.data().account(al.account);
          const std::string csm = acct ? acct->csm : "";
          auto context = triggers::alert_context(al, *rule, ctx, config->content, programs);
          auto docs = alerts::fired_documents(context, csm, rules.destinations.routing.for_csm(csm), now);
          changes.put.insert(changes.put.end(), docs.begin(), docs.end());
          ++fired;
        }
      }
    }
    if (changes.expect.empty() && changes.put.empty()) return Status::OK();
    auto wrote = store_->apply_documents(changes);
    if (!wrote.ok()) {
      ++failed_alert_writes_;
      return wrote.status();
    }
    if (*wrote) {
      for (auto& [key, ep] : judged) episodes_[key] = ep;
      for (auto& [account, body] : bodies) episode_bodies_[account] = body;
      fired_ += fired;
      if (fired && on_fired_) on_fired_();
      return Status::OK();
    }
    // Another replica changed some of these accounts' episodes: read them again and judge again.
    ++episode_conflicts_;
    for (const auto& e : changes.expect) {
      auto doc = store_->get_document(alerts::kEpisodes, e.key);
      if (!doc.ok() && doc.status().code() != Code::kNotFound) return doc.status();
      for (auto it = episodes_.begin(); it != episodes_.end();)
        it = it->first.second == e.key ? episodes_.erase(it) : std::next(it);
      if (!doc.ok()) {
        episode_bodies_.erase(e.key);
        continue;
      }
      episode_bodies_[e.key] = doc->body;
      (void)alerts::parse_episodes(e.key, doc->body, episodes_);  // unreadable: judged from nothing
    }
  }
  return Status::Aborted(fmt::format("trigger episodes kept changing under {} concurrent writer(s)' alerts; judged again later",
                                     accounts.size()));
}

void Workspace::note_for_judgement(const std::vector<std::string>& accounts) {
  if (accounts.empty()) return;
  {
    std::lock_guard l(touched_mutex_);
    to_judge_.insert(accounts.begin(), accounts.end());
  }
  touched_cv_.notify_one();
}

Status Workspace::start_alerting(std::function<void()> on_fired) {
  {
    std::lock_guard order(alert_mutex_);
    if (alerting_) return Status::OK();
    on_fired_ = std::move(on_fired);
    alerting_ = true;  // the episodes are read by detect_pending(), again until it succeeds
  }
  Status first = detect_pending();
  alerting_thread_ = std::thread([this] {
    // When the last pass over accounts that writes touched began (none yet: the first is at once).
    std::optional<std::chrono::steady_clock::time_point> last_pass;
    for (;;) {
      bool touched = false;
      {
        std::unique_lock l(touched_mutex_);
        touched_cv_.wait_for(l, std::chrono::milliseconds(250), [this] { return stop_alerting_ || !to_judge_.empty(); });
        // A write within the gap after the last such pass waits for the gap's end; the writes
        // arriving meanwhile join its pass. (A wake-up with nothing touched sets no gap.)
        if (!to_judge_.empty() && last_pass)
          touched_cv_.wait_until(l, *last_pass + std::chrono::milliseconds(options_.alert_min_gap_ms),
                                 [this] { return stop_alerting_; });
        if (stop_alerting_) return;
        touched = !to_judge_.empty();
      }
      if (touched) last_pass = std::chrono::steady_clock::now();
      if (Status st = judge_waiting(/*full_pass_may_wait=*/true); !st.ok())
        log::warn("alert judgement deferred", {{"error", st.message()}});
      if (touched) ++alert_passes_;  // counted once judged
    }
  });
  return first;  // a failure here is not fatal: the thread judges the accounts again
}

Workspace::~Workspace() {
  stop_alerting();
  stop_saver();
}

void Workspace::stop_alerting() {
  {
    std::lock_guard l(touched_mutex_);
    stop_alerting_ = true;
  }
  touched_cv_.notify_all();
  if (alerting_thread_.joinable()) alerting_thread_.join();
  std::lock_guard order(alert_mutex_);
  on_fired_ = nullptr;
}

Status Workspace::detect_pending() { return judge_waiting(/*full_pass_may_wait=*/false); }

Status Workspace::judge_waiting(bool full_pass_may_wait) {
  if (!alerting_) return Status::OK();
  std::lock_guard order(alert_mutex_);
  if (!episodes_loaded_) {
    // Nothing is judged before the stored episodes are known (or an episode could fire twice).
    episodes_.clear();
    episode_bodies_.clear();
    UPLIFT_RETURN_IF_ERROR(alerts::load_episodes(*store_, episodes_, episode_bodies_));
    episodes_loaded_ = true;
    const View view = this->view();
    for (const auto& [id, acct] : view.data().accounts()) undetected_.insert(id);  // everything, once
    judged_as_of_ = view.as_of();
    full_pass_steady_ms_ = steady_ms();
  }
  {
    std::lock_guard l(touched_mutex_);
    undetected_.insert(to_judge_.begin(), to_judge_.end());
    to_judge_.clear();
  }
  {
    const View view = this->view();
    // The accounts no write touched are owed a judgement at the new as-of. Within one UTC day
    // the thread may put it off to once per alert_full_pass_ms (judged_as_of_ stays until then):
    // rules count whole days, so a window can only open or close for an untouched account as the
    // day turns (a departure dated later that day starts to count, and stays counted) — and a
    // new day is judged at once, so no window is skipped for the delay.
    const std::int64_t now = steady_ms();
    const bool same_day = judged_as_of_ && date_of(*judged_as_of_) == date_of(view.as_of());
    if (judged_as_of_ != view.as_of() &&
        (!full_pass_may_wait || !same_day || now - full_pass_steady_ms_ >= options_.alert_full_pass_ms)) {
      for (const auto& [id, acct] : view.data().accounts()) undetected_.insert(id);
      judged_as_of_ = view.as_of();
      full_pass_steady_ms_ = now;
    }
  }
  while (!undetected_.empty()) {
    std::vector<std::string> chunk;
    for (auto it = undetected_.begin(); it != undetected_.end() && chunk.size() < kAccountsPerTransaction; ++it)
      chunk.push_back(*it);
    UPLIFT_RETURN_IF_ERROR(judge_and_write(chunk));
    for (const auto& a : chunk) undetected_.erase(a);
  }
  return Status::OK();
}

Workspace::AlertingCounts Workspace::alerting_counts() const {
  return {fired_.load(), episode_conflicts_.load(), failed_alert_writes_.load(), alert_passes_.load()};
}

}  // namespace uplift::app
