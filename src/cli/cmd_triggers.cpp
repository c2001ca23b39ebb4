// `uplift triggers` — the trigger rules of triggers/*.json (triggers/rule.h):
//   validate [DIR]             every problem of every file, with the file, rule and field (exit 1)
//   list [--json]              the rules as loaded
//   run [--as-of T] [--rule ID] [--account A] [--json]
//                              every rule that holds for an account at T, as the alert it would be
//                              (a backfill: each open episode once)
//   test RULE --account A [--as-of T]
//                              whether RULE holds for A and why, and the alert as it would go out
//                              (routed destinations, Block Kit message, webhook payload) — nothing is sent
// Rules are checked against the milestone graph of the config directory.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/workspace_args.h"
#include "milestones/loader.h"
#include "triggers/detect.h"
#include "triggers/message.h"

namespace uplift::cli::cmd_triggers {
namespace {

struct TriggerArgs {
  WorkspaceArgs ws;
  std::string dir, rule, account;
  bool json = false;
};

// The rules of <config>/triggers (or `dir`), checked against the config's graph; nullopt (exit
// 1 or 2) after printing why.
std::optional<triggers::RuleSet> rules_for(const char* command, const std::string& dir, const std::string& config,
                                           const milestones::Graph& graph) {
  std::filesystem::path path = dir;
  if (path.empty()) {
    auto cfg = app::resolve_config_dir(config);
    if (!cfg.ok()) {
      std::fprintf(stderr, "uplift triggers %s: %s\n", command, cfg.status().message().c_str());
      exit_code() = 2;
      return std::nullopt;
    }
    path = *cfg / "triggers";
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::fprintf(stderr, "uplift triggers %s: %s: no such file or directory\n", command, path.string().c_str());
    exit_code() = 2;
    return std::nullopt;
  }
  auto rules = triggers::load_triggers(path, graph);
  if (!rules.ok()) {
    std::fprintf(stderr, "%s\n", rules.status().message().c_str());
    exit_code() = 1;
    return std::nullopt;
  }
  return std::move(*rules);
}

void validate(const TriggerArgs& a) {
  auto cfg = app::resolve_config_dir(a.ws.config);
  if (!cfg.ok()) {
    std::fprintf(stderr, "uplift triggers validate: %s\n", cfg.status().message().c_str());
    exit_code() = 2;
    return;
  }
  auto graph = milestones::load_graph_or_error(*cfg / "milestones");
  if (!graph.ok()) {
    std::fprintf(stderr, "uplift triggers validate: milestones: %s\n", graph.status().message().c_str());
    exit_code() = 2;
    return;
  }
  auto rules = rules_for("validate", a.dir, a.ws.config, *graph);
  if (!rules) return;
  std::printf("%s: ok — %zu trigger rule(s)\n", (a.dir.empty() ? (*cfg / "triggers").string() : a.dir).c_str(),
              rules->rules.size());
}

void list(const TriggerArgs& a) {
  auto ws = a.ws.open("triggers list");
  if (!ws) return;
  const app::View view = ws->view();
  auto rules = rules_for("list", a.dir, ws->config_dir().string(), view.graph());
  if (!rules) return;
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rules->rules) out.push_back(triggers::rule_to_json(r));
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  for (const auto& r : rules->rules) {
    std::string when;
    for (const auto& k : r.when)
      when += (when.empty() ? "" : " and ") + std::string(triggers::condition_kind_name(k.kind)) +
              (k.flag.empty() ? "" : " " + k.flag) + (k.milestone.empty() ? "" : " " + k.milestone) +
              (k.stage.empty() ? "" : " " + k.stage) + (k.days ? fmt::format(" {} d", *k.days) : "");
    if (r.renewal_within_days) when += fmt::format(" and renewal within {} d", *r.renewal_within_days);
    std::printf("%-34s %s (cool-down %d d)\n", r.id.c_str(), when.c_str(), r.cooldown_days);
  }
  for (const auto& d : rules->destinations.destinations)
    std::printf("destination %-22s %-8s %s\n", d.name.c_str(), std::string(triggers::destination_kind_name(d.kind)).c_str(),
                triggers::destination_to_json(d)["url"].get<std::string>().c_str());
}

void print_alerts(const std::vector<triggers::Alert>& alerts, const app::View& view, bool json) {
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& al : alerts) {
      auto j = triggers::alert_to_json(al);
      if (const Account* acct = view.data().account(al.account)) {
        j["account_name"] = acct->name;
        j["csm"] = acct->csm;
        if (acct->arr) j["arr"] = *acct->arr;
        if (acct->renewal_date) j["renewal_date"] = format_date(*acct->renewal_date);
      }
      out.push_back(std::move(j));
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  for (const auto& al : alerts) {
    const Account* acct = view.data().account(al.account);
    std::printf("%-30s %-20s %-12s %s\n", al.rule.c_str(), al.account.c_str(), acct ? acct->csm.c_str() : "",
                al.what.c_str());
  }
  std::printf("%zu alert(s)\n", alerts.size());
}

void run(const TriggerArgs& a) {
  auto ws = a.ws.open("triggers run");
  if (!ws) return;
  const app::View view = ws->view();
  auto rules = rules_for("run", a.dir, ws->config_dir().string(), view.graph());
  if (!rules) return;
  if (!a.rule.empty()) {
    const triggers::Rule* r = rules->find(a.rule);
    if (!r) {
      std::fprintf(stderr, "uplift triggers run: --rule: no rule '%s'\n", a.rule.c_str());
      exit_code() = 2;
      return;
    }
    rules->rules = {*r};
  }
  std::vector<std::string> accounts;
  if (!a.account.empty()) {
    if (!view.data().account(a.account)) {
      std::fprintf(stderr, "uplift triggers run: --account: no account record '%s'\n", a.account.c_str());
      exit_code() = 2;
      return;
    }
    accounts.push_back(a.account);
  } else {
    for (const auto& [id, acct] : view.data().accounts()) accounts.push_back(id);
  }
  triggers::Context ctx{&view.data(), &view.graph(), view.state_lookup()};
  triggers::EpisodeBook book;
  print_alerts(triggers::step(*rules, ctx, accounts, view.as_of(), book), view, a.json);
}

void test(const TriggerArgs& a) {
  auto ws = a.ws.open("triggers test");
  if (!ws) return;
  const app::View view = ws->view();
  auto rules = rules_for("test", a.dir, ws->config_dir().string(), view.graph());
  if (!rules) return;
  const triggers::Rule* r = rules->find(a.rule);
  if (!r) {
    std::fprintf(stderr, "uplift triggers test: no rule '%s'\n", a.rule.c_str());
    exit_code() = 2;
    return;
  }
  if (!view.data().account(a.account)) {
    std::fprintf(stderr, "uplift triggers test: --account: no account record '%s'\n", a.account.c_str());
    exit_code() = 2;
    return;
  }
  triggers::Context ctx{&view.data(), &view.graph(), view.state_lookup()};
  auto why = triggers::holds(*r, ctx, a.account, view.as_of());
  if (!why) {
    std::printf("%s does not hold for %s as of %s\n", r->id.c_str(), a.account.c_str(), format_timestamp(view.as_of()).c_str());
    exit_code() = 1;
    return;
  }
  triggers::Alert al{triggers::alert_id(r->id, a.account, view.as_of()), r->id, a.account, view.as_of(), *why, r->action};
  // The alert as it would go out: its context, where the routing sends it, and both renderings.
  const nlohmann::json context = triggers::alert_context(al, *r, ctx, view.content(), view.program_for());
  const Account* acct = view.data().account(a.account);
  nlohmann::json out = {{"alert", context},
                        {"destinations", rules->destinations.routing.for_csm(acct ? acct->csm : "")},
                        {triggers::destination_kind_name(triggers::Destination::Kind::kSlack), triggers::slack_message(context)},
                        {triggers::destination_kind_name(triggers::Destination::Kind::kWebhook), triggers::webhook_payload(context)}};
  std::printf("%s\n", out.dump(2).c_str());
}

void setup(CLI::App& app) {
  auto args = std::make_shared<TriggerArgs>();
  auto* cmd = app.add_subcommand("triggers", "trigger rules (triggers/*.json): validate, list, run, test");
  cmd->require_subcommand(1);
  auto* v = cmd->add_subcommand("validate", "check the trigger rules against the milestone graph (exit 1 on problems)");
  v->add_option("dir", args->dir, "a rules file or directory (default: <config>/triggers)");
  v->add_option("--config", args->ws.config, "config directory (default: $UPLIFT_CONFIG_DIR, ., or beside the binary)");
  v->callback([args] { validate(*args); });
  auto* l = cmd->add_subcommand("list", "the rules as loaded");
  l->add_flag("--json", args->json, "print JSON");
  args->ws.add_to(*l);
  l->callback([args] { list(*args); });
  auto* r = cmd->add_subcommand("run", "every rule that holds for an account at the as-of instant (nothing is sent)");
  r->add_option("--rule", args->rule, "only this rule");
  r->add_option("--account", args->account, "only this account");
  r->add_flag("--json", args->json, "print JSON");
  args->ws.add_to(*r);
  r->callback([args] { run(*args); });
  auto* t = cmd->add_subcommand("test", "whether RULE holds for an account, why, and the Slack and webhook messages it would send (nothing is sent)");
  t->add_option("rule", args->rule, "rule id")->required();
  t->add_option("--account", args->account, "account id")->required();
  args->ws.add_to(*t);
  t->callback([args] { test(*args); });
}

}  // namespace
UPLIFT_COMMAND(triggers, setup);
}  // namespace uplift::cli::cmd_triggers
