// Loading and validating milestone graphs from JSON files (schema: README "Milestone graphs").
//
// Every problem is reported, not just the first, each naming the file and the milestone id:
//   milestones/clm.json: milestone "three_groups": count: must be a number >= 0, got "three"
//   milestones/clm.json: cycle: a → b → a
// Loading never throws and never crashes on bad input. A directory's *.json files (sorted by
// name) make up one graph; a milestone id may be defined only once across them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "milestones/graph.h"

namespace uplift::milestones {

struct GraphLoad {
  std::optional<Graph> graph;         // set only when problems is empty
  std::vector<std::string> problems;  // "file: milestone \"id\": field: reason"
};

// Parses one already-read document. `source` names it in messages.
GraphLoad parse_graph(const nlohmann::json& doc, const std::string& source);
// Reads and parses text (reports JSON syntax errors with line and column).
GraphLoad parse_graph_text(std::string_view text, const std::string& source);
// A file, or a directory of *.json files merged into one graph.
GraphLoad load_graph(const std::filesystem::path& path);

// Parses one configuration document's text; on a syntax error appends "source:line:col: not valid
// JSON: …" to `problems` and returns false. Shared by every loader of config JSON (triggers too).
bool parse_config_json(std::string_view text, const std::string& source, nlohmann::json& doc,
                       std::vector<std::string>& problems);

// Convenience: the graph, or InvalidArgument listing every problem (one per line).
Result<Graph> load_graph_or_error(const std::filesystem::path& path);

}  // namespace uplift::milestones
