// Loading the segment catalog and content map into the Workspace (kept apart from workspace.cpp
// so the milestone and recommendation sides can change independently).
#include <filesystem>

#include "app/workspace.h"
#include "cohorts/program.h"
#include "segments/loader.h"

namespace uplift::app {

Status Workspace::load_catalogs() {
  namespace fs = std::filesystem;
  segments::KnownIds known{graph_.stages, {}};
  for (const auto& m : graph_.milestones) known.milestones.push_back(m.id);
  std::error_code ec;
  if (fs::path dir = config_dir_ / "segments"; fs::is_directory(dir, ec)) {
    auto set = segments::load_segments(dir.string(), known);
    if (!set.ok()) return set.status().with_context("segments");
    segments_ = std::move(*set);
  }
  if (fs::path dir = config_dir_ / "content_maps"; fs::is_directory(dir, ec)) {
    recommend::ContentRefs refs{known.milestones, {}};
    for (const auto& s : segments_.segments) refs.segments.push_back(s.id);
    auto cm = recommend::load_content_map(dir.string(), refs);
    if (!cm.ok()) return cm.status().with_context("content map");
    content_ = std::move(*cm);
    // Accelerator programs live in the same files; their milestone and stage names must exist.
    auto programs = cohorts::load_programs(dir.string());
    if (!programs.ok()) return programs.status().with_context("programs");
    UPLIFT_RETURN_IF_ERROR(cohorts::check_program_refs(*programs, known.milestones, graph_.stages)
                               .with_context("programs"));
    programs_ = std::move(*programs);
  }
  if (fs::path dir = config_dir_ / "triggers"; fs::is_directory(dir, ec)) {
    auto rules = triggers::load_triggers(dir, graph_);
    if (!rules.ok()) return rules.status().with_context("triggers");
    triggers_ = std::move(*rules);
  }
  if (fs::path dir = config_dir_ / "sources"; fs::is_directory(dir, ec)) {
    auto sources = ingest::load_sources(dir);
    if (!sources.ok()) return sources.status().with_context("sources");
    sources_ = std::move(*sources);
  }
  if (fs::path dir = config_dir_ / "targets"; fs::is_directory(dir, ec)) {
    auto targets = attribution::load_targets(dir.string(), graph_.stages);
    if (!targets.ok()) return targets.status().with_context("targets");
    targets_ = std::move(*targets);
  }
  return Status::OK();
}

recommend::ProgramFor Workspace::program_for() const {
  return [this](std::string_view milestone) {
    for (const auto& p : programs_)
      if (p.target_milestone == milestone) return p.id;
    return std::string();
  };
}

recommend::Context Workspace::recommend_context() const {
  return recommend::Context{&data_, &segments_, &content_,
                            [this](std::string_view account) { return state(account); }, as_of()};
}

}  // namespace uplift::app
