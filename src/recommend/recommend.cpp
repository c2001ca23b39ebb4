#include "recommend/recommend.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace uplift::recommend {
namespace {

// What one request knows about its learner, gathered once.
struct LearnerView {
  LearnerRef learner;
  segments::LearnerFacts facts;
  std::vector<std::uint32_t> segments;  // indices into the SegmentSet
  std::vector<std::uint32_t> completed, started;  // item indices, sorted
};

bool has(const std::vector<std::uint32_t>& sorted, std::uint32_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

void sort_unique(std::vector<std::uint32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

Result<LearnerView> view_of(const Context& ctx, std::string_view id) {
  LearnerView v;
  v.learner = ctx.data->learner(id);
  if (!v.learner) return Status::NotFound(fmt::format("learner '{}' is not known", id));
  const milestones::AccountState* state = ctx.states ? ctx.states(v.learner->account()) : nullptr;
  v.facts = segments::facts_for(*ctx.data, *v.learner, state, ctx.as_of);
  segments::member_of(*ctx.segments, v.facts, v.segments);
  for (const auto& c : ctx.data->completions_of(v.learner->id())) {
    if (c.ts > ctx.as_of) continue;  // not yet true at as_of
    auto idx = ctx.content->item_index(ctx.data->completion_content(c));
    if (idx == ContentMap::npos) continue;
    if (c.status == CompletionStatus::kCompleted || c.status == CompletionStatus::kPassed) v.completed.push_back(idx);
    else if (c.status == CompletionStatus::kStarted) v.started.push_back(idx);
  }
  sort_unique(v.completed);
  sort_unique(v.started);
  return v;
}

bool role_ok(const std::vector<std::string>& roles, LearnerRef l) {
  return roles.empty() || std::find(roles.begin(), roles.end(), l.role()) != roles.end();
}

// Visible to this learner at all (audience and role); prerequisites are checked separately.
bool visible(const CatalogItem& it, const LearnerView& v) {
  return (it.audience_mask & audience_bit(v.facts.audience)) && role_ok(it.roles, *v.learner);
}

bool prerequisites_met(const CatalogItem& it, const LearnerView& v) {
  for (auto p : it.prerequisite_idx)
    if (!has(v.completed, p)) return false;
  return true;
}

std::string number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<long long>(d));
  return fmt::format("{:g}", d);
}

// The 0-based position of the learner's next (first not completed) item in a path.
std::uint32_t next_position(const LearningPath& p, const LearnerView& v) {
  std::uint32_t pos = 0;
  while (pos < p.item_idx.size() && has(v.completed, p.item_idx[pos])) ++pos;
  return pos;
}

struct Candidate {
  std::uint32_t item;
  int frontier = -1, path = -1;  // best component scores; -1: not a candidate through it
  int fallback = 0;              // score of a fallback (when nothing else qualifies)
  std::vector<Reason> reasons;
};

Candidate& candidate(std::vector<Candidate>& cs, std::uint32_t item) {
  for (auto& c : cs)
    if (c.item == item) return c;
  cs.push_back(Candidate{item, -1, -1, 0, {}});
  cs.back().reasons.reserve(4);  // a frontier, a path, a collection, in progress: rarely more
  return cs.back();
}

// Items of a path/collection still to complete; -1 when some item is hidden from the learner
// (such a badge cannot be earned, and naming it would leak content of another audience).
template <typename C>
int remaining_in(const ContentMap& cm, const C& container, const LearnerView& v) {
  int n = 0;
  for (auto i : container.item_idx) {
    if (!visible(cm.items()[i], v)) return -1;
    n += !has(v.completed, i);
  }
  return n;
}

std::optional<NextBadge> next_badge(const ContentMap& cm, const CatalogItem& it, const LearnerView& v) {
  if (!it.badge.empty()) return NextBadge{it.badge, "item", it.id, 1};
  std::optional<NextBadge> best;
  auto consider = [&](const std::string& badge, const char* source, const std::string& id, int remaining) {
    if (badge.empty() || remaining < 0) return;
    if (!best || remaining < best->remaining || (remaining == best->remaining && id < best->id))
      best = NextBadge{badge, source, id, remaining};
  };
  for (const auto& pl : it.in_paths) {
    const auto& p = cm.paths()[pl.container];
    consider(p.badge, "path", p.id, remaining_in(cm, p, v));
  }
  for (const auto& pl : it.in_collections) {
    const auto& c = cm.collections()[pl.container];
    if (role_ok(c.roles, *v.learner)) consider(c.badge, "collection", c.id, remaining_in(cm, c, v));
  }
  return best;
}

}  // namespace

