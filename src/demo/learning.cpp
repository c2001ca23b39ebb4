// Course completions of the demo learners (declared in journey.h).
#include <algorithm>

#include "demo/accounts.h"
#include "demo/journey.h"

namespace uplift::demo {
namespace {

struct Course {
  std::string id;
  std::vector<std::string> roles;      // empty: every role
  Stage min_stage;                     // the account must have reached this stage (at any time)
  double p;                            // chance an eligible learner takes it
  std::vector<std::string> audiences;  // empty: customer and employee (the customer Panorama)
};

// The catalog the demo learners work through, in the order a learner meets them.
const std::vector<Course>& courses() {
  static const std::vector<Course> kCourses = {
      {"trial-quickstart", {}, Stage::kOnboarding, 0.6, {"trial"}},
      {"admin-onboarding", {"admin"}, Stage::kOnboarding, 0.85, {"customer", "trial", "employee"}},
      {"workflow-basics", {}, Stage::kOnboarding, 0.5, {"customer", "trial", "partner", "employee"}},
      {"groups-and-permissions", {"admin"}, Stage::kOnboarding, 0.6, {}},
      {"business-user-essentials", {"business_user", "legal", "sales_ops"}, Stage::kOnboarding, 0.35, {}},
      {"partner-implementation-guide", {}, Stage::kOnboarding, 0.5, {"partner"}},
      {"integrations-101", {"admin", "sales_ops"}, Stage::kAdvanced, 0.5, {}},
      {"contracts-at-scale", {}, Stage::kAdvanced, 0.2, {}},
      {"data-manager-essentials", {"admin", "legal"}, Stage::kFoundational, 0.3, {}},
      {"ai-review-intro", {"legal"}, Stage::kFoundational, 0.4, {}},
  };
  return kCourses;
}

bool reached(const AccountPlan& a, Stage s) {
  switch (s) {
    case Stage::kOnboarding: return true;
    case Stage::kFoundational: return a.foundational_at.has_value();
    case Stage::kAdvanced: return a.advanced_at.has_value();
    case Stage::kMature: return a.mature_at.has_value();
  }
  return false;
}

}  // namespace

const std::vector<std::string>& demo_content_ids() {
  static const std::vector<std::string> kIds = [] {
    std::vector<std::string> v;
    for (const auto& c : courses()) v.push_back(c.id);
    return v;
  }();
  return kIds;
}

std::vector<DemoCompletion> account_completions(const AccountPlan& a, const DemoConfig& cfg, const Timeline& tl) {
  Rng r(derive(cfg.seed, 5, static_cast<std::uint64_t>(a.index)));
  const Timestamp end = a.churned_on ? start_of(*a.churned_on) : tl.now;
  std::vector<DemoCompletion> out;
  for (std::size_t k = 0; k < a.learners.size(); ++k) {
    const LearnerPlan& l = a.learners[k];
    for (const Course& c : courses()) {
      const std::vector<std::string> audiences =
          c.audiences.empty() ? std::vector<std::string>{"customer", "employee"} : c.audiences;
      const bool role_ok = (c.roles.empty() || std::find(c.roles.begin(), c.roles.end(), l.role) != c.roles.end()) &&
                           std::find(audiences.begin(), audiences.end(), a.audience) != audiences.end();
      const double u = r.uniform();  // drawn for every pair so courses never shift each other
      const double when = r.uniform();
      const double kind = r.uniform();
      const double score = r.uniform();
      if (!role_ok || !reached(a, c.min_stage) || u >= c.p) continue;
      Timestamp from = l.active_from + kMsPerDay;
      if (c.min_stage == Stage::kFoundational) from = std::max(from, *a.foundational_at);
      if (c.min_stage == Stage::kAdvanced) from = std::max(from, *a.advanced_at - 20 * kMsPerDay);
      if (from >= end) continue;
      DemoCompletion done;
      done.learner = static_cast<int>(k);
      done.content = c.id;
      done.ts = during_work_hours(from + static_cast<Timestamp>(when * 0.6 * static_cast<double>(end - from)), r);
      if (done.ts >= end) continue;
      if (kind < 0.1) {
        done.status = CompletionStatus::kStarted;
      } else if (kind < 0.25) {
        done.status = CompletionStatus::kPassed;
        done.score = 70 + static_cast<int>(score * 31);
      }
      out.push_back(std::move(done));
    }
  }
  return out;
}

}  // namespace uplift::demo
