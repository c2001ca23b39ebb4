// Detection: which trigger rules hold for an account now, and which of those become alerts.
//
// holds() judges one rule for one account at an as-of instant, from the account's record, its
// learners and its evaluated milestone state; it answers why ("usage_decline on foundational:
// -62 % per week; renewal in 41 days") or nullopt. Facts after as_of are never read.
//
// Alerts are edges, not levels: an Episode per (rule, account) remembers whether the condition
// held at the last step and when the last alert went out. step() raises an alert when the
// condition holds and no alert was raised in this episode yet — and, when the condition returns
// after clearing, only once `cooldown_days` have passed since the last alert (a flapping signal
// alerts once; if it still holds when the cool-down ends, the alert goes out then). While it keeps
// holding after its alert, nothing more is raised. An alert's id is derived from (rule, account,
// at), so a retried delivery carries the same id.
// Pure: no I/O, no wall clock.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "milestones/graph.h"
#include "milestones/state.h"
#include "triggers/rule.h"

namespace uplift::triggers {

using StateLookup = std::function<const milestones::AccountState*(std::string_view account)>;

struct Context {
  const Dataset* data = nullptr;
  const milestones::Graph* graph = nullptr;
  StateLookup states;
};

// Why `rule` holds for `account` at `as_of`, or nullopt.
std::optional<std::string> holds(const Rule& rule, const Context& ctx, std::string_view account, Timestamp as_of);

struct Alert {
  std::string id;  // "alr_" + 16 hex digits of (rule, account, at)
  std::string rule, account;
  Timestamp at = 0;
  std::string what;    // why the rule holds (holds()'s sentence)
  std::string action;  // the rule's action
};

struct Episode {
  bool holding = false;                 // the condition held at the last step
  bool alerted = false;                 // an alert went out (or is due) in this episode
  std::optional<Timestamp> last_alert;  // when the last alert was raised
  bool operator==(const Episode&) const = default;
};

// (rule id, account) → episode. Persisted by the caller (JSON below).
using EpisodeBook = std::map<std::pair<std::string, std::string>, Episode>;

// Judges every rule for each of `accounts` at `as_of`, updates `book`, returns the new alerts in
// (account, rule) order. Steps must come in non-decreasing as_of order.
std::vector<Alert> step(const RuleSet& rules, const Context& ctx, const std::vector<std::string>& accounts,
                        Timestamp as_of, EpisodeBook& book);

std::string alert_id(std::string_view rule, std::string_view account, Timestamp at);
nlohmann::json alert_to_json(const Alert& a);
nlohmann::json book_to_json(const EpisodeBook& book);
Result<EpisodeBook> book_from_json(const nlohmann::json& j);

}  // namespace uplift::triggers
