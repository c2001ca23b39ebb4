// `uplift rebuild [--db URL]` — re-derive every account's milestone state from the stored
// records (the event log is the source of truth) and persist it to the "milestone_state"
// documents. Shows a progress bar on a terminal.
#include <chrono>
#include <cstdio>

#include "cli/workspace_args.h"

namespace uplift::cli::cmd_rebuild {
namespace {

void run(const WorkspaceArgs& args) {
  auto start = std::chrono::steady_clock::now();
  ProgressBar bar;
  auto ws = args.open("rebuild", &bar, /*rebuild=*/true);
  if (!ws) return;
  auto evaluated = std::chrono::steady_clock::now();
  Status st = ws->persist_all_states([&](std::string_view phase, std::size_t done, std::size_t total) {
    bar.update(phase, done, total);
  });
  bar.finish();
  if (!st.ok()) {
    std::fprintf(stderr, "uplift rebuild: %s\n", st.message().c_str());
    exit_code() = 2;
    return;
  }
  auto end = std::chrono::steady_clock::now();
  const app::View view = ws->view();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::printf("rebuilt %zu accounts from %zu events (load + evaluate %.2fs, save %.2fs); as of %s\n",
              view.states().size(), view.data().event_count(), secs(evaluated - start), secs(end - evaluated),
              view.as_of() > 0 ? format_timestamp(view.as_of()).c_str() : "-");
}

void setup(CLI::App& app) {
  auto args = std::make_shared<WorkspaceArgs>();
  auto* cmd = app.add_subcommand("rebuild", "re-evaluate every account from the stored records and save the states");
  args->add_to(*cmd);
  cmd->callback([args] { run(*args); });
}

}  // namespace
UPLIFT_COMMAND(rebuild, setup);
}  // namespace uplift::cli::cmd_rebuild
