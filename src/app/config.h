// Config: one immutable snapshot of everything the config dir holds — the milestone graph,
// segments, content map and accelerator programs, trigger rules and destinations, webhook
// sources and stage-movement targets — loaded and cross-checked together.
//
// load_config() reads every folder even after one fails, so a user sees every problem of every
// folder at once (InvalidArgument, one problem per line, each naming its folder, file and field
// as that folder's loader does). A Workspace serves one snapshot at a time and swaps it whole on
// reload (Workspace::reload_config): a reader holding a snapshot (or the workspace's shared
// lock) never sees half of one config and half of another.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "attribution/movement.h"
#include "cohorts/program.h"
#include "core/status.h"
#include "ingest/sources.h"
#include "milestones/graph.h"
#include "recommend/content_map.h"
#include "segments/segment.h"
#include "triggers/rule.h"

namespace uplift::app {

struct Config {
  std::filesystem::path dir, milestones_dir;
  milestones::Graph graph;
  segments::SegmentSet segments;          // empty without <dir>/segments
  recommend::ContentMap content;          // empty without <dir>/content_maps
  std::vector<cohorts::Program> programs;  // the content maps' programs, checked against the graph
  triggers::RuleSet triggers;             // empty without <dir>/triggers
  ingest::SourceSet sources;              // empty without <dir>/sources
  attribution::StageTargets targets;      // empty without <dir>/targets
  // milestone_fingerprint(milestones_dir), taken before the graph was read: saved states carry it
  // (a file edited meanwhile makes the states look older than they are, never newer).
  std::string graph_fingerprint;
};

// The milestone states' format and the evaluator's semantics, as saved states carry them.
inline constexpr const char* kStateFormat = "states-1";

// FNV-1a over the milestone directory's regular files (sorted relative names and contents), hex.
std::string milestone_fingerprint(const std::filesystem::path& milestones_dir);
// What saved states carry: kStateFormat and milestone_fingerprint(), "states-1:<hex>".
std::string states_fingerprint(const std::filesystem::path& milestones_dir);

Result<std::shared_ptr<const Config>> load_config(const std::filesystem::path& dir,
                                                  const std::filesystem::path& milestones_dir);

}  // namespace uplift::app
