// `uplift stages [--by tier|csm|plan] [--json]` — how many accounts are at each stage, overall
// or per tier / CSM / plan (columns in journey order). Accounts without an account record are
// grouped under "-".
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "cli/workspace_args.h"

namespace uplift::cli {
namespace {

struct StagesArgs {
  WorkspaceArgs ws;
  std::string by;
  bool json = false;
};

std::string group_of(const Account* a, const std::string& by) {
  if (!a || by.empty()) return by.empty() ? "all" : "-";
  const std::string& v = by == "tier" ? a->tier : by == "csm" ? a->csm : a->plan;
  return v.empty() ? "-" : v;
}

void run(const StagesArgs& a) {
  auto ws = a.ws.open("stages");
  if (!ws) return;
  const auto& stages = ws->graph().stages;
  std::map<std::string, std::map<std::string, std::size_t>> table;  // group -> stage -> accounts
  for (const auto& [id, s] : ws->states()) ++table[group_of(ws->data().account(id), a.by)][s.stage];
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
  cmd->add_flag("--json", args->json, "print JSON rows");
  args->ws.add_to(*cmd);
  cmd->callback([args] { run(*args); });
}

}  // namespace
UPLIFT_COMMAND(stages, setup);
}  // namespace uplift::cli
