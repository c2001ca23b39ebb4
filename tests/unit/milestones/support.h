// What the milestone tests share: where the repository is (for milestones/*.json and the
// scenario files) — $UPLIFT_SOURCE_DIR when set, else the source dir the build was configured in.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace uplift::milestones::testing {

inline std::filesystem::path source_dir() {
  if (const char* env = std::getenv("UPLIFT_SOURCE_DIR")) return env;
  return UPLIFT_SOURCE_DIR;
}

}  // namespace uplift::milestones::testing
