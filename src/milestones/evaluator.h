// Evaluator: every account's AccountState under one Graph, kept current incrementally.
//
// Semantics (README "Milestone graphs" documents them for graph authors):
//  * A criterion is *met* at the time of the event (or completion) that first satisfied it —
//    event time, not import time, so out-of-order arrival gives the same answer.
//  * Windowed criteria (window_days W) are met when the threshold was reached within any W
//    consecutive UTC days; once met they stay achieved (achieved_at = first time). Their
//    progress shows the value of the current window: the W days ending on the as-of day.
//  * A milestone is achieved when its criterion (or gate) is met and every `requires` is
//    achieved; achieved_at is the latest of those times.
//  * as_of: an explicit instant, else the latest event/completion time in the dataset — never
//    the wall clock. Facts after as_of are ignored; windows and declines end on its UTC day.
//
// Incremental: note() each record the Dataset accepted; flush() rescans only the criteria that
// read the noted event names (index by name) for the touched accounts, then re-derives their
// gates, stage, frontier and flags. When the as-of day moves, only the time-dependent parts
// (window progress, usage-decline flags) are refreshed, by binary search on each account's
// events. The result always equals a full rebuild(); tests hold it to that.
// Not thread-safe; the owner serialises calls (Workspace holds a shared_mutex).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dataset.h"
#include "milestones/graph.h"
#include "milestones/state.h"

namespace uplift::milestones {

using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

// Evaluates one account from scratch: the reference every other path must equal.
AccountState evaluate_account(const Graph& graph, const Dataset& data, const std::string& account,
                              Timestamp as_of);
// The default as-of instant: the latest event or completion time in the dataset (0 if none).
Timestamp latest_fact_time(const Dataset& data);

class Evaluator {
 public:
  // Both must outlive the evaluator. `as_of` fixes the reference instant (see file comment).
  Evaluator(const Graph& graph, const Dataset& data, std::optional<Timestamp> as_of = {});

  // Evaluates every account: those imported, those with events, those with learners.
  void rebuild(const ProgressFn& progress = {});
  // Call after Dataset::apply(r) returned true. Cheap; work happens in flush().
  void note(const Record& r);
  // Brings every noted account (and, if the as-of day moved, every time-dependent part) up to
  // date. Returns the accounts whose state changed, sorted.
  std::vector<std::string> flush();

  const AccountState* state(std::string_view account) const;
  const std::map<std::string, AccountState, std::less<>>& states() const { return states_; }
  Timestamp as_of() const { return as_of_; }
  const Graph& graph() const { return graph_; }

  // Per-criterion facts that do not depend on as-of (public for the tests' inspection).
  struct CriterionFacts {
    std::optional<Timestamp> met_at;     // first time the threshold was reached
    std::optional<Timestamp> first_use;  // first matching fact
    double total = 0;                    // whole-history value (non-windowed progress)
    bool operator==(const CriterionFacts&) const = default;
  };

 private:
  struct AccountCache {
    std::vector<CriterionFacts> facts;  // per milestone index (gates unused)
  };

  const Graph& graph_;
  const Dataset& data_;
  std::optional<Timestamp> fixed_as_of_;
  Timestamp as_of_ = 0;
  std::map<std::string, AccountState, std::less<>> states_;
  std::unordered_map<std::string, AccountCache> caches_;
  // Pending work: account -> criteria to rescan (empty vector + all flag = everything).
  std::map<std::string, std::set<int>> dirty_;
  std::set<std::string> dirty_all_;
  std::unordered_map<std::string, std::string> learner_account_;  // only with completion criteria
  Date evaluated_day_ = 0;

  void evaluate(const std::string& account, const std::set<int>* only);
  void mark(const std::string& account, const std::vector<int>& criteria);
  bool refresh_time_parts(const std::string& account);
};

}  // namespace uplift::milestones
