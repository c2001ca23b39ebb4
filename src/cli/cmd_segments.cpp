// `uplift segments list|members SEG|explain LEARNER` — the learner segments of segments/*.json
// evaluated over the workspace (records + milestone states) at its as-of instant.
#include <cstdio>

#include <fmt/format.h>

#include "cli/workspace_args.h"
#include "segments/segment.h"

namespace uplift::cli::cmd_segments {
namespace {

struct SegmentsArgs {
  WorkspaceArgs ws;
  std::string target;  // segment id (members) or learner id (explain)
  std::size_t offset = 0, limit = 50;
  bool json = false;
};

void list(const SegmentsArgs& a) {
  auto ws = a.ws.open("segments list");
  if (!ws) return;
  const app::View view = ws->view();
  const auto& set = view.segments();
  std::vector<std::size_t> counts(set.segments.size(), 0);
  std::vector<std::uint32_t> member;
  for (LearnerRef learner : view.data().learners()) {
    segments::member_of(set, segments::facts_for(view.data(), learner, view.state(learner.account()), view.as_of()), member);
    for (auto i : member) ++counts[i];
  }
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < set.segments.size(); ++i) {
      auto j = segments::to_json(set.segments[i]);
      j["learners"] = counts[i];
      out.push_back(j);
    }
    std::printf("%s\n", nlohmann::json{{"as_of", format_timestamp(view.as_of())}, {"segments", out}}.dump(2).c_str());
    return;
  }
  if (set.segments.empty()) std::printf("no segments (add segments/*.json to the config directory)\n");
  for (std::size_t i = 0; i < set.segments.size(); ++i) {
    const auto& s = set.segments[i];
    std::printf("%s\n", fmt::format("{:<28} {:>9} learners  {}", s.id, counts[i], s.title).c_str());
    std::printf("%s\n", fmt::format("{:<28} {}", "", segments::rule_to_json(s.rule).dump()).c_str());
  }
}

void members(const SegmentsArgs& a) {
  auto ws = a.ws.open("segments members");
  if (!ws) return;
  const app::View view = ws->view();
  auto m = segments::members(view.segments(), a.target, view.data(), view.state_lookup(), view.as_of(), a.offset, a.limit);
  if (!m.ok()) {
    std::fprintf(stderr, "uplift segments members: %s\n", m.status().message().c_str());
    exit_code() = 1;
    return;
  }
  if (a.json) {
    std::printf("%s\n", segments::to_json(*m).dump(2).c_str());
    return;
  }
  for (const auto& l : m->learners) std::printf("%s\n", l.c_str());
  std::fprintf(stderr, "%zu of %zu learners in %s (offset %zu)\n", m->learners.size(), m->total, m->segment.c_str(),
               m->offset);
}

void explain(const SegmentsArgs& a) {
  auto ws = a.ws.open("segments explain");
  if (!ws) return;
  const app::View view = ws->view();
  auto r = recommend::learner_segments(view.recommend_context(), a.target);
  if (!r.ok()) {
    std::fprintf(stderr, "uplift segments explain: %s\n", r.status().message().c_str());
    exit_code() = 1;
    return;
  }
  if (a.json) {
    std::printf("%s\n", recommend::to_json(*r).dump(2).c_str());
    return;
  }
  std::printf("learner %s (account %s)\n", r->learner.c_str(), r->account.c_str());
  if (r->segments.empty()) std::printf("  in no segment\n");
  for (const auto& m : r->segments) {
    std::printf("  %s\n", m.segment.c_str());
    for (const auto& w : m.matched)
      std::printf("    %s%s %s %s (actual: %s)\n", w.holds ? "" : "not ", w.field.c_str(), w.op.c_str(),
                  w.expected.dump().c_str(), w.actual.dump().c_str());
  }
}

void setup(CLI::App& app) {
  auto args = std::make_shared<SegmentsArgs>();
  auto* cmd = app.add_subcommand("segments", "learner segments: list them, page their members, explain a learner");
  cmd->require_subcommand(1);
  auto* l = cmd->add_subcommand("list", "every segment with its rule and member count");
  auto* m = cmd->add_subcommand("members", "the learners of one segment, in id order");
  m->add_option("segment", args->target, "segment id")->required();
  m->add_option("--offset", args->offset, "skip this many members");
  m->add_option("--limit", args->limit, "at most this many members (default 50)");
  auto* e = cmd->add_subcommand("explain", "a learner's segments and the conditions that put it there");
  e->add_option("learner", args->target, "learner id")->required();
  for (auto* sub : {l, m, e}) {
    sub->add_flag("--json", args->json, "print JSON");
    args->ws.add_to(*sub);
  }
  l->callback([args] { list(*args); });
  m->callback([args] { members(*args); });
  e->callback([args] { explain(*args); });
}

}  // namespace
UPLIFT_COMMAND(segments, setup);
}  // namespace uplift::cli::cmd_segments
