#include "report/roi_inputs.h"

namespace uplift::report {

std::vector<attribution::StageGate> stage_gates(const milestones::Graph& graph) {
  std::vector<attribution::StageGate> out;
  for (std::size_t i = 0; i < graph.stages.size(); ++i) {
    attribution::StageGate g{graph.stages[i], ""};
    int m = i < graph.stage_marker.size() ? graph.stage_marker[i] : -1;
    if (m >= 0 && static_cast<std::size_t>(m) < graph.milestones.size()) g.milestone = graph.milestones[m].id;
    out.push_back(std::move(g));
  }
  return out;
}

Result<attribution::RoiReport> build_roi(const Dataset& data, const cohorts::StateLookup& states,
                                         const milestones::Graph& graph, const std::vector<cohorts::Program>& programs,
                                         const std::vector<cohorts::Cohort>& cohorts, const RoiRequest& request,
                                         const std::map<std::string, attribution::EventTimes, std::less<>>* usage) {
  attribution::RoiInput in;
  in.data = &data;
  in.usage = usage;
  in.states = states;
  in.programs = programs;
  in.cohorts = cohorts;
  in.stages = stage_gates(graph);
  in.quarter = request.quarter;
  in.options = request.options;
  return attribution::compute_roi(in);
}

}  // namespace uplift::report
