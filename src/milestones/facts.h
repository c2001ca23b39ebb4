// Facts: the per-account measurements the evaluator derives states from. Internal to the
// milestones module (evaluator.cpp); split out to keep each file about one thing.
//
//  * scan_criteria: one pass over an account's events (sorted by time) computing, for the
//    requested criteria, when each threshold was first met and the whole-history value.
//  * time_values: the as-of-dependent numbers — the current window value of windowed criteria
//    and the recent/baseline volumes of decline triggers — found by binary search on time.
//  * assemble: gates, requires, stage, frontier and flags from those facts → AccountState.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/dataset.h"
#include "milestones/evaluator.h"
#include "milestones/graph.h"
#include "milestones/state.h"

namespace uplift::milestones::detail {

using Facts = Evaluator::CriterionFacts;

// Per-account thresholds after overrides.
struct Params {
  const Graph& graph;
  const Account* account;
  double threshold(int i) const;
  std::optional<int> window(int i) const;
  int k(int i) const;
};

// Values that depend on the as-of day, per milestone index.
struct TimeValues {
  std::vector<double> window_value;             // windowed criteria: value in the current window
  std::vector<double> recent, baseline;         // decline triggers: volume in each period
  bool nonzero = false;                         // any of the above is not zero
};

// Recomputes facts[i] for every criterion i in `criteria` (event criteria and completion criteria).
void scan_criteria(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
                   const std::vector<int>& criteria, std::vector<Facts>& facts);

TimeValues time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of);
// The earliest instant time_values() reads for this graph at this as-of (events before it do not
// matter for the time-dependent parts).
Timestamp time_horizon(const Graph& g, const std::vector<Override>& overrides, Timestamp as_of);

AccountState assemble(const Params& p, const std::string& account, const std::vector<Facts>& facts,
                      const TimeValues& tv, Timestamp as_of);

}  // namespace uplift::milestones::detail
