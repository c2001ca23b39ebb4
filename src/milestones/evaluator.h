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
//  * Thresholds, windows, gate k and decline triggers are per account: the first override of the
//    milestone matching the account wins (graph.h Override). A usage_decline flag follows
//    decline.h: established use, no churn, a drop of drop_pct that chance does not explain.
//
// Incremental: note() each record the Dataset accepted; flush() touches only the noted accounts.
// Events appended after an account's scanned history (the usual case) are folded into running
// counts, distinct-key sets and windows re-primed by binary search — no rescan; an event that
// lands inside the scanned history (out-of-order arrival) rescans only the criteria that read
// its name (index by name). Then the account's gates, stage, frontier and flags are re-derived. When the as-of day moves, only the time-dependent parts
// (window progress, usage-decline flags) are refreshed, by binary search on each account's
// events. A renewal re-derives only the flags of its account (a churn stops decline flags). The result always equals a full rebuild(); tests hold it to that.
// rebuild(), and a flush() of 64 or more noted accounts, evaluate accounts on threads() threads
// (accounts are independent; the Dataset and Graph are only read). Otherwise not thread-safe: one
// writer at a time (Workspace's writer).
// States are immutable once made: a changed account gets a new AccountState object, so a state
// handed out (shared_state(), states()) never changes under its holder — the Workspace publishes
// them to readers without copying (app/view.h).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/dataset.h"
#include "milestones/decline.h"
#include "milestones/graph.h"
#include "milestones/state.h"

namespace uplift::milestones {

namespace detail {
// A set of owned strings that can be searched by string_view.
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using KeySet = std::unordered_set<std::string, KeyHash, std::equal_to<>>;

// What a scan remembers so later events can be folded in without rescanning the history.
// Invariant: the event criteria's facts reflect exactly events_of(account)[0, scanned), which are
// all the account's events at or before as-of when the scan ran.
struct ScanMemory {
  std::size_t scanned = 0;
  std::uint64_t last_id = 0;  // id hash of events[scanned - 1]: an insert before the tail changes it
  // Whole-history distinct keys of each unwindowed distinct criterion (milestone index, keys).
  std::vector<std::pair<int, KeySet>> keys;
};

// Values that depend on the as-of day, per milestone index.
struct TimeValues {
  std::vector<double> window_value;             // windowed criteria: value in the current window
  std::vector<DeclineVolume> decline;           // decline triggers: volume in each period
  bool churned = false;                         // churned as of the as-of day (no decline flags)
  bool nonzero = false;                         // any of the above volumes is not zero
};

// What a time_values() run remembers so events appended later on the same as-of day are folded in
// without reading the account's window and decline periods again. Invariant (while valid): values
// are time_values() at an as-of on `day`, from exactly events_of(account)[0, scanned) — the
// account's events at or before that as-of — with `window_keys` the keys each windowed distinct
// criterion saw in its window (milestone index, keys).
struct TimeMemory {
  bool valid = false;
  Date day = 0;
  std::size_t scanned = 0;
  std::uint64_t last_id = 0;  // id hash of events[scanned - 1]: an insert before the tail changes it
  TimeValues values;
  std::vector<std::pair<int, KeySet>> window_keys;
};
}  // namespace detail

using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

// Every account's state by account id; each state is immutable and may be shared.
using StateMap = std::map<std::string, std::shared_ptr<const AccountState>, std::less<>>;
// The states by value (for comparing two evaluations).
std::map<std::string, AccountState, std::less<>> state_values(const StateMap& states);

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
  // `progress` is called from the calling thread only.
  void rebuild(const ProgressFn& progress = {});
  // Starts from states evaluated earlier instead of evaluating every account: `saved` are taken
  // as they are, as evaluated at `as_of` (ignored when the as-of is fixed) from the graph this
  // evaluator holds and the records the Dataset held then. Accounts without a saved state are
  // evaluated at the next flush(). The caller then note()s every record that arrived after
  // the states were saved and flush()es: an adopted account is evaluated again (wholly, the first
  // time) when a record touches it or the as-of day moves in a way that can change it, so the
  // result equals rebuild(). Returns how many saved states were adopted.
  std::size_t resume(StateMap saved, Timestamp as_of);
  // Threads rebuild() and a wide flush() use (default: the hardware's, at least 1).
  void set_threads(unsigned n) { threads_ = n == 0 ? 1 : n; }
  unsigned threads() const { return threads_; }
  // Call after Dataset::apply(r) returned true. Cheap; work happens in flush().
  void note(const Record& r);
  // Brings every noted account (and, if the as-of day moved, every time-dependent part) up to
  // date. Returns the accounts whose state changed, sorted.
  std::vector<std::string> flush();
  // How many flush()es evaluated their accounts on more than one thread.
  std::size_t threaded_flushes() const { return threaded_flushes_; }

  const AccountState* state(std::string_view account) const;
  std::shared_ptr<const AccountState> shared_state(std::string_view account) const;
  const StateMap& states() const { return states_; }
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
    detail::ScanMemory memory;
    detail::TimeMemory time;  // the time-dependent values, kept for appended events on the same day
  };
  // Pending work for one account: criteria to rescan when its events were not only appended.
  struct Pending {
    std::vector<int> criteria;
    bool events = false;  // an event was noted (the appended tail may hold new facts)
  };

  const Graph& graph_;
  const Dataset& data_;
  std::optional<Timestamp> fixed_as_of_;
  Timestamp as_of_ = 0;
  StateMap states_;
  std::unordered_map<std::string, AccountCache> caches_;
  std::unordered_map<std::string, Pending> dirty_;
  std::set<std::string> dirty_all_;  // everything to recompute (the account record changed)
  Date evaluated_day_ = 0;
  unsigned threads_ = 1;
  std::size_t threaded_flushes_ = 0;
  AccountState state_scratch_;

  // Brings the account's state up to date (everything when `pending` is null). Returns whether it
  // changed.
  bool evaluate(const std::string& account, const Pending* pending);
  // Every account to evaluate: imported, with events or with learners (sorted).
  std::vector<std::string> all_accounts() const;
  void mark(std::string_view account, const std::vector<int>& criteria);
  bool refresh_time_parts(const std::string& account);
  // evaluate() into the given cache and state slot, with `scratch` for the new state: touches no
  // member, so accounts with slots of their own may be evaluated on several threads at once.
  // `fresh`: the cache was made for this call.
  bool evaluate_into(const std::string& account, const Pending* pending, bool fresh, AccountCache& cache,
                     std::shared_ptr<const AccountState>& slot, AccountState& scratch) const;
  // Re-derives the account's state from its cached facts at as_of_ into `slot` (a new object when
  // it changed); returns whether it changed.
  bool store_state_into(const std::string& account, AccountCache& cache, std::shared_ptr<const AccountState>& slot,
                        AccountState& scratch) const;
};

}  // namespace uplift::milestones
