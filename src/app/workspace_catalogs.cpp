// The Workspace's config: what recommendations and programs read, and reloading it
// (app/config.h holds the loading).
#include <filesystem>

#include "app/workspace.h"
#include "cohorts/program.h"
#include "segments/loader.h"

namespace uplift::app {


}  // namespace uplift::app

namespace uplift::app {

namespace {
// Whether the deliverer (which copied the destinations at start) would send the same way.
bool same_destinations(const triggers::DestinationSet& a, const triggers::DestinationSet& b) {
  if (a.destinations.size() != b.destinations.size()) return false;
  for (std::size_t i = 0; i < a.destinations.size(); ++i) {
    const auto &x = a.destinations[i], &y = b.destinations[i];
    if (triggers::destination_to_json(x) != triggers::destination_to_json(y) || x.url != y.url || x.secret != y.secret)
      return false;
  }
  return true;
}
}  // namespace

Result<Workspace::Reload> Workspace::reload_config() {
  std::lock_guard one_at_a_time(reload_mutex_);  // a SIGHUP and a POST: the later load wins, whole
  // Load and validate the whole config dir first, holding nothing: a bad config changes nothing.
  const std::shared_ptr<const Config> old = config_.load();
  auto next = load_config(old->dir, old->milestones_dir);
  if (!next.ok()) return next.status();
  const std::shared_ptr<const Config>& config = *next;
  // Pause ingest: become the group-commit leader (no group is applied while the evaluator is
  // rebuilt and swapped, so none is applied to the old evaluator only).
  {
    std::unique_lock queue(group_mutex_);
    group_cv_.wait(queue, [&] { return !group_leader_; });
    group_leader_ = true;
  }
  struct Resume {
    Workspace& ws;
    ~Resume() {
      std::lock_guard queue(ws.group_mutex_);
      ws.group_leader_ = false;
      ws.group_cv_.notify_all();
    }
  } resume{*this};
  std::vector<std::string> accounts;
  {
    std::lock_guard judging(alert_mutex_);  // the alerting thread reads rules under it
    // The records do not change while the writer lock is held: the new graph is evaluated beside
    // the published version, which readers go on reading, and then published with its config.
    std::lock_guard writer(writer_mutex_);
    auto evaluator = std::make_unique<milestones::Evaluator>(config->graph, data_, options_.as_of);
    evaluator->rebuild({});
    evaluated_config_ = config;
    evaluator_ = std::move(evaluator);
    config_.store(config);
    publish(nullptr, {}, /*queue_for_saver=*/false);  // persist_all_states below saves them all
    for (const auto& [account, state] : evaluator_->states()) accounts.push_back(account);
  }
  // The saved states and their watermark follow the new graph.
  Status saved = persist_all_states();
  if (alerting_) note_for_judgement(accounts);  // judged again under the new rules
  if (!saved.ok()) return saved.with_context("reloaded, but saving the re-evaluated states failed");
  Reload r;
  r.milestones = config->graph.milestones.size();
  r.segments = config->segments.segments.size();
  r.programs = config->programs.size();
  r.rules = config->triggers.rules.size();
  r.sources = config->sources.sources.size();
  r.destinations_changed = !same_destinations(config->triggers.destinations, old->triggers.destinations);
  return r;
}

}  // namespace uplift::app
