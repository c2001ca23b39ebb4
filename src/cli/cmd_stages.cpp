// `uplift stages [--by tier|csm|plan] [--audience A|all] [--json]` — how many accounts are at each
// stage, overall or per tier / CSM / plan (columns in journey order). Customer accounts only unless
// --audience says otherwise (the same "accounts" as the console and the report); accounts without
// an account record count as customers and are grouped under "-".
//
// `uplift stages --quarter 2026Q3 [--csm NAME] [--audience A|all] [--format table|json|csv]
// [--moved]` — stage movement in the quarter per CSM against targets/ (attribution/movement.h):
// accounts at each stage at the start, moved forward, moved back, the share moved vs the target;
// --moved lists the accounts that moved instead.
#include <cstdio>
#include <map>
#include <set>

#include <fmt/format.h>

#include "attribution/movement.h"
#include "cli/workspace_args.h"
#include "report/roi_inputs.h"

namespace uplift::cli::cmd_stages {
namespace {

struct StagesArgs {
  WorkspaceArgs ws;
  std::string by, quarter, csm, audience = "customer", format = "table";
  bool json = false, moved = false;
};

// The audience filter: nullopt for "all".
std::optional<Audience> audience_filter(const std::string& a) {
  if (a == "all") return std::nullopt;
  return parse_audience(a);
}

void run_movement(const StagesArgs& a, const app::View& view) {
  auto quarter = parse_quarter(a.quarter);
  if (!quarter.ok()) {
    std::fprintf(stderr, "uplift stages: --quarter: %s\n", quarter.status().message().c_str());
    exit_code() = 2;
    return;
  }
  if (start_of(quarter->first()) > view.as_of()) {
    std::fprintf(stderr, "uplift stages: --quarter: %s starts after the data ends (%s): nothing to compare yet\n",
                 quarter->name().c_str(), format_timestamp(view.as_of()).c_str());
    exit_code() = 2;
    return;
  }
  attribution::MovementOptions o;
  o.quarter = *quarter;
  o.as_of = view.as_of();
  o.audience = audience_filter(a.audience);
  o.csm = a.csm;
  auto m = attribution::stage_movement(view.data(), view.state_lookup(),
                                       report::stage_gates(view.graph()), o, view.targets().of(quarter->name()));
  const std::string format = a.json ? "json" : a.format;
  if (format == "json") {
    auto j = attribution::movement_to_json(m);
    j["targets"] = view.targets().of(quarter->name()) != nullptr;  // as GET /v1/stages/movement
    j["data_as_of"] = format_timestamp(view.as_of());
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  if (format == "csv") {
    std::printf("%s", (a.moved ? attribution::moved_accounts_csv(m) : attribution::movement_cells_csv(m)).c_str());
    return;
  }
  if (a.moved) {
    std::printf("%-20s %-28s %-14s %-13s %-13s\n", "account", "name", "csm", "from", "to");
    for (const auto& x : m.moved)
      std::printf("%-20s %-28s %-14s %-13s %-13s%s\n", x.account.c_str(), x.name.substr(0, 28).c_str(), x.csm.c_str(),
                  x.from.c_str(), x.to.c_str(), x.forward ? "" : "  (back)");
    std::printf("%zu accounts moved in %s\n", m.moved.size(), m.quarter.name().c_str());
    return;
  }
  std::printf("stage movement in %s (%s to %s), %s accounts: %zu (%zu new in the quarter, in no share)\n",
              m.quarter.name().c_str(), format_timestamp(m.start).c_str(), format_timestamp(m.end).c_str(),
              a.audience.c_str(), m.accounts, m.new_in_quarter);
  if (!view.targets().of(quarter->name()))
    std::printf("no targets for %s (add targets/%s.json)\n", quarter->name().c_str(), quarter->name().c_str());
  std::printf("%-16s %-13s %8s %8s %6s %8s %8s  %s\n", "csm", "stage", "at start", "forward", "back", "moved %",
              "target %", "");
  for (const auto& c : m.cells) {
    if (c.at_start == 0 && !c.target_pct) continue;
    std::printf("%-16s %-13s %8zu %8zu %6zu %8.1f %8s  %s\n", c.csm.c_str(), c.stage.c_str(), c.at_start,
                c.moved_forward, c.moved_back, c.share_pct,
                c.target_pct ? fmt::format("{:.1f}", *c.target_pct).c_str() : "-",
                c.met ? (*c.met ? "met" : "below target") : "");
  }
}

std::string group_of(const Account* a, const std::string& by) {
  if (!a || by.empty()) return by.empty() ? "all" : "-";
  const std::string& v = by == "tier" ? a->tier : by == "csm" ? a->csm : a->plan;
  return v.empty() ? "-" : v;
}

void run(const StagesArgs& a) {
  if (a.audience != "all" && !parse_audience(a.audience)) {
    std::fprintf(stderr, "uplift stages: --audience: '%s' is not customer, trial, partner, employee or all\n",
                 a.audience.c_str());
    exit_code() = 2;
    return;
  }
  if (a.quarter.empty() && (a.moved || !a.csm.empty() || a.format != "table")) {
    std::fprintf(stderr, "uplift stages: --moved, --csm and --format go with --quarter (stage movement in a quarter)\n");
    exit_code() = 2;
    return;
  }
  if (!a.quarter.empty() && !a.by.empty()) {
    std::fprintf(stderr, "uplift stages: --by does not go with --quarter (movement is always per CSM; --csm picks one)\n");
    exit_code() = 2;
    return;
  }
  auto ws = a.ws.open("stages");
  if (!ws) return;
  const app::View view = ws->view();
  if (!a.quarter.empty()) {
    run_movement(a, view);
    return;
  }
  const auto audience = audience_filter(a.audience);
  const auto& stages = view.graph().stages;
  std::map<std::string, std::map<std::string, std::size_t>> table;  // group -> stage -> accounts
  // Every account record of the audience (one without events is at the first stage), and under
  // --audience all also accounts known only from their events — as GET /v1/stages counts them.
  std::set<std::string> ids;
  for (const auto& [id, acct] : view.data().accounts()) ids.insert(id);
  for (const auto& s : view.states()) ids.insert(s->account);
  for (const auto& id : ids) {
    const Account* acct = view.data().account(id);
    if (audience && (!acct || acct->audience != *audience)) continue;
    const auto* s = view.state(id);
    ++table[group_of(acct, a.by)][s && !s->stage.empty() ? s->stage : (stages.empty() ? "" : stages.front())];
  }
  if (a.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [group, counts] : table) {
      nlohmann::json row = {{"stages", nlohmann::json::object()}};
      if (!a.by.empty()) row[a.by] = group;
      std::size_t total = 0;
      for (const auto& st : stages) {
        std::size_t n = counts.count(st) ? counts.at(st) : 0;
        row["stages"][st] = n;
        total += n;
      }
      row["accounts"] = total;
      rows.push_back(row);
    }
    std::printf("%s\n", nlohmann::json{{"by", a.by.empty() ? "all" : a.by}, {"rows", rows}}.dump(2).c_str());
    return;
  }
  std::string header = fmt::format("{:<16}", a.by.empty() ? "" : a.by);
  for (const auto& st : stages) header += fmt::format(" {:>13}", st);
  header += fmt::format(" {:>9}", "accounts");
  std::printf("%s\n", header.c_str());
  for (const auto& [group, counts] : table) {
    std::string line = fmt::format("{:<16}", group);
    std::size_t total = 0;
    for (const auto& st : stages) {
      std::size_t n = counts.count(st) ? counts.at(st) : 0;
      total += n;
      line += fmt::format(" {:>13}", n);
    }
    line += fmt::format(" {:>9}", total);
    std::printf("%s\n", line.c_str());
  }
}

void setup(CLI::App& app) {
  auto args = std::make_shared<StagesArgs>();
  auto* cmd = app.add_subcommand("stages", "accounts per adoption stage, optionally per tier, CSM or plan");
  cmd->add_option("--by", args->by, "tier | csm | plan")->check(CLI::IsMember({"tier", "csm", "plan"}));
  cmd->add_flag("--json", args->json, "print JSON (same as --format json)");
  cmd->add_option("--quarter", args->quarter, "stage movement in this quarter (2026Q3) per CSM, against targets/");
  cmd->add_option("--csm", args->csm, "with --quarter: only this CSM's accounts");
  cmd->add_option("--audience", args->audience, "customer (default), trial, partner, employee or all")
      ->capture_default_str();
  cmd->add_option("--format", args->format, "with --quarter: table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}))->capture_default_str();
  cmd->add_flag("--moved", args->moved, "with --quarter: list the accounts that moved");
  args->ws.add_to(*cmd);
  cmd->callback([args] { run(*args); });
}

}  // namespace
UPLIFT_COMMAND(stages, setup);
}  // namespace uplift::cli::cmd_stages
