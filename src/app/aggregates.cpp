// StageAggregates (app/aggregates.h).
#include "app/aggregates.h"

namespace uplift::app {

Contribution contribution_of(const milestones::Graph& graph, const Account* record, const milestones::AccountState* state) {
  Contribution c;
  if (record) {
    c.audience = record->audience;
    c.tier = record->tier;
    c.plan = record->plan;
    c.csm = record->csm;
  }
  if (state && !state->stage.empty()) c.stage = state->stage;
  else if (!graph.stages.empty()) c.stage = graph.stages.front();
  if (state)
    for (std::size_t i = 0; i < graph.milestones.size(); ++i)
      if (const auto* m = state->find(graph.milestones[i].id); m && m->achieved)
        c.achieved.push_back(static_cast<std::uint32_t>(i));
  return c;
}

void StageAggregates::add(const Contribution& c, int sign) {
  Cell cell{c.audience ? static_cast<int>(*c.audience) : -1, c.tier, c.plan, c.csm, c.stage};
  auto bump = [sign](auto& map, const auto& key) {
    auto [it, fresh] = map.try_emplace(key, 0);
    it->second += sign;
    if (it->second == 0) map.erase(it);  // cells of no account go: equal aggregates compare equal
  };
  bump(accounts_, cell);
  for (std::uint32_t m : c.achieved) bump(achieved_, std::make_pair(cell, m));
}

Funnel StageAggregates::funnel(const FunnelFilter& f, std::size_t milestones) const {
  auto matches = [&f](const Cell& cell) {
    const auto& [audience, tier, plan, csm, stage] = cell;
    if (f.audience && audience != static_cast<int>(*f.audience)) return false;
    return (f.tier.empty() || tier == f.tier) && (f.plan.empty() || plan == f.plan) && (f.csm.empty() || csm == f.csm);
  };
  Funnel out;
  out.achieved.assign(milestones, 0);
  for (const auto& [cell, n] : accounts_) {
    if (!matches(cell)) continue;
    const auto& [audience, tier, plan, csm, stage] = cell;
    out.total += n;
    out.per_stage[stage] += n;
    out.by["tier"][tier][stage] += n;
    out.by["plan"][plan][stage] += n;
    out.by["csm"][csm][stage] += n;
  }
  for (const auto& [key, n] : achieved_)
    if (key.second < milestones && matches(key.first)) out.achieved[key.second] += n;
  return out;
}

}  // namespace uplift::app
