// `uplift milestones graph [--dir D] [--format dot|mermaid|json]` — export the milestone graph.
// `uplift milestones validate DIR` — check a graph directory (or file); every problem is listed
// on stderr as FILE: milestone "ID": field: reason, exit 1 if there is any.
#include <cstdio>

#include <fmt/format.h>

#include "app/workspace.h"
#include "cli/commands.h"
#include "milestones/graph.h"
#include "milestones/loader.h"

namespace uplift::cli::cmd_milestones {
namespace {

struct MilestoneArgs {
  std::string dir, config, format = "dot", db, validate_dir;
};

// The milestones directory: --dir, else <config dir>/milestones.
Result<std::string> milestones_dir(const MilestoneArgs& a) {
  if (!a.dir.empty()) return a.dir;
  auto config = app::resolve_config_dir(a.config);
  if (!config.ok()) return config.status();
  return (config.value() / "milestones").string();
}

void print_problems(const std::vector<std::string>& problems) {
  for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
  std::fprintf(stderr, "%zu problem%s\n", problems.size(), problems.size() == 1 ? "" : "s");
}

void run_graph(const MilestoneArgs& a) {
  auto dir = milestones_dir(a);
  if (!dir.ok()) {
    std::fprintf(stderr, "uplift milestones graph: %s\n", dir.status().message().c_str());
    exit_code() = 2;
    return;
  }
  milestones::GraphLoad g = milestones::load_graph(*dir);
  if (!g.graph) {
    print_problems(g.problems);
    exit_code() = 1;
    return;
  }
  std::string out;
  if (a.format == "dot") out = milestones::to_dot(*g.graph);
  else if (a.format == "mermaid") out = milestones::to_mermaid(*g.graph);
  else out = milestones::to_json(*g.graph).dump(2) + "\n";
  std::fputs(out.c_str(), stdout);
}

void run_validate(const MilestoneArgs& a) {
  milestones::GraphLoad g = milestones::load_graph(a.validate_dir);
  if (!g.graph) {
    print_problems(g.problems);
    exit_code() = 1;
    return;
  }
  std::printf("%s: ok — graph \"%s\", %zu milestones, stages %s\n", a.validate_dir.c_str(), g.graph->id.c_str(),
              g.graph->milestones.size(), fmt::format("{}", fmt::join(g.graph->stages, " → ")).c_str());
}

void setup(CLI::App& app) {
  auto args = std::make_shared<MilestoneArgs>();
  auto* cmd = app.add_subcommand("milestones", "export or validate milestone graphs");
  cmd->require_subcommand(1);

  auto* graph = cmd->add_subcommand("graph", "print the milestone graph as DOT, Mermaid or JSON");
  graph->add_option("--dir", args->dir, "milestones directory or file (default: <config>/milestones)");
  graph->add_option("--config", args->config, "config directory (default: $UPLIFT_CONFIG_DIR, ., or beside the binary)");
  graph->add_option("--format", args->format, "dot | mermaid | json")->check(CLI::IsMember({"dot", "mermaid", "json"}));
  add_db_option(*graph, args->db);
  graph->callback([args] { run_graph(*args); });

  auto* validate = cmd->add_subcommand("validate", "check a milestone graph directory; lists every problem");
  validate->add_option("DIR", args->validate_dir, "directory of *.json graph files, or one file")->required();
  add_db_option(*validate, args->db);
  validate->callback([args] { run_validate(*args); });
}

}  // namespace
UPLIFT_COMMAND(milestones, setup);
}  // namespace uplift::cli::cmd_milestones
