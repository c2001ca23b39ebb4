// StageAggregates: the stage funnel's counts (GET /v1/stages) — accounts per stage, per tier, plan
// and CSM, and milestone conversion — kept up to date as accounts change instead of recomputed
// from every account on each request.
//
// Every known account (an account record, or an evaluated state of an account known only from its
// events) contributes one Contribution: its audience, tier, plan, CSM, stage and the milestones it
// achieved. The aggregates are sums of contributions in cells keyed by (audience, tier, plan, CSM,
// stage); a funnel for a filter sums the matching cells, so a request costs the number of distinct
// cells (a few thousand at most), not the number of accounts. A writer moves an account from its
// old contribution to its new one (add(old, -1), add(new, +1)) whenever its state or its record
// changed — a tier change, a new stage, a learner moving accounts — and publishes the result with
// the states (app/view.h). Promise: equal to funnel_by_scan-style recomputation from scratch at
// every version (tests/unit/workspace/aggregates_property_test.cpp holds it to that).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/records.h"
#include "milestones/graph.h"
#include "milestones/state.h"

namespace uplift::app {

// What one account adds to the aggregates.
struct Contribution {
  std::optional<Audience> audience;  // nullopt: no account record (counted only without an audience filter)
  std::string tier, plan, csm;       // from the record ("" when not set or no record)
  std::string stage;                 // the state's stage, else the graph's first stage
  std::vector<std::uint32_t> achieved;  // indexes of the graph's milestones achieved, ascending
  bool operator==(const Contribution&) const = default;
};

// The contribution of an account with this record (may be null) and state (may be null).
Contribution contribution_of(const milestones::Graph& graph, const Account* record, const milestones::AccountState* state);

struct FunnelFilter {
  std::optional<Audience> audience;  // only account records of this audience
  std::string tier, plan, csm;       // "" = any
};

// GET /v1/stages' numbers for one filter.
struct Funnel {
  long total = 0;
  std::map<std::string, long> per_stage;
  // dimension ("tier", "plan", "csm") → value → stage → accounts
  std::map<std::string, std::map<std::string, std::map<std::string, long>>> by;
  std::vector<long> achieved;  // per milestone index
};

class StageAggregates {
 public:
  // Adds (sign +1) or removes (sign -1) one account's contribution.
  void add(const Contribution& c, int sign);
  Funnel funnel(const FunnelFilter& filter, std::size_t milestones) const;
  bool operator==(const StageAggregates&) const = default;

 private:
  // (audience or -1, tier, plan, csm, stage)
  using Cell = std::tuple<int, std::string, std::string, std::string, std::string>;
  std::map<Cell, long> accounts_;
  std::map<std::pair<Cell, std::uint32_t>, long> achieved_;  // (cell, milestone index)
};

}  // namespace uplift::app
