// What the workspace tests share: a scratch config dir holding copies of the shipped config
// folders, a workspace over a new SQLite store in it, and the event most tests ingest. The dir
// is named after the test and the process, and removed when the scratch goes out of scope.
#pragma once

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>

#include "app/workspace.h"
#include "core/time.h"

namespace uplift::workspace_testing {

struct ScratchConfig {
  std::filesystem::path path;
  // Copies each of `folders` (e.g. "milestones", "triggers") from the repository into the dir.
  explicit ScratchConfig(const std::string& name, std::initializer_list<const char*> folders = {"milestones"})
      : path(std::filesystem::temp_directory_path() / ("uplift_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    for (const char* folder : folders)
      std::filesystem::copy(std::filesystem::path(UPLIFT_SOURCE_DIR) / folder, path / folder,
                            std::filesystem::copy_options::recursive);
  }
  ~ScratchConfig() { std::filesystem::remove_all(path); }
  ScratchConfig(const ScratchConfig&) = delete;
  ScratchConfig& operator=(const ScratchConfig&) = delete;

  std::string url() const { return "sqlite:" + (path / "u.db").string(); }
  void write(const std::filesystem::path& rel, const std::string& text) const { std::ofstream(path / rel) << text; }
  // A workspace reading its config from this dir (the options' config_dir is set here).
  std::unique_ptr<app::Workspace> open(app::WorkspaceOptions wo = {}) const {
    wo.config_dir = path.string();
    auto ws = app::Workspace::open(url(), wo);
    REQUIRE_MESSAGE(ws.ok(), ws.status().to_string());
    return std::move(*ws);
  }
};

// A `group_created` event of `account`, `minute` minutes after 2026-03-01 10:00 UTC.
inline Event group_created(const std::string& id, const std::string& account, int minute) {
  Event e;
  e.id = id;
  e.account = account;
  e.name = "group_created";
  e.ts = *parse_timestamp("2026-03-01T10:00:00Z") + minute * 60'000LL;
  e.props = {{"group_id", id}};
  return e;
}

}  // namespace uplift::workspace_testing
