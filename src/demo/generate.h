// `uplift demo generate`: deterministic synthetic data with planted, documented truth.
//
// generate_demo writes into `out_dir` the seven canonical NDJSON files (accounts, learners,
// events, completions, attendance, arr, renewals — each line exactly record_to_json's form),
// cohorts.json (the cohorts module's persisted format) and truth.json (what was planted: stage
// mix, the accelerator experiment with its lift, trend, selection rule, arms and participants,
// the ARR effect, out-of-order and declining accounts). Same config → byte-identical files.
// plan_world is the pure part (no I/O), exposed for tests.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "demo/model.h"
#include "core/status.h"

namespace uplift::demo {

struct DemoWorld {
  DemoConfig cfg;
  Timeline tl;
  std::vector<AccountPlan> plans;  // experiments already run
};
DemoWorld plan_world(const DemoConfig& cfg);

// Lines written per file, and the accelerator usage counted in the 30-day windows around each
// arm member's anchor (its first attended session; session 1 for everyone else).
struct DemoOutput {
  std::map<std::string, std::size_t> lines;  // "events" -> count
  double participants_pre = 0, participants_post = 0, holdout_pre = 0, holdout_post = 0;
  double invited_pre = 0, invited_post = 0;
};

// The truth file's content (see generate.h's comment; README "Demo data" documents the fields).
nlohmann::json truth_json(const DemoWorld& world, const DemoOutput& out);

Result<DemoOutput> generate_demo(const DemoConfig& cfg, const std::string& out_dir);

// The default "today" of the story: 2026-11-01.
Date default_demo_now();

}  // namespace uplift::demo
