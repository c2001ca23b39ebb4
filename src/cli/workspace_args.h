// The flags shared by commands that evaluate accounts (--db, --config, --as-of) and the one way
// they open the Workspace, printing a clear error (exit 2) when it cannot.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "app/workspace.h"
#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "core/time.h"

namespace uplift::cli {

struct WorkspaceArgs {
  std::string db, config, as_of;

  void add_to(CLI::App& cmd) {
    add_db_option(cmd, db);
    cmd.add_option("--config", config, "config directory with milestones/ (default: $UPLIFT_CONFIG_DIR, ., or beside the binary)");
    cmd.add_option("--as-of", as_of, "evaluate as of this instant (RFC 3339); default: the latest event");
  }

  // nullptr (and exit_code() = 2) on failure, after printing why. Commands read the saved
  // milestone states (resuming from them when current) but do not write them, except `rebuild`
  // (`rebuild`: evaluate every account and save every state).
  std::unique_ptr<app::Workspace> open(const char* command, ProgressBar* bar = nullptr, bool rebuild = false) const {
    app::WorkspaceOptions options;
    options.config_dir = config;
    options.persist_state = rebuild;
    options.resume_saved_states = !rebuild;
    if (!as_of.empty()) {
      auto t = parse_timestamp(as_of);
      if (!t.ok()) {
        std::fprintf(stderr, "uplift %s: --as-of: %s\n", command, t.status().message().c_str());
        exit_code() = 2;
        return nullptr;
      }
      options.as_of = *t;
    }
    auto ws = app::Workspace::open(default_store_url(db), options,
                                   [bar](std::string_view phase, std::size_t done, std::size_t total) {
                                     if (bar) bar->update(phase, done, total);
                                   });
    if (bar) bar->finish();
    if (!ws.ok()) {
      std::fprintf(stderr, "uplift %s: %s\n", command, ws.status().message().c_str());
      exit_code() = 2;
      return nullptr;
    }
    return std::move(ws.value());
  }
};

}  // namespace uplift::cli
