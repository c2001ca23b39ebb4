// `uplift status ACCOUNT [--json]` — one account's adoption journey: stage, every milestone as a
// tree (gates above what they read) with ✔ and the date reached, or progress ("2/3 groups"),
// the frontier (→ next) and flags (⚠). Exit 1 when the account is unknown.
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "cli/workspace_args.h"
#include "milestones/state_json.h"

namespace uplift::cli::cmd_status {
namespace {

using milestones::AccountState;
using milestones::Graph;
using milestones::MilestoneStatus;

struct StatusArgs {
  WorkspaceArgs ws;
  std::string account;
  bool json = false;
};

std::string day(std::optional<Timestamp> t) { return t ? format_date(date_of(*t)) : std::string(); }

void print_node(const Graph& g, const AccountState& s, int index, int depth, std::set<int>& printed) {
  const auto& m = g.milestones[index];
  const MilestoneStatus& st = s.milestones[index];
  bool next = std::find(s.frontier.begin(), s.frontier.end(), m.id) != s.frontier.end();
  std::string line = fmt::format("{:{}}{} {}", "", depth * 2, st.achieved ? "✔" : next ? "→" : "·", m.id);
  if (st.achieved) line += "  " + day(st.achieved_at);
  line += fmt::format("  {:g}/{:g} {}", st.progress.current, st.progress.target, st.progress.unit);
  if (m.gate) {
    line += fmt::format("  [{}]", milestones::gate_mode_name(m.gate->mode));
  }
  if (!m.requires_.empty()) line += fmt::format("  (requires {})", fmt::join(m.requires_, ", "));
  if (m.stage) line += fmt::format("  ⟵ stage {}", *m.stage);
  std::printf("%s\n", line.c_str());
  if (!m.gate || printed.count(index)) return;
  printed.insert(index);
  for (const auto& o : m.gate->operands) print_node(g, s, g.index_of(o), depth + 1, printed);
}

void run(const StatusArgs& a) {
  auto ws = a.ws.open("status");
  if (!ws) return;
  const app::View view = ws->view();
  const AccountState* s = view.state(a.account);
  if (!s) {
    std::fprintf(stderr, "uplift status: no account \"%s\" (no account record, events or learners)\n", a.account.c_str());
    exit_code() = 1;
    return;
  }
  if (a.json) {
    std::printf("%s\n", milestones::to_json(*s).dump(2).c_str());
    return;
  }
  const Graph& g = view.graph();
  std::string head = s->account;
  if (const Account* acct = view.data().account(s->account)) {
    if (!acct->name.empty()) head += " (" + acct->name + ")";
    std::vector<std::string> parts;
    if (!acct->tier.empty()) parts.push_back("tier " + acct->tier);
    if (!acct->plan.empty()) parts.push_back("plan " + acct->plan);
    if (!acct->csm.empty()) parts.push_back("CSM " + acct->csm);
    if (!parts.empty()) head += fmt::format(" — {}", fmt::join(parts, ", "));
  }
  std::printf("%s\n", head.c_str());
  std::printf("stage: %s%s   (as of %s)\n\n", s->stage.c_str(),
              s->stage_reached_at ? (" since " + day(s->stage_reached_at)).c_str() : "", day(view.as_of()).c_str());
  // Roots: milestones no gate reads, latest first so the journey's end is on top.
  std::set<int> operand;
  for (const auto& m : g.milestones)
    if (m.gate)
      for (const auto& o : m.gate->operands) operand.insert(g.index_of(o));
  std::set<int> printed;
  for (int i = static_cast<int>(g.milestones.size()) - 1; i >= 0; --i)
    if (!operand.count(i)) print_node(g, *s, i, 0, printed);
  if (!s->frontier.empty()) std::printf("\nnext: %s\n", fmt::format("{}", fmt::join(s->frontier, ", ")).c_str());
  for (const auto& f : s->flags) std::printf("⚠ %s: %s\n", f.kind.c_str(), f.detail.c_str());
}

void setup(CLI::App& app) {
  auto args = std::make_shared<StatusArgs>();
  auto* cmd = app.add_subcommand("status", "an account's stage, milestones (✔ / progress) and flags");
  cmd->add_option("ACCOUNT", args->account, "account id")->required();
  cmd->add_flag("--json", args->json, "print the AccountState as JSON");
  args->ws.add_to(*cmd);
  cmd->callback([args] { run(*args); });
}

}  // namespace
UPLIFT_COMMAND(status, setup);
}  // namespace uplift::cli::cmd_status