namespace {

// Nothing teaches the frontier or continues a path: practise, the role's collection, any path.
template <class Eligible>
void fallbacks(const Context& ctx, const LearnerView& v, const milestones::AccountState* state, const Eligible& eligible,
               std::vector<Candidate>& cs) {
  const ContentMap& cm = *ctx.content;
  if (state) {
    for (const auto& m : state->frontier) {
      const auto& teaching = cm.items_teaching(m);
      bool any_visible = false, all_done = true;
      for (auto i : teaching) {
        if (!visible(cm.items()[i], v)) continue;
        any_visible = true;
        all_done = all_done && has(v.completed, i);
      }
      if (!any_visible || !all_done) continue;
      for (auto i : teaching) {  // live sessions can be joined again
        const auto& it = cm.items()[i];
        if (it.type != ItemType::kLive || !visible(it, v)) continue;
        auto& c = candidate(cs, i);
        c.fallback = std::max(c.fallback, kFallbackPractice);
        c.reasons.push_back(Reason{Reason::Kind::kFallback, m, {}, {}, 0, false, "practice"});
      }
    }
  }
  if (!cs.empty()) return;
  for (const auto& col : cm.collections()) {
    if (col.roles.empty() || !role_ok(col.roles, *v.learner)) continue;
    for (auto i : col.item_idx) {
      if (!eligible(i)) continue;
      auto& c = candidate(cs, i);
      if (c.fallback) continue;
      c.fallback = kFallbackCollection;
      c.reasons.push_back(Reason{Reason::Kind::kFallback, col.id, {}, {}, 0, false, "collection"});
    }
  }
  if (!cs.empty()) return;
  for (std::size_t pi = 0; pi < cm.paths().size(); ++pi) {
    const auto& p = cm.paths()[pi];
    for (auto i : p.item_idx) {
      if (!eligible(i)) continue;
      auto& c = candidate(cs, i);
      if (!c.fallback) {
        c.fallback = kFallbackPath - 10 * static_cast<int>(std::min<std::size_t>(pi, 20));
        c.reasons.push_back(Reason{Reason::Kind::kFallback, p.id, {}, {}, 0, false, "path"});
      }
      break;  // the path's next item only
    }
  }
}

// Why nothing at all can be recommended.
void explain_empty(const Context& ctx, const LearnerView& v, const milestones::AccountState* state,
                   Recommendations& out) {
  const ContentMap& cm = *ctx.content;
  if (!state) {
    out.empty_reason = "no_milestone_state";
    out.empty_detail = "the account has no milestone state yet (no product events): nothing to teach towards";
    return;
  }
  if (state->frontier.empty()) {
    const bool all = std::all_of(state->milestones.begin(), state->milestones.end(),
                                 [](const milestones::MilestoneStatus& m) { return m.achieved; });
    out.empty_reason = all ? "journey_complete" : "no_content_for_frontier";
    out.empty_detail = all ? "the account has reached every milestone" : "the account has no frontier milestone";
    return;
  }
  bool any = false, any_visible = false;
  for (const auto& m : state->frontier)
    for (auto i : cm.items_teaching(m)) {
      any = true;
      any_visible = any_visible || visible(cm.items()[i], v);
    }
  if (!any) {
    out.empty_reason = "no_content_for_frontier";
    out.empty_detail = "no catalog item teaches the account's frontier (" + fmt::format("{}", fmt::join(state->frontier, ", ")) +
                       ") and no collection or path has an item left for this learner";
  } else if (!any_visible) {
    out.empty_reason = "not_visible";
    out.empty_detail = "the items that teach the frontier are not for this learner's audience or role";
  } else {
    out.empty_reason = "all_completed";
    out.empty_detail = "the learner completed what teaches the frontier (no live session to practise with) and every "
                       "item of its paths and collections, or their prerequisites are missing";
  }
}

}  // namespace

