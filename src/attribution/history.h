// Looking back in time: an account's stage, ARR and usage as of past dates.
//
// The milestone engine keeps only the current AccountState, but every milestone carries the
// instant it was reached (achieved_at), so the stage as of any date is the furthest stage whose
// gate milestone was reached by then. ARR as of a date is the latest `arr` snapshot on or before
// it, falling back to the account record's `arr`. Usage windows are whole UTC days.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dataset.h"
#include "milestones/state.h"

namespace uplift::attribution {

// One journey stage and the milestone that marks reaching it; the first stage usually has none.
struct StageGate {
  std::string stage;
  std::string milestone;  // empty: every account starts here
};

// Index into `gates` of the furthest stage reached by instant t (0 when none / no state).
int stage_index_at(const milestones::AccountState* state, const std::vector<StageGate>& gates, Timestamp t);

// Latest snapshot on or before `day`, else the account's arr, else 0.
double arr_at(const Dataset& data, std::string_view account, Date day);

// Times of one event name per account (account → times sorted ascending), for callers that read
// only the events they need instead of every event into a Dataset (`uplift report`).
using EventTimes = std::unordered_map<std::string, std::vector<Timestamp>>;

// Sorted timestamps of one event name per account: from `given` when not null (the Dataset's
// events are then not read), else built lazily from the Dataset.
class UsageIndex {
 public:
  UsageIndex(const Dataset& data, std::string event, const EventTimes* given = nullptr)
      : data_(data), event_(std::move(event)), given_(given) {}
  // Number of `event` events with day(ts) in [from, to) (days).
  double count(std::string_view account, Date from, Date to);
  const std::string& event() const { return event_; }

 private:
  const std::vector<Timestamp>& times(std::string_view account);
  const Dataset& data_;
  std::string event_;
  const EventTimes* given_;
  std::unordered_map<std::string, std::vector<Timestamp>> cache_;
};

}  // namespace uplift::attribution
