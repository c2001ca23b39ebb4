// `uplift unresolved` — records from other systems waiting for their person (app/unresolved.h):
//   list [--source S] [--json]   what waits, oldest first, and why
//   retry                        applies every entry that resolves now (the server does this by
//                                itself when learners change); prints how many
#include <algorithm>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "app/unresolved.h"
#include "cli/workspace_args.h"

namespace uplift::cli::cmd_unresolved {
namespace {

struct UnresolvedArgs {
  WorkspaceArgs ws;
  std::string source;
  bool json = false;
};

void list(const UnresolvedArgs& a) {
  auto ws = a.ws.open("unresolved list");
  if (!ws) return;
  std::vector<app::UnresolvedEntry> entries;
  Status st = ws->store().scan_documents(app::kUnresolvedCollection, [&](const Document& d) {
    auto e = app::unresolved_from_document(d);
    if (!e.ok()) std::fprintf(stderr, "uplift unresolved list: %s\n", e.status().message().c_str());
    else if (a.source.empty() || e->source == a.source) entries.push_back(std::move(*e));
    return true;
  });
  if (!st.ok()) {
    std::fprintf(stderr, "uplift unresolved list: %s\n", st.message().c_str());
    exit_code() = 2;
    return;
  }
  std::stable_sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) { return x.received_at < y.received_at; });
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries) out.push_back(app::unresolved_to_json(e));
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  for (const auto& e : entries)
    std::printf("%s  %-10s %-11s %-30s %s\n", format_timestamp(e.received_at).c_str(), e.source.c_str(),
                std::string(kind_name(kind_of(e.record))).c_str(),
                (e.actor.display.empty() ? e.actor.learner_id : e.actor.display).c_str(), e.reason.c_str());
  std::printf("%zu record(s) waiting for their learner\n", entries.size());
}

void retry(const UnresolvedArgs& a) {
  auto ws = a.ws.open("unresolved retry");
  if (!ws) return;
  auto applied = ws->resolve_unresolved(true);
  if (!applied.ok()) {
    std::fprintf(stderr, "uplift unresolved retry: %s\n", applied.status().message().c_str());
    exit_code() = 2;
    return;
  }
  std::printf("%zu record(s) applied\n", *applied);
}

void setup(CLI::App& app) {
  auto args = std::make_shared<UnresolvedArgs>();
  auto* cmd = app.add_subcommand("unresolved", "records from other systems waiting for their learner: list, retry");
  cmd->require_subcommand(1);
  auto* l = cmd->add_subcommand("list", "what waits, oldest first, and why");
  l->add_option("--source", args->source, "only this source (skilljar, docebo, xapi, …)");
  l->add_flag("--json", args->json, "print JSON");
  args->ws.add_to(*l);
  l->callback([args] { list(*args); });
  auto* r = cmd->add_subcommand("retry", "apply every entry whose learner is known now");
  args->ws.add_to(*r);
  r->callback([args] { retry(*args); });
}

}  // namespace
UPLIFT_COMMAND(unresolved, setup);
}  // namespace uplift::cli::cmd_unresolved
