// What `uplift report` reads from the Store when the stored milestone states are current
// (app::states_current): the report needs the accounts, ARR snapshots, renewals, attendance and
// the learners who attended, its programs' target events (their times only) and each account's
// milestone state — not the whole event log re-evaluated. 10M events then cost a scan of one
// event name instead of loading and evaluating every event.
//
// Promises: the same records the Workspace would hold for these kinds (store semantics, so a
// RoiInput built from them gives the same report), target event times sorted per account,
// states exactly as persisted. A malformed state document is an error naming its key.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "attribution/history.h"
#include "cohorts/cohort.h"
#include "cohorts/program.h"
#include "core/dataset.h"
#include "milestones/state.h"
#include "store/store.h"

namespace uplift::app {

struct RoiData {
  std::vector<cohorts::Cohort> cohorts;  // as load_cohorts gives them
  Dataset data;  // accounts, arr, renewals, attendance, attended learners; no events or completions
  std::map<std::string, milestones::AccountState, std::less<>> states;
  std::map<std::string, attribution::EventTimes, std::less<>> usage;  // target event → account → times
  std::size_t events = 0;                                             // target events read
  // Wall seconds of each part of the load (`--timing` prints them); each is written by one thread.
  struct Seconds {
    double usage = 0, states = 0, records = 0, learners = 0;  // learners: of eligible roles
  } seconds;
};

// `readers`, when given, are more connections to the same database (up to two are used): the
// target events and states are read through the first, the learners of eligible roles through
// the second, each on its own thread, while the rest is read through `store`.
Result<std::unique_ptr<RoiData>> load_roi_data(Store& store, const std::vector<cohorts::Program>& programs,
                                               std::span<Store* const> readers = {});

}  // namespace uplift::app
