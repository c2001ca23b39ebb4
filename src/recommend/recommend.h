// Recommendations: "what should this learner take next?" — the LMS asks on every page load.
//
// Candidates are catalog items that teach one of the account's frontier milestones (unmet
// milestones whose requirements are met) or that continue a path of one of the learner's
// segments. They are filtered — audience (an item is visible only to the audiences it lists; a
// trial, partner or employee learner never gets customer-only content), role (an item with roles
// is shown only to learners with one of them; a learner without a role sees only role-free
// items), prerequisites (all completed) — minus items the learner completed or passed, then
// ranked by an integer score, highest first, ties by item id:
//
//   frontier   1000 + floor(300 × min(1, current/target)) of the closest frontier milestone taught
//   path       600 − 60 × min(10, steps from the learner's next item in that path) (best path)
//   collection +50 when the item is in a collection for the learner's role
//   in progress +100 when the learner started it
//   short      floor((120 − min(minutes, 120)) / 4)
//
// When nothing qualifies that way the list is never silently empty; fallbacks, in order, each
// named in the reasons as {"fallback": KIND, "id": …}:
//   practice   900  a frontier milestone whose teaching items the learner has all completed (the
//                   account still lacks it): its live sessions again, to practise — and the
//                   learner is a candidate for the milestone's accelerator cohort
//   collection 400  items of a collection for the learner's role
//   path       300 − 10 × (path's place in the content map) the next item of any path
// and an empty list carries {"empty": {"reason": CODE, "detail": text}}: no_milestone_state,
// journey_complete, no_content_for_frontier, not_visible (audience, role or prerequisites) or
// all_completed.
// Each recommendation carries machine-readable reasons and the next badge it earns. Pure:
// reads a Dataset, the account's AccountState, the SegmentSet and the ContentMap at an explicit
// as_of; no I/O, no wall clock. Thread-safe for concurrent readers of unchanging inputs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "recommend/content_map.h"
#include "segments/segment.h"

namespace uplift::recommend {

// Everything a recommendation reads. The pointed-to objects must outlive the call.
struct Context {
  const Dataset* data = nullptr;
  const segments::SegmentSet* segments = nullptr;
  const ContentMap* content = nullptr;
  segments::StateLookup states;  // may be empty: no account has state
  Timestamp as_of = 0;
};

// Score weights (see the file comment); exposed so tests and docs can name them.
inline constexpr int kFrontierBase = 1000, kFrontierProgress = 300, kPathBase = 600, kPathStep = 60,
                     kPathMaxSteps = 10, kCollection = 50, kInProgress = 100, kShortMinutes = 120,
                     kFallbackPractice = 900, kFallbackCollection = 400, kFallbackPath = 300;

// One reason an item was recommended. JSON: {"frontier": "three_groups", "progress": "2/3"},
// {"path": "foundational", "position": 3, "segment": "new_admins", "next": true},
// {"collection": "admin_essentials"}, {"in_progress": true}.
// Its ids point into the Context's config and states (see recommend()).
struct Reason {
  enum class Kind { kFrontier, kPath, kCollection, kInProgress, kFallback };
  Kind kind = Kind::kFrontier;
  std::string_view id;        // milestone, path or collection id
  std::string progress;       // frontier: "current/target"
  std::string_view segment;   // path: the segment that led to it
  int position = 0;           // path: 1-based position in the path
  bool next = false;          // path: the learner's next step
  std::string_view fallback;  // fallback: "practice" (id: the milestone), "collection" or "path" (id: its id)
};

// The badge completing this item earns next: its own, or the one of the path/collection it
// brings closest to completion (fewest items left, ties by id). Paths and collections with an
// item hidden from the learner (audience or role) are never named.
struct NextBadge {
  std::string_view name;
  std::string_view source;  // "item" | "path" | "collection"
  std::string_view id;      // item, path or collection id
  int remaining = 1;        // items still to complete for it, this one included
};

struct Recommendation {
  const CatalogItem* item = nullptr;
  int score = 0;
  std::vector<Reason> reasons;
  std::optional<NextBadge> badge;
};

struct Recommendations {
  std::string_view learner, account, stage;
  Audience audience = Audience::kCustomer;
  std::vector<std::string_view> segments, frontier;
  Timestamp as_of = 0;
  std::vector<Recommendation> items;  // ranked, at most `limit`
  std::string empty_reason, empty_detail;  // why `items` is empty (a code and a sentence)
};

// NotFound for an unknown learner. The answer's ids and names point into the Context's records,
// config and states (no copies on the LMS's hot path): use it while they live (a pinned View).
Result<Recommendations> recommend(const Context& ctx, std::string_view learner, std::size_t limit);

// The learner's segment paths with each visible item's status.
struct PathStep {
  const CatalogItem* item = nullptr;
  int position = 0;    // 1-based
  std::string status;  // "done" | "next" | "todo" | "locked" (prerequisites not completed)
};
struct PathProgress {
  const LearningPath* path = nullptr;
  std::string segment;  // the first of the learner's segments mapped to it
  std::vector<PathStep> steps;  // items hidden from the learner's audience/role are left out
  int done = 0;
};
struct PathView {
  std::string learner, account;
  std::vector<std::string> segments;
  std::vector<PathProgress> paths;
};
Result<PathView> learning_path(const Context& ctx, std::string_view learner);

// The learner's segments, each with the rule conditions that matched.
struct LearnerSegments {
  std::string learner, account;
  std::vector<segments::SegmentMatch> segments;
};
Result<LearnerSegments> learner_segments(const Context& ctx, std::string_view learner);

nlohmann::json to_json(const Reason& r);
nlohmann::json to_json(const Recommendations& r);
// The same document as to_json(r).dump() (error handler "replace"), byte for byte, written
// straight into a string: the API's hot path builds no intermediate JSON tree.
std::string to_json_text(const Recommendations& r);
nlohmann::json to_json(const PathView& v);
nlohmann::json to_json(const LearnerSegments& s);

}  // namespace uplift::recommend
