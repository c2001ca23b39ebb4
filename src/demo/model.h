// The demo story's parameters and the per-account plan the generator draws before writing.
//
// `uplift demo generate` tells one deterministic story (seed 001: a CLM vendor's customers
// moving onboarding → foundational → advanced → mature, with an accelerator experiment in one
// quarter). DemoConfig holds the knobs a user may turn; AccountPlan is everything decided about
// one account before its records are written (stage dates, usage rates, experiment arm). Plans
// are plain values; the truth file (truth.json) is computed from them, never from the output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/records.h"
#include "core/time.h"

namespace uplift::demo {

struct DemoConfig {
  int accounts = 2000;
  std::uint64_t seed = 42;
  Date now = 0;                       // generation "today" (default 2026-11-01)
  double lift_pct = 30;               // planted data_manager_edit lift for attending accounts
  double trend_pct_per_30d = 15;      // common usage trend (every account, holdout included)
  double arr_effect_pct = 8;          // extra ARR growth of attending accounts within 90 days
  double holdout_fraction = 0.2;
  double events_per_account = 500;    // background density (logins, contracts, healthy usage)
  double ai_lift_pct = 20;            // planted ai_review_run lift of the second program
};

// Fixed vocabulary of the story (matches milestones/clm.json and content_maps/).
inline constexpr const char* kAcceleratorProgram = "data_manager_accelerator";
inline constexpr const char* kAcceleratorEvent = "data_manager_edit";
inline constexpr const char* kAiProgram = "ai_foundations_live";
inline constexpr const char* kAiEvent = "ai_review_run";

enum class Stage { kOnboarding = 0, kFoundational = 1, kAdvanced = 2, kMature = 3 };
const char* stage_name(Stage s);

struct LearnerPlan {
  std::string id, email, role, access_level;
  Timestamp created_at = 0;
  Timestamp active_from = 0;  // first day this learner uses the product
  double login_p = 0;         // chance of a login on an active day
};

// One past renewal: its date, outcome and the ARR multiplier it applied (0 for churn).
struct RenewalPlan {
  Date date = 0;
  RenewalOutcome outcome = RenewalOutcome::kRenewed;
  double factor = 1;
};

// Where an account sits in one program's experiment.
struct Arm {
  bool eligible = false, invited = false, holdout = false;
  std::vector<int> sessions;              // sessions its learners attended (sorted)
  std::optional<Timestamp> first_session; // ts of the first attended session
  std::optional<Timestamp> arr_bump_at;   // when the planted ARR effect lands (accelerator only)
  int pre_count = 0;                      // target events in the 30 days before the cohort date
  bool attended() const { return first_session.has_value(); }
};

struct AccountPlan {
  int index = 0;
  std::uint64_t seed = 0;  // the account's own stream seed
  std::string id, name, slug, plan, tier, csm, audience;
  double arr0 = 0;                  // ARR at the start of the story
  Timestamp created_at = 0;
  Stage stage = Stage::kOnboarding; // stage reached by `now`
  std::optional<Timestamp> foundational_at, advanced_at, mature_at;
  std::vector<LearnerPlan> learners;
  int active_threshold = 10;        // active learners needed for foundational (25 upmarket)
  bool out_of_order = false;        // runs ai_review_run before reaching foundational
  std::optional<Timestamp> first_ai_run;  // out-of-order accounts: the first premature AI run
  bool decline = false;             // usage falls in the last 14 days
  double dm_rate = 0;               // data_manager_edit per day at the cohort date (before trend)
  double ai_rate = 0;               // ai_review_run per day at the cohort date (before trend)
  double contract_rate = 0;         // contract_completed events per day once advanced
  std::vector<RenewalPlan> renewals;  // anniversaries between start and now, in date order
  std::optional<Date> churned_on;   // renewal date the account churned (nothing happens after)
  Arm dma, ai;                      // the two programs
};

// Dates every part of the story agrees on, derived from the config.
struct Timeline {
  Timestamp start = 0;        // now - 365 days: background activity begins
  Timestamp now = 0;
  Quarter quarter;            // the experiment quarter (the quarter 92 days before now)
  Timestamp cohort_at = 0;    // cohort created (first day of the quarter, 09:00Z)
  std::vector<Timestamp> dma_sessions;  // 3 sessions, 2 weeks apart from cohort + 14 days
  std::vector<Timestamp> ai_sessions;   // 2 sessions of the second program
  Timestamp ai_cohort_at = 0;
};
Timeline make_timeline(const DemoConfig& cfg);

// Common multiplicative usage trend, 1 at the cohort date.
double trend(const DemoConfig& cfg, const Timeline& tl, Timestamp t);

inline constexpr Timestamp kMsPerHour = 3'600'000;
// A span of `d` days in milliseconds.
inline Timestamp days(double d) { return static_cast<Timestamp>(d * kMsPerDay); }

}  // namespace uplift::demo
