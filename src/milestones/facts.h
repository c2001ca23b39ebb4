// Facts: the per-account measurements the evaluator derives states from. Internal to the
// milestones module (evaluator.cpp); split out to keep each file about one thing.
//
//  * scan_criteria: one pass over an account's events (sorted by time) computing, for the
//    requested criteria, when each threshold was first met and the whole-history value.
//  * scan_tail: folds events appended after the scanned prefix into the facts of every event
//    criterion (a running count; windows re-primed by binary search), equal to a rescan.
//  * time_values: the as-of-dependent numbers — the current window value of windowed criteria
//    and the recent/baseline volumes of decline triggers — found by binary search on time.
//  * assemble (assemble.cpp): gates, requires, stage, frontier and flags from those facts →
//    AccountState; and when a new day can change them (may_change_with_day, time_horizon).
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

// Slack for comparing a measured value with its threshold (sums of fractional qty).
inline constexpr double kEps = 1e-9;

// Per-account thresholds after overrides.
struct Params {
  const Graph& graph;
  const Account* account;
  double threshold(int i) const;
  std::optional<int> window(int i) const;
  int k(int i) const;
  std::optional<Decline> decline(int i) const;  // the usage-decline trigger, if any
};

// ScanMemory (what a scan remembers) and TimeValues (the as-of-dependent numbers) are declared
// in evaluator.h.

// Recomputes facts[i] for every criterion i in `criteria` (event criteria and completion criteria)
// from the whole history; `memory` (when given) is updated for the rescanned event criteria.
void scan_criteria(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
                   const std::vector<int>& criteria, std::vector<Facts>& facts, ScanMemory* memory = nullptr);

// True when the account's events are memory's scanned prefix plus events appended after it.
bool only_appended(const Dataset& data, const std::string& account, const ScanMemory& memory);
// Folds events_of(account)[memory.scanned, …) at or before as_of into the facts of every event
// criterion. Requires only_appended(); the result equals scan_criteria over every event criterion.
void scan_tail(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of,
               std::vector<Facts>& facts, ScanMemory& memory);

TimeValues time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of);
// Same into `out`, reusing its storage.
void time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of, TimeValues& out);
// The evaluator's hot path: memory.values = time_values(p, data, account, as_of). When memory holds
// the values of the same as-of day and the account's events since are only appended after what it
// read, only those are read (folded in); otherwise everything is read again and remembered. The
// account's record (its overrides) and the graph must be those memory was filled under — callers
// invalidate it (valid = false) when either changes. Churn is re-derived every time.
void time_values(const Params& p, const Dataset& data, const std::string& account, Timestamp as_of, TimeMemory& memory);
// Whether moving the as-of day from `from` to `to` may change the time-dependent parts of the
// account's state: it has a usage-decline flag (dated by the as-of day), an event crosses a window
// or decline-period boundary on the way, or its churn status may change (a renewal or the account's
// renewal date on the way).
bool may_change_with_day(const Graph& g, const Dataset& data, const std::string& account, const AccountState& state,
                         Date from, Date to);
// The earliest instant time_values() reads for this graph at this as-of (events before it do not
// matter for the time-dependent parts).
Timestamp time_horizon(const Graph& g, const std::vector<Override>& overrides, Timestamp as_of);

AccountState assemble(const Params& p, const std::string& account, const std::vector<Facts>& facts,
                      const TimeValues& tv, Timestamp as_of);
// Same into `s` (every field overwritten), reusing its strings' and vectors' storage.
void assemble(const Params& p, const std::string& account, const std::vector<Facts>& facts, const TimeValues& tv,
              Timestamp as_of, AccountState& s);

}  // namespace uplift::milestones::detail
