// Stage movement in a quarter, per CSM, against targets: the number a CSM lead manages by (seed
// 000: "move a target share of your accounts to the next stage each quarter").
//
// For each account of the chosen audience (customers by default — the one definition of
// "accounts" the funnel, the report and this table share) that existed at the quarter's start:
// its stage at the start (the end of the previous quarter) and at the end (the quarter's last
// instant, or the as-of instant when earlier), both from milestone achieved_at (history.h).
// Per CSM and stage at the start: accounts there, moved forward (a later stage at the end),
// moved back (an earlier one), the share moved forward, the target share and whether it is met.
// Accounts created during the quarter are counted apart (`new_in_quarter`), in no share. Pure.
//
// Targets (`targets/*.json`): {"quarter": "2026Q3", "default": {"onboarding": 0.3, ...},
// "csm": {"ana": {"foundational": 0.25}}}: per quarter, the share (0..1) of the accounts at a
// stage to move forward; a CSM's entry overrides the default for the stages it names. Every
// problem is reported with its file and field; a quarter in two files is refused.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attribution/history.h"
#include "cohorts/select.h"
#include "core/dataset.h"
#include "core/status.h"
#include "core/time.h"

namespace uplift::attribution {

struct QuarterTargets {
  std::string quarter;                                        // "2026Q3"
  std::map<std::string, double> by_stage;                     // default: stage → share
  std::map<std::string, std::map<std::string, double>> csm;   // csm → stage → share
  std::string source;                                         // file it came from

  std::optional<double> target(const std::string& csm_name, const std::string& stage) const;
};

struct StageTargets {
  std::map<std::string, QuarterTargets> by_quarter;
  const QuarterTargets* of(const std::string& quarter) const;
};

// Parses one targets document (`name` in messages); every problem appended to `problems`.
void parse_targets(const nlohmann::json& doc, const std::string& name, const std::vector<std::string>& stages,
                   StageTargets& out, std::vector<std::string>& problems);
// Every *.json in `dir` (sorted); InvalidArgument listing every problem.
Result<StageTargets> load_targets(const std::string& dir, const std::vector<std::string>& stages);

struct MovedAccount {
  std::string account, name, csm;
  std::string from, to;  // stages at the start and the end
  bool forward = true;
};

struct MovementCell {
  std::string csm;    // "(unassigned)" when the account has none
  std::string stage;  // at the start of the quarter
  std::size_t at_start = 0, moved_forward = 0, moved_back = 0;
  double share_pct = 0;                  // moved forward / at start
  std::optional<double> target_pct;      // none: no target for this CSM and stage
  std::optional<bool> met;               // with a target and accounts at the start
};

struct MovementOptions {
  Quarter quarter;
  Timestamp as_of = 0;                         // 0: the quarter's last instant
  std::optional<Audience> audience = Audience::kCustomer;  // nullopt: every audience
  std::string csm;                             // only this CSM ("" all)
};

struct Movement {
  Quarter quarter;
  Timestamp start = 0, end = 0;        // the instants compared
  std::vector<MovementCell> cells;     // by CSM, then stage in journey order
  std::vector<MovementCell> totals;    // per stage over every CSM (csm "all")
  std::vector<MovedAccount> moved;     // every account whose stage changed, by CSM then account
  std::size_t accounts = 0, new_in_quarter = 0;
};

Movement stage_movement(const Dataset& data, const cohorts::StateLookup& states, const std::vector<StageGate>& gates,
                        const MovementOptions& options, const QuarterTargets* targets);

nlohmann::json movement_to_json(const Movement& m);
// CSV tables: the cells (csm,stage,at_start,moved_forward,moved_back,share_pct,target_pct,met) and
// the moved accounts (account,name,csm,from,to,direction). Text cells neutralized (OWASP).
std::string movement_cells_csv(const Movement& m);
std::string moved_accounts_csv(const Movement& m);

}  // namespace uplift::attribution
