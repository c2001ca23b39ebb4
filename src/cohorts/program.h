// Accelerator programs: the `programs` array of content_maps/*.json, parsed and validated.
//
// A program is a short series of live sessions aimed at one lagging milestone (seed 001's
// Product Accelerator: "customers who haven't touched their data manager"). It says who is
// eligible, how many accounts fit (capacity), what fraction of the eligible pool is held out at
// random so the lift can be measured causally, and how candidates are ranked.
//
// Every validation error names the file and the program id (or index when the id is missing):
// "content_maps/default.json: programs[1] (dma): holdout_fraction: must be in [0, 0.9]".
// Pure: load_programs is the only function that reads files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace uplift::cohorts {

// Who may be invited. Empty lists mean "any".
struct Eligibility {
  std::string reached;                         // milestone the account must have achieved…
  int reached_days_ago_min = 0;                // …at least this many days before the as-of date
  std::string lacks_milestone;                 // milestone the account must not have achieved yet
  std::optional<double> target_event_max_30d;  // at most this many target events in the last 30 days
  std::vector<std::string> plans, tiers, stages;
  std::vector<std::string> roles;  // a learner with one of these roles must be present (and is invited)
  // An account renewing sooner than this (0 ≤ days to renewal < it) is not eligible: the program
  // could not finish before the renewal. Default: 7 days per session (weekly sessions).
  std::optional<int> min_days_to_renewal;
};

// Ranking score = arr·(ARR / max ARR among eligible) + renewal·(1 − days to renewal / 365, for
// renewals 0..365 days away, else 0) + lag·(min(days since `reached`, 365) / 365)
// + practice·(1 when a learner of the account completed every teaching item of the target
// milestone, yet the account still lacks it — recommend/account_advice.h, the practice signal —
// else 0). Higher first, ties by account id. arr, renewal and lag default to 1, practice to 0.25.
struct RankingWeights {
  double arr = 1, renewal = 1, lag = 1, practice = 0.25;
};

struct Program {
  std::string id, title;
  std::string target_milestone;  // what the program teaches
  // The milestone whose conversion the report measures ("reached advanced within 60 days of the
  // first session"); defaults to target_milestone. A program for accounts that already use the
  // feature a little (the data-manager accelerator) converts on the next stage instead.
  std::string conversion_milestone;
  std::string target_event;      // the usage metric for the lift (e.g. data_manager_edit)
  int sessions = 1;
  int capacity = 0;              // accounts invited per cohort
  double holdout_fraction = 0;   // of the ranked pool, kept out at random; 0..0.9
  Eligibility eligibility;
  RankingWeights weights;
  std::string source;  // file it came from (for messages)
};

// Parses the `programs` array of one content-map document (absent → empty list). `file` is only
// used in error messages.
Result<std::vector<Program>> parse_programs(const nlohmann::json& doc, std::string_view file);
// Reads one .json file, or every *.json file of a directory (in name order); duplicate program
// ids across files are refused.
Result<std::vector<Program>> load_programs(const std::string& path);

// Every milestone a program names (target_milestone, conversion_milestone, eligibility.reached,
// eligibility.lacks_milestone) must be one of `milestones`, and every eligibility stage one of
// `stages`; the error lists each dangling reference as "FILE: program 'ID': FIELD: ...".
Status check_program_refs(const std::vector<Program>& programs, const std::vector<std::string>& milestones,
                          const std::vector<std::string>& stages);

const Program* find_program(const std::vector<Program>& programs, std::string_view id);

}  // namespace uplift::cohorts
