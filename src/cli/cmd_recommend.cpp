// `uplift recommend LEARNER [--limit N] [--path] [--json]` — what the LMS would be told this
// learner should take next (the same answer as GET /v1/learners/{id}/recommendations), or the
// learner's segment paths with each item's status (GET /v1/learners/{id}/path).
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/workspace_args.h"
#include "recommend/recommend.h"

namespace uplift::cli::cmd_recommend {
namespace {

struct RecommendArgs {
  WorkspaceArgs ws;
  std::string learner;
  std::size_t limit = 5;
  bool json = false, path = false;
};

std::string reason_text(const recommend::Reason& r) {
  using K = recommend::Reason::Kind;
  switch (r.kind) {
    case K::kFrontier: return r.progress.empty() ? fmt::format("frontier {}", r.id) : fmt::format("frontier {} ({})", r.id, r.progress);
    case K::kPath: return fmt::format("path {} step {}{} via {}", r.id, r.position, r.next ? " (next)" : "", r.segment);
    case K::kCollection: return fmt::format("collection {}", r.id);
    case K::kInProgress: return "in progress";
    case K::kFallback:
      if (r.fallback == "practice")
        return fmt::format("practice: the teaching items of {} are done, the account still lacks it", r.id);
      return fmt::format("fallback: {} {} (nothing teaches the frontier or continues a path)", r.fallback, r.id);
  }
  return "";
}

void print_path(const recommend::PathView& v) {
  std::printf("learner %s (account %s)\n", v.learner.c_str(), v.account.c_str());
  if (v.paths.empty()) std::printf("  no learning path for this learner's segments\n");
  for (const auto& p : v.paths) {
    std::printf("  %s — %s (%d/%zu done, via %s)\n", p.path->id.c_str(), p.path->title.c_str(), p.done, p.steps.size(),
                p.segment.c_str());
    for (const auto& s : p.steps)
      std::printf("    %d. %-8s %s\n", s.position, s.status.c_str(), s.item->id.c_str());
  }
}

void run(const RecommendArgs& a) {
  auto ws = a.ws.open("recommend");
  if (!ws) return;
  const app::View view = ws->view();
  auto ctx = view.recommend_context();
  if (a.path) {
    auto v = recommend::learning_path(ctx, a.learner);
    if (!v.ok()) {
      std::fprintf(stderr, "uplift recommend: %s\n", v.status().message().c_str());
      exit_code() = 1;
      return;
    }
    if (a.json) std::printf("%s\n", recommend::to_json(*v).dump(2).c_str());
    else print_path(*v);
    return;
  }
  auto r = recommend::recommend(ctx, a.learner, a.limit);
  if (!r.ok()) {
    std::fprintf(stderr, "uplift recommend: %s\n", r.status().message().c_str());
    exit_code() = 1;
    return;
  }
  if (a.json) {
    std::printf("%s\n", recommend::to_json(*r).dump(2).c_str());
    return;
  }
  const std::string segs = fmt::format("{}", fmt::join(r->segments, ", "));
  std::printf("%s\n", fmt::format("learner {} (account {}, {}, stage {}; segments: {})", r->learner, r->account,
                                  audience_name(r->audience), r->stage.empty() ? "-" : r->stage,
                                  segs.empty() ? "none" : segs).c_str());
  if (r->items.empty() && !r->empty_reason.empty())
    std::printf("  nothing to recommend (%s): %s\n", r->empty_reason.c_str(), r->empty_detail.c_str());
  else if (r->items.empty())
    std::printf("  nothing to recommend\n");
  int rank = 0;
  for (const auto& rec : r->items) {
    std::printf("%s\n", fmt::format("{:>3}. {:<30} {:>5}  {} min {}", ++rank, rec.item->id, rec.score, rec.item->minutes,
                                    recommend::item_type_name(rec.item->type)).c_str());
    std::string why;
    for (const auto& reason : rec.reasons) why += (why.empty() ? "" : "; ") + reason_text(reason);
    std::printf("       %s\n", why.c_str());
    if (rec.badge)
      std::printf("%s\n", fmt::format("       badge: {} ({} {}, {} to go)", rec.badge->name, rec.badge->source,
                                      rec.badge->id, rec.badge->remaining).c_str());
  }
}

void setup(CLI::App& app) {
  auto args = std::make_shared<RecommendArgs>();
  auto* cmd = app.add_subcommand("recommend", "what a learner should take next, with reasons (or --path)");
  cmd->add_option("learner", args->learner, "learner id")->required();
  cmd->add_option("--limit", args->limit, "at most this many items (default 5)");
  cmd->add_flag("--path", args->path, "show the learner's segment paths with done/next/todo/locked");
  cmd->add_flag("--json", args->json, "print JSON (the API's response body)");
  args->ws.add_to(*cmd);
  cmd->callback([args] { run(*args); });
}

}  // namespace
UPLIFT_COMMAND(recommend, setup);
}  // namespace uplift::cli::cmd_recommend
