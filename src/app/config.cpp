#include "app/config.h"

#include <fmt/format.h>

#include "milestones/loader.h"
#include "segments/loader.h"

namespace uplift::app {

std::string states_fingerprint(const std::filesystem::path& milestones_dir) {
  return std::string(kStateFormat) + ":" + milestone_fingerprint(milestones_dir);
}

Result<std::shared_ptr<const Config>> load_config(const std::filesystem::path& dir,
                                                  const std::filesystem::path& milestones_dir) {
  namespace fs = std::filesystem;
  auto config = std::make_shared<Config>();
  config->dir = dir;
  config->milestones_dir = milestones_dir;
  // The evaluator's semantics and the state format count as much as the graph: a release that
  // changes either changes kStateFormat, and saved states of another one are not resumed from.
  config->graph_fingerprint = states_fingerprint(milestones_dir);
  std::vector<std::string> problems;
  auto note = [&](const Status& st, const char* what) {
    if (!st.ok()) problems.push_back(st.with_context(what).message());
  };
  auto graph = milestones::load_graph_or_error(milestones_dir);
  if (!graph.ok()) {
    // Everything else is checked against the graph: nothing more can be said without it.
    return Status::InvalidArgument(graph.status().with_context("milestone graph").message());
  }
  config->graph = std::move(*graph);
  segments::KnownIds known{config->graph.stages, {}};
  for (const auto& m : config->graph.milestones) known.milestones.push_back(m.id);
  std::error_code ec;
  if (fs::path d = dir / "segments"; fs::is_directory(d, ec)) {
    auto set = segments::load_segments(d.string(), known);
    if (set.ok()) config->segments = std::move(*set);
    else note(set.status(), "segments");
  }
  if (fs::path d = dir / "content_maps"; fs::is_directory(d, ec)) {
    recommend::ContentRefs refs{known.milestones, {}};
    for (const auto& s : config->segments.segments) refs.segments.push_back(s.id);
    auto cm = recommend::load_content_map(d.string(), refs);
    if (cm.ok()) config->content = std::move(*cm);
    else note(cm.status(), "content map");
    // Accelerator programs live in the same files; their milestone and stage names must exist.
    auto programs = cohorts::load_programs(d.string());
    if (!programs.ok()) {
      note(programs.status(), "programs");
    } else if (Status refs_ok = cohorts::check_program_refs(*programs, known.milestones, config->graph.stages);
               !refs_ok.ok()) {
      note(refs_ok, "programs");
    } else {
      config->programs = std::move(*programs);
    }
  }
  if (fs::path d = dir / "triggers"; fs::is_directory(d, ec)) {
    auto rules = triggers::load_triggers(d, config->graph);
    if (rules.ok()) config->triggers = std::move(*rules);
    else note(rules.status(), "triggers");
  }
  if (fs::path d = dir / "sources"; fs::is_directory(d, ec)) {
    auto sources = ingest::load_sources(d);
    if (sources.ok()) config->sources = std::move(*sources);
    else note(sources.status(), "sources");
  }
  if (fs::path d = dir / "targets"; fs::is_directory(d, ec)) {
    auto targets = attribution::load_targets(d.string(), config->graph.stages);
    if (targets.ok()) config->targets = std::move(*targets);
    else note(targets.status(), "targets");
  }
  if (!problems.empty()) return Status::InvalidArgument(fmt::format("{}", fmt::join(problems, "\n")));
  return std::shared_ptr<const Config>(std::move(config));
}

}  // namespace uplift::app