Result<Recommendations> recommend(const Context& ctx, std::string_view learner, std::size_t limit) {
  auto got = view_of(ctx, learner);
  if (!got.ok()) return got.status();
  const LearnerView& v = *got;
  const ContentMap& cm = *ctx.content;
  const milestones::AccountState* state = v.facts.state;

  Recommendations out;
  out.learner = v.learner->id();
  out.account = v.learner->account();
  out.audience = v.facts.audience;
  out.as_of = ctx.as_of;
  if (state) {
    out.stage = state->stage;
    out.frontier.assign(state->frontier.begin(), state->frontier.end());
  }
  out.segments.reserve(v.segments.size());
  for (auto s : v.segments) out.segments.push_back(ctx.segments->segments[s].id);

  auto eligible = [&](std::uint32_t i) {
    const auto& it = cm.items()[i];
    return !has(v.completed, i) && visible(it, v) && prerequisites_met(it, v);
  };

  std::vector<Candidate> cs;
  cs.reserve(16);
  if (state) {
    for (const auto& m : state->frontier) {
      const auto& teaching = cm.items_teaching(m);
      if (teaching.empty()) continue;
      const auto* status = state->find(m);
      int closeness = 0;
      std::string progress;
      if (status && status->progress.target > 0) {
        double ratio = std::min(1.0, status->progress.current / status->progress.target);
        closeness = static_cast<int>(std::floor(kFrontierProgress * ratio));
        progress = number(status->progress.current) + "/" + number(status->progress.target);
      }
      for (auto i : teaching) {
        if (!eligible(i)) continue;
        auto& c = candidate(cs, i);
        c.frontier = std::max(c.frontier, kFrontierBase + closeness);
        c.reasons.push_back(Reason{Reason::Kind::kFrontier, m, progress, {}, 0, false, {}});
      }
    }
  }
  for (auto s : v.segments) {
    const auto& seg_id = ctx.segments->segments[s].id;
    for (auto pi : cm.paths_for_segment(seg_id)) {
      const auto& p = cm.paths()[pi];
      std::uint32_t next = next_position(p, v);
      for (std::uint32_t pos = next; pos < p.item_idx.size(); ++pos) {
        std::uint32_t i = p.item_idx[pos];
        if (!eligible(i)) continue;
        auto& c = candidate(cs, i);
        bool dup = std::any_of(c.reasons.begin(), c.reasons.end(), [&](const Reason& r) {
          return r.kind == Reason::Kind::kPath && r.id == p.id;
        });
        if (dup) continue;  // the same path reached through a second segment
        int steps = static_cast<int>(std::min<std::uint32_t>(pos - next, kPathMaxSteps));
        c.path = std::max(c.path, kPathBase - kPathStep * steps);
        c.reasons.push_back(Reason{Reason::Kind::kPath, p.id, {}, seg_id, static_cast<int>(pos + 1), pos == next, {}});
      }
    }
  }

  if (cs.empty()) fallbacks(ctx, v, state, eligible, cs);
  if (cs.empty()) explain_empty(ctx, v, state, out);

  std::vector<std::pair<int, std::uint32_t>> ranked;  // (score, index into cs)
  ranked.reserve(cs.size());
  for (std::uint32_t k = 0; k < cs.size(); ++k) {
    auto& c = cs[k];
    const auto& it = cm.items()[c.item];
    int score = std::max(c.frontier, 0) + std::max(c.path, 0) + c.fallback;
    for (const auto& pl : it.in_collections) {
      const auto& col = cm.collections()[pl.container];
      if (!col.roles.empty() && role_ok(col.roles, *v.learner)) {
        score += kCollection;
        c.reasons.push_back(Reason{Reason::Kind::kCollection, col.id, {}, {}, 0, false, {}});
        break;
      }
    }
    if (has(v.started, c.item)) {
      score += kInProgress;
      c.reasons.push_back(Reason{Reason::Kind::kInProgress, {}, {}, {}, 0, false, {}});
    }
    score += (kShortMinutes - std::min(it.minutes, kShortMinutes)) / 4;
    ranked.emplace_back(score, k);
  }
  // Items are sorted by id in the content map, so the index orders ties by id.
  auto by_rank = [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : cs[a.second].item < cs[b.second].item;
  };
  std::size_t n = std::min(limit, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(), by_rank);
  out.items.reserve(n);
  for (std::size_t r = 0; r < n; ++r) {
    auto& c = cs[ranked[r].second];
    const auto& it = cm.items()[c.item];
    out.items.push_back(Recommendation{&it, ranked[r].first, std::move(c.reasons), next_badge(cm, it, v)});
  }
  return out;
}

Result<PathView> learning_path(const Context& ctx, std::string_view learner) {
  auto got = view_of(ctx, learner);
  if (!got.ok()) return got.status();
  const LearnerView& v = *got;
  const ContentMap& cm = *ctx.content;
  PathView out;
  out.learner = v.learner->id();
  out.account = v.learner->account();
  for (auto s : v.segments) {
    const auto& seg_id = ctx.segments->segments[s].id;
    out.segments.push_back(seg_id);
    for (auto pi : cm.paths_for_segment(seg_id)) {
      const auto& p = cm.paths()[pi];
      bool seen = std::any_of(out.paths.begin(), out.paths.end(), [&](const auto& pp) { return pp.path == &p; });
      if (seen) continue;
      PathProgress pp{&p, seg_id, {}, 0};
      bool next_given = false;
      for (std::uint32_t pos = 0; pos < p.item_idx.size(); ++pos) {
        const auto& it = cm.items()[p.item_idx[pos]];
        if (!visible(it, v)) continue;
        PathStep step{&it, static_cast<int>(pos + 1), "todo"};
        if (has(v.completed, p.item_idx[pos])) {
          step.status = "done";
          ++pp.done;
        } else if (!prerequisites_met(it, v)) {
          step.status = "locked";
        } else if (!next_given) {
          step.status = "next";
          next_given = true;
        }
        pp.steps.push_back(std::move(step));
      }
      out.paths.push_back(std::move(pp));
    }
  }
  return out;
}

Result<LearnerSegments> learner_segments(const Context& ctx, std::string_view learner) {
  LearnerRef l = ctx.data->learner(learner);
  if (!l) return Status::NotFound(fmt::format("learner '{}' is not known", learner));
  const milestones::AccountState* state = ctx.states ? ctx.states(l->account()) : nullptr;
  auto facts = segments::facts_for(*ctx.data, *l, state, ctx.as_of);
  return LearnerSegments{std::string(l->id()), std::string(l->account()), segments::explain(*ctx.segments, facts)};
}

}  // namespace uplift::recommend
