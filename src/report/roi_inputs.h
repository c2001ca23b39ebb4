// Glue between loaded application state and the pure ROI functions, shared by the CLI
// (`uplift report`, `uplift stages`) and the HTTP server (GET /v1/reports/roi, /v1/stages…).
//
// Everything here takes already-loaded values (Dataset, states, graph, programs, cohorts) and
// reads nothing: where those values come from (the Store, the workspace) is app/'s business
// (app/cohort_store.h, app/roi_load.h).
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

namespace uplift::report {

// The graph's stages in journey order with the milestone that marks each (empty for none).
std::vector<attribution::StageGate> stage_gates(const milestones::Graph& graph);

// The quarterly report from loaded application state; `usage`: the target events' times when
// `data` holds no events (app/roi_load.h).
struct RoiRequest {
  Quarter quarter;
  attribution::RoiOptions options;
};
Result<attribution::RoiReport> build_roi(const Dataset& data, const cohorts::StateLookup& states,
                                         const milestones::Graph& graph, const std::vector<cohorts::Program>& programs,
                                         const std::vector<cohorts::Cohort>& cohorts, const RoiRequest& request,
                                         const std::map<std::string, attribution::EventTimes, std::less<>>* usage = nullptr);

}  // namespace uplift::report
