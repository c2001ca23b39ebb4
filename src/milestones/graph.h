// Graph: a validated milestone graph (README "Milestone graphs"; DESIGN.md "Milestone graph").
//
// A milestone is either a *criterion* over an account's events or its learners' completions, or
// a *gate* over other milestones (all / any / k of n). `requires` edges make a DAG; `expects`
// marks milestones that should be reached before this one is first used (out-of-order adoption).
// A Graph that exists has passed validation: ids are unique, every reference resolves, there is
// no cycle, thresholds are non-negative numbers, and `milestones` is in topological order
// (everything a milestone reads comes before it), which is the order the evaluator computes in.
// Plain value; immutable after loading, so safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"

namespace uplift::milestones {

// What a criterion measures over its matching events (or completions).
enum class Measure { kCount, kDistinct, kSum };
// Where a criterion's facts come from.
enum class Source { kEvents, kCompletions };
enum class GateMode { kAll, kAny, kKOfN };

// Each enum's one spelling (the graph's JSON export, the API, `uplift status`), and back:
// "count"/"distinct"/"sum", "events"/"completions", "all"/"any"/"k_of_n"; nullopt for any other.
std::string_view measure_name(Measure m);
std::optional<Measure> parse_measure(std::string_view name);
std::string_view source_name(Source s);
std::optional<Source> parse_source(std::string_view name);
std::string_view gate_mode_name(GateMode m);
std::optional<GateMode> parse_gate_mode(std::string_view name);

// `where` entry: an event field ("learner", "name", "props.x") that must equal one of `values`.
struct Condition {
  std::string field;
  std::vector<nlohmann::json> values;
};

struct Criterion {
  Source source = Source::kEvents;
  std::vector<std::string> events;  // event names; empty = every event
  Measure measure = Measure::kCount;
  std::string field;                // kDistinct: "learner", "name" or "props.<path>"
  double threshold = 1;
  std::optional<int> window_days;   // rolling window of consecutive UTC days
  std::vector<Condition> where;
  std::vector<std::string> content;  // kCompletions: content ids; empty = any content
};

// Usage-decline trigger: compares the per-week rate of the last `recent_days` with the
// `baseline_days` before them, both ending on the as-of day. decline.h states when it flags.
struct Decline {
  int recent_days = 14;
  int baseline_days = 28;
  double drop_pct = 50;
  double min_baseline = 1;     // events (or qty) in the baseline period needed to judge a decline
  double significance = 0.01;  // the drop must be this unlikely at an unchanged rate (1: no test)
  bool operator==(const Decline&) const = default;
};

// An override's `decline`: switches the trigger off ("decline": false) or sets some of its
// fields; the fields it leaves out come from the milestone's own decline (else the defaults).
struct DeclineOverride {
  bool off = false;
  std::optional<int> recent_days, baseline_days;
  std::optional<double> drop_pct, min_baseline, significance;
  // The trigger for an account this override matches (nullopt: off).
  std::optional<Decline> apply(const std::optional<Decline>& own) const;
};

struct Gate {
  GateMode mode = GateMode::kAll;
  int k = 0;                         // how many operands must be achieved (all: n, any: 1)
  std::vector<std::string> operands;
};

struct Milestone {
  std::string id, title, unit;
  std::optional<Criterion> criterion;  // exactly one of criterion / gate
  std::optional<Gate> gate;
  std::vector<std::string> requires_;  // prerequisites: achieved only once these are
  std::vector<std::string> expects;    // should come first: otherwise an out_of_order flag
  std::optional<std::string> stage;    // reaching this milestone reaches that stage
  std::optional<Decline> decline;
  std::string source;                  // file it was defined in (for messages)
  bool is_gate() const { return gate.has_value(); }
};

// Per-segment values for one milestone. For each milestone, the first override (in file order)
// whose `when` matches the account wins whole: the values it sets apply, the milestone's own
// values fill in what it does not set, and later overrides are not consulted — even for a field
// the winner leaves out. `decline` follows the same rule one level down: off, or the fields it
// names over the milestone's own decline (the defaults when the milestone has none, so an
// override may switch a trigger on for some accounts only). `when` lists, per account field, the
// accepted values.
struct Override {
  std::unordered_map<std::string, std::vector<std::string>> when;  // tier, plan, audience, csm
  std::string milestone;
  std::optional<double> threshold;  // criterion threshold (count / sum / active_learners)
  std::optional<int> window_days;
  std::optional<int> k;             // gate k
  std::optional<DeclineOverride> decline;
  bool matches(const Account* account) const;
};

struct Graph {
  std::string id;
  std::vector<std::string> stages;        // in journey order; the first is the starting stage
  std::vector<Milestone> milestones;      // topological order: requirements first
  std::vector<Override> overrides;        // first matching override per milestone wins
  std::vector<std::string> sources;       // files the graph was loaded from

  // Derived indexes (built by finalize()).
  std::unordered_map<std::string, int> index;              // id -> position in milestones
  std::unordered_map<std::string, std::vector<int>> by_event;  // event name -> criteria reading it
  std::vector<int> any_event;             // criteria reading every event
  std::vector<int> completion_criteria;   // criteria reading completions
  std::vector<std::vector<int>> readers;  // per milestone: milestones reading it (direct)
  std::vector<int> stage_marker;          // per stage: milestone index or -1
  // Per milestone, the indexes its requires_ / gate operands / expects name, and the overrides
  // (positions in `overrides`, in order) that target it.
  std::vector<std::vector<int>> requires_index, operand_index, expects_index, overrides_of;

  const Milestone* find(const std::string& id) const;
  int index_of(const std::string& id) const;
  // Builds the derived indexes; called by the loader once `milestones` is topologically sorted.
  void finalize();
};

// Exports for docs and the console: Graphviz DOT, Mermaid flowchart, and the loader's JSON.
std::string to_dot(const Graph& g);
std::string to_mermaid(const Graph& g);
nlohmann::json to_json(const Graph& g);

}  // namespace uplift::milestones
