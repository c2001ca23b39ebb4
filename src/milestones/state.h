// AccountState: what the milestone engine knows about one account's adoption journey.
//
// This is the contract between the milestone evaluator (producer) and everything that reads
// adoption (segments, recommendations, cohorts, attribution, the API and the console). It is a
// plain value: copyable, comparable (a full rebuild must produce a state equal to the one built
// incrementally), and serialisable to JSON (to_json/from_json in state_json.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace uplift::milestones {

// Progress toward one milestone: "2/3 groups" is {current 2, target 3, unit "groups"}.
// For a gate, current/target count the required milestones achieved (k of n).
struct Progress {
  double current = 0;
  double target = 0;
  std::string unit;  // "events", "groups", "learners", "contracts", "milestones"…
  bool operator==(const Progress&) const = default;
};

struct MilestoneStatus {
  std::string id;
  bool achieved = false;
  std::optional<Timestamp> achieved_at;  // event time that satisfied it (not the import time)
  Progress progress;
  bool operator==(const MilestoneStatus&) const = default;
};

// A warning about the journey: "out_of_order" (a milestone used before what it expects) or
// "usage_decline" (an achieved milestone's underlying usage dropped). `detail` carries numbers.
struct Flag {
  std::string kind;       // "out_of_order" | "usage_decline"
  std::string milestone;  // the milestone the flag is about
  std::string detail;     // human-readable: "ai_review_used before foundational"
  std::optional<Timestamp> at;
  std::vector<std::string> missing;  // out_of_order: expected milestones not yet achieved then
  std::optional<double> before_rate, after_rate, change_pct;  // usage_decline numbers
  bool operator==(const Flag&) const = default;
};

struct AccountState {
  std::string account;
  std::string stage;                        // furthest stage whose gate is achieved (or the first stage)
  std::optional<Timestamp> stage_reached_at;
  std::vector<MilestoneStatus> milestones;  // in the graph's topological order
  std::vector<std::string> frontier;        // unmet milestones whose requirements are all met
  std::vector<Flag> flags;
  bool operator==(const AccountState&) const = default;

  const MilestoneStatus* find(const std::string& milestone_id) const {
    for (const auto& m : milestones)
      if (m.id == milestone_id) return &m;
    return nullptr;
  }
};

}  // namespace uplift::milestones
