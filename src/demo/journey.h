// Journey: the product events and course completions of one planned account.
//
// Milestone events are placed so the milestone graph (milestones/clm.json) reaches each stage at
// exactly the planned instant: foundational when the third group is created (workflow published
// and enough active learners before it), advanced when the contract that brings completed
// contracts to 50 lands (integration and 100 imported contracts before it). Accounts that stop
// at a stage never meet the next stage's criteria. Feature usage (data_manager_edit,
// ai_review_run) is a daily Poisson process: rate × common trend × (1 + lift after the account's
// first attended session) × (0.25 in the last 14 days for decliners).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demo/model.h"
#include "demo/rng.h"

namespace uplift::demo {

enum class EventName : std::uint8_t {
  kWorkflowPublished, kGroupCreated, kUserInvited, kLogin, kIntegrationConnected,
  kContractCompleted, kContractImported, kDataManagerEdit, kAiReviewRun
};
const char* event_name(EventName n);

// A compact event; `props` is the JSON object text ("{}" when empty), keys sorted.
struct DemoEvent {
  Timestamp ts = 0;
  EventName name = EventName::kLogin;
  int learner = -1;  // index into plan.learners, -1 when not tied to a learner
  int qty = 1;
  std::string props = "{}";
};

// Every event of the account, sorted by time (ties keep generation order).
std::vector<DemoEvent> account_events(const AccountPlan& plan, const DemoConfig& cfg, const Timeline& tl);

// data_manager_edit events the account makes in [from, to) when nobody attends anything: the
// same draws account_events makes for that period (used to select the cohort before usage after
// the cohort date is generated).
int untreated_usage_count(const AccountPlan& plan, const DemoConfig& cfg, const Timeline& tl,
                          EventName name, Timestamp from, Timestamp to);

struct DemoCompletion {
  int learner = 0;
  std::string content;
  Timestamp ts = 0;
  CompletionStatus status = CompletionStatus::kCompleted;
  int score = -1;  // -1: none
};
std::vector<DemoCompletion> account_completions(const AccountPlan& plan, const DemoConfig& cfg, const Timeline& tl);

// Content ids the demo learners complete (the catalog of content_maps/).
const std::vector<std::string>& demo_content_ids();

}  // namespace uplift::demo
