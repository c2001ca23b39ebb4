// compute_roi's journey part: the stage funnel, stage movement per CSM and renewal rate by stage
// (definitions in roi.h).
#include <algorithm>
#include <map>

#include "attribution/movement.h"
#include "attribution/roi.h"

namespace uplift::attribution {

void journey_results(const RoiInput& in, RoiReport& report) {
  const Dataset& data = *in.data;
  const auto& gates = in.stages;
  if (gates.empty()) {
    report.notes.push_back("no stage definitions (milestone graph stages): stage and CSM tables are empty");
    return;
  }
  const Timestamp start = start_of(in.quarter.first()) - 1;     // end of the previous quarter
  // The quarter's last instant, or the report's as-of instant when that is earlier: nothing dated
  // after it is read.
  const Timestamp end = std::min(start_of(in.quarter.last() + 1) - 1, report.as_of);
  std::vector<StageRow> rows(gates.size());
  for (std::size_t i = 0; i < gates.size(); ++i) rows[i].stage = gates[i].stage;
  std::vector<RenewalRow> renewals(gates.size());
  for (std::size_t i = 0; i < gates.size(); ++i) renewals[i].stage = gates[i].stage;

  for (const auto& [id, acct] : data.accounts()) {
    if (acct.audience != Audience::kCustomer) continue;
    if (acct.created_at && *acct.created_at > end) continue;
    const milestones::AccountState* s = in.states ? in.states(id) : nullptr;
    int before = stage_index_at(s, gates, start);
    int after = stage_index_at(s, gates, end);
    StageRow& row = rows[static_cast<std::size_t>(after)];
    ++row.accounts;
    if (after > before) ++row.moved_in_quarter;
    for (const Renewal& r : data.renewals_of(id)) {
      if (r.date < in.quarter.first() || r.date > in.quarter.last() || start_of(r.date) > end) continue;
      RenewalRow& rr = renewals[static_cast<std::size_t>(stage_index_at(s, gates, start_of(r.date + 1) - 1))];
      ++rr.renewals;
      if (r.outcome == RenewalOutcome::kRenewed || r.outcome == RenewalOutcome::kExpanded) ++rr.renewed;
    }
  }
  report.stages = std::move(rows);
  // Per CSM: the same figures as `uplift stages --quarter` and GET /v1/stages/movement (movement.h):
  // the customer accounts there at the quarter's start, and how many of them moved forward.
  MovementOptions mo;
  mo.quarter = in.quarter;
  mo.as_of = end;
  const Movement movement = stage_movement(data, in.states, gates, mo, nullptr);
  std::map<std::string, CsmRow> csm;
  for (const MovementCell& cell : movement.cells) {
    CsmRow& c = csm[cell.csm];
    c.accounts += cell.at_start;
    c.moved += cell.moved_forward;
  }
  for (auto& [name, row] : csm) {
    row.csm = name;
    row.moved_pct = row.accounts ? 100.0 * static_cast<double>(row.moved) / static_cast<double>(row.accounts) : 0;
    report.csm.push_back(row);
  }
  for (auto& r : renewals)
    if (r.renewals) r.rate_pct = 100.0 * static_cast<double>(r.renewed) / static_cast<double>(r.renewals);
  report.renewal_by_stage = std::move(renewals);
}

Result<RoiReport> compute_roi(const RoiInput& in) {
  if (!in.data) return Status::InvalidArgument("compute_roi: no dataset");
  if (in.quarter.q < 1 || in.quarter.q > 4) return Status::InvalidArgument("compute_roi: no quarter");
  const auto& o = in.options;
  if (o.window_days < 1 || o.arr_window_days < 1 || o.conversion_days < 1)
    return Status::InvalidArgument("window lengths must be at least one day");
  if (o.bootstrap_resamples < 0) return Status::InvalidArgument("bootstrap resamples must be >= 0");
  RoiReport report;
  report.quarter = in.quarter;
  report.options = o;
  report.as_of = o.as_of.value_or(start_of(in.quarter.last() + 1) - 1);
  report.programs = program_results(in, report.as_of, report.notes);
  journey_results(in, report);
  // Totals: accounts once, at their earliest first session (programs are in a fixed order; an
  // account's ARR is taken from the program where it attended first).
  std::map<std::string, std::pair<Date, double>> first;
  for (const auto& p : report.programs)
    for (const auto& [account, arr] : p.participant_arr) {
      const Date d = p.first_session.value_or(0);
      auto [it, fresh] = first.emplace(account, std::pair{d, arr});
      if (!fresh && d < it->second.first) it->second = {d, arr};
    }
  report.totals.participant_accounts = first.size();
  for (const auto& [account, v] : first) report.totals.arr_influenced += v.second;
  double inc = 0, lo = 0, hi = 0;
  bool all = !report.programs.empty();
  for (const auto& p : report.programs) {
    if (!p.participants) continue;
    if (!p.arr_lift.incremental_arr || !p.arr_lift.ci95) {
      all = false;
      break;
    }
    inc += *p.arr_lift.incremental_arr;
    lo += p.arr_lift.ci95->lo;
    hi += p.arr_lift.ci95->hi;
  }
  if (all) {
    report.totals.incremental_arr = inc;
    report.totals.incremental_arr_ci95 = Interval{lo, hi};
  }
  return report;
}

}  // namespace uplift::attribution
