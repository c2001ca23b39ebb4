// Trigger rules: which change in an account's adoption is worth a person's attention, and how
// often to say so. Loaded from triggers/*.json (README "Triggers"); seed 003's taxonomy is the
// shipped default ("usage decline for 14 days → CSM outreach", "champion departure within 90 days
// of renewal → stakeholder mapping", …).
//
// A rule holds for an account when every condition of `when` holds, its renewal is close enough
// (if the rule asks), and the account passes the filters. Conditions:
//   {"flag": "usage_decline" | "out_of_order" [, "milestone": M]}   the flag is raised now
//   {"milestone_achieved": M [, "within_days": N]}                   reached (fewer than N days ago)
//   {"milestone_stalled": M, "days": N}                              the next step for ≥ N days (a
//                                                                    gate: unmet while its operands
//                                                                    are reachable)
//   {"stage_reached": S}                                             at stage S or beyond
//   {"champion_departed": {"roles": [R…], "within_days": N}}         a learner of one of the roles
//                                                                    left (departed_at) fewer than N days ago
// Days are whole UTC calendar days between the two instants' dates.
// Every problem of every file is reported at once, each naming the file and the rule id:
//   triggers/default.json: trigger "decline_outreach": when.flag: must be usage_decline or out_of_order
// Pure apart from load_triggers (which reads the files).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"
#include "core/status.h"
#include "milestones/graph.h"
#include "triggers/destination.h"

namespace uplift::triggers {

struct Condition {
  enum class Kind { kFlag, kMilestoneAchieved, kMilestoneStalled, kStageReached, kChampionDeparted };
  Kind kind = Kind::kFlag;
  std::string flag;                // kFlag: usage_decline | out_of_order
  std::string milestone;           // kFlag (optional), kMilestoneAchieved, kMilestoneStalled
  std::string stage;               // kStageReached
  std::vector<std::string> roles;  // kChampionDeparted (empty: any role)
  std::optional<int> days;         // achieved: within N days; stalled: at least N days; departed: within N days
};

struct Filters {
  std::vector<std::string> tiers, plans, csms;  // empty: any
  std::vector<Audience> audiences = {Audience::kCustomer};
};

struct Rule {
  std::string id, title;
  std::vector<Condition> when;             // all must hold
  std::optional<int> renewal_within_days;  // and the renewal is 0..N days away
  Filters filters;
  int cooldown_days = 7;  // a returning condition fires again only this long after the last alert
  std::string action;     // what the person should do ("Reach out within 48 h…")
  std::string source;     // file it came from (for messages)
};

struct RuleSet {
  std::vector<Rule> rules;  // file order, then order within the file
  DestinationSet destinations;  // where alerts go (triggers/destination.h); empty: recorded only
  const Rule* find(std::string_view id) const;
};

// One document {"triggers": [...]}. Milestone and stage names are checked against `graph`.
// Problems are appended to `problems`; rules with a problem are not added.
void parse_rules(const nlohmann::json& doc, const std::string& source, const milestones::Graph& graph, RuleSet& out,
                 std::vector<std::string>& problems);
// A file, or every *.json of a directory (by name), rules and destinations alike ("env:NAME"
// values are read from `env`, default the process environment). InvalidArgument lists every
// problem, one per line; a rule id or destination name defined twice (across files too) is a problem.
Result<RuleSet> load_triggers(const std::filesystem::path& path, const milestones::Graph& graph,
                              const EnvLookup& env = {});

std::string_view condition_kind_name(Condition::Kind k);
nlohmann::json rule_to_json(const Rule& r);

}  // namespace uplift::triggers
