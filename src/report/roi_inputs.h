// Glue between the running application and the pure ROI/cohort functions, shared by the CLI
// (`uplift report`, `uplift cohorts`) and the HTTP server (GET /v1/reports/roi, /v1/cohorts…).
//
// Everything here takes already-loaded values (Dataset, states, graph, programs) except the
// cohort persistence helpers, which read and write the Store's "cohorts" documents.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "attribution/roi.h"
#include "cohorts/cohort.h"
#include "cohorts/program.h"
#include "cohorts/select.h"
#include "core/dataset.h"
#include "milestones/graph.h"
#include "store/store.h"

namespace uplift::report {

// The graph's stages in journey order with the milestone that marks each (empty for none).
std::vector<attribution::StageGate> stage_gates(const milestones::Graph& graph);

// Every cohort document, ordered by id. A malformed document is an error naming its key.
Result<std::vector<cohorts::Cohort>> load_cohorts(Store& store);
Result<cohorts::Cohort> get_cohort(Store& store, std::string_view id);
// Saves (creates or replaces) a cohort; replacing a sent/closed cohort with different content
// is FailedPrecondition (cohorts::check_replace).
Status save_cohort(Store& store, const cohorts::Cohort& cohort, Timestamp now);
// Stores a new cohort only where no cohort has its id (atomically, against other processes too):
// false, storing nothing, when the id is taken.
Result<bool> create_cohort(Store& store, const cohorts::Cohort& cohort, Timestamp now);
// Marks a proposed cohort sent (FailedPrecondition when it is closed; sending twice is a no-op).
Result<cohorts::Cohort> send_cohort(Store& store, std::string_view id, Timestamp now);
// Closes a sent cohort (closing again is a no-op): its accounts are free for other cohorts again,
// and the cohort stays as it was — a closed cohort never changes, and the report still reads it.
// A proposed cohort is refused (FailedPrecondition): it was never run; delete it instead.
Result<cohorts::Cohort> close_cohort(Store& store, std::string_view id, Timestamp now);
// Deletes a proposed cohort, only if nobody changed it since it was read (a cohort sent meanwhile,
// by this process or another, is never deleted: its holdout is an experiment record). NotFound
// when there is none; FailedPrecondition when it is sent or closed.
Status delete_cohort(Store& store, std::string_view id);

// The quarterly report from loaded application state; `usage`: the target events' times when
// `data` holds no events (roi_load.h).
struct RoiRequest {
  Quarter quarter;
  attribution::RoiOptions options;
};
Result<attribution::RoiReport> build_roi(const Dataset& data, const cohorts::StateLookup& states,
                                         const milestones::Graph& graph, const std::vector<cohorts::Program>& programs,
                                         const std::vector<cohorts::Cohort>& cohorts, const RoiRequest& request,
                                         const std::map<std::string, attribution::EventTimes, std::less<>>* usage = nullptr);

}  // namespace uplift::report
