#include "demo/experiment.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "demo/commercial.h"
#include "demo/journey.h"
#include "demo/rng.h"

namespace uplift::demo {
namespace {

constexpr int kMaxLaggingEdits = 35;  // data_manager_edit in the 30 days before the cohort date

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string thousands(double v) {
  std::string digits = fmt::format("{:.0f}", v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

bool active_customer(const AccountPlan& a) { return a.audience == "customer" && !a.churned_on; }

std::vector<std::string> learners_for(const AccountPlan& a, const std::string& role, Timestamp by) {
  std::vector<std::string> ids;
  for (const auto& l : a.learners)
    if (l.role == role && l.active_from < by) ids.push_back(l.id);
  return ids;
}

// Eligible accounts ranked by ARR at `at` (highest first, ties by id).
std::vector<AccountPlan*> rank_by_arr(std::vector<AccountPlan*> pool, const DemoConfig& cfg, Timestamp at) {
  std::stable_sort(pool.begin(), pool.end(), [&](const AccountPlan* x, const AccountPlan* y) {
    const double ax = arr_on(*x, cfg, date_of(at)), ay = arr_on(*y, cfg, date_of(at));
    return ax != ay ? ax > ay : x->id < y->id;
  });
  return pool;
}

double unit(double x, double lo, double hi) { return std::clamp((x - lo) / (hi - lo), 0.0, 1.0); }

void accelerator(std::vector<AccountPlan>& plans, const DemoConfig& cfg, const Timeline& tl) {
  const Timestamp c = tl.cohort_at;
  std::vector<AccountPlan*> pool;
  for (auto& a : plans) {
    if (!active_customer(a) || !a.foundational_at || *a.foundational_at > c - 30 * kMsPerDay) continue;
    a.dma.pre_count = untreated_usage_count(a, cfg, tl, EventName::kDataManagerEdit, c - 30 * kMsPerDay, c);
    if (a.dma.pre_count < 1 || a.dma.pre_count > kMaxLaggingEdits) continue;
    a.dma.eligible = true;
    pool.push_back(&a);
  }
  // The holdout: a seeded shuffle of the eligible ids, first round(fraction·n) held out.
  std::vector<AccountPlan*> shuffled = pool;  // plans are in id order already
  Rng split(derive(cfg.seed, 10));
  split.shuffle(shuffled);
  const auto held = static_cast<std::size_t>(std::llround(cfg.holdout_fraction * static_cast<double>(shuffled.size())));
  for (std::size_t i = 0; i < shuffled.size(); ++i) (i < held ? shuffled[i]->dma.holdout : shuffled[i]->dma.invited) = true;

  for (auto* a : pool) {
    if (!a->dma.invited) continue;
    Rng r(derive(cfg.seed, 11, static_cast<std::uint64_t>(a->index)));
    const double p = 0.2 + 0.6 * unit(a->dm_rate, 0.15, 0.8);
    const bool attends = r.uniform() < p;
    const std::size_t dose = r.weighted({40, 30, 30}) + 1;
    const std::size_t single = r.weighted({60, 25, 15}) + 1, pair = r.weighted({50, 25, 25});
    const double bump_days = r.uniform(30, 75);
    if (!attends) continue;
    if (dose == 1) a->dma.sessions = {static_cast<int>(single)};
    if (dose == 2) a->dma.sessions = pair == 0 ? std::vector<int>{1, 2} : pair == 1 ? std::vector<int>{1, 3} : std::vector<int>{2, 3};
    if (dose == 3) a->dma.sessions = {1, 2, 3};
    a->dma.first_session = tl.dma_sessions[static_cast<std::size_t>(a->dma.sessions.front() - 1)];
    a->dma.arr_bump_at = *a->dma.first_session + static_cast<Timestamp>(bump_days * kMsPerDay) / 1000 * 1000;
  }
}

void ai_foundations(std::vector<AccountPlan>& plans, const DemoConfig& cfg, const Timeline& tl) {
  const Timestamp c = tl.ai_cohort_at;
  std::vector<AccountPlan*> pool;
  for (auto& a : plans) {
    if (!active_customer(a) || !a.advanced_at || *a.advanced_at > c - 30 * kMsPerDay) continue;
    if (learners_for(a, "legal", c).empty()) continue;
    a.ai.pre_count = untreated_usage_count(a, cfg, tl, EventName::kAiReviewRun, c - 30 * kMsPerDay, c);
    a.ai.eligible = true;
    pool.push_back(&a);
  }
  pool = rank_by_arr(pool, cfg, c);
  const std::size_t capacity = static_cast<std::size_t>(std::max(5, static_cast<int>(std::lround(cfg.accounts * 0.03))));
  const double v = cfg.events_per_account / 500.0;
  for (std::size_t i = 0; i < pool.size() && i < capacity; ++i) {
    AccountPlan* a = pool[i];
    a->ai.invited = true;
    Rng r(derive(cfg.seed, 12, static_cast<std::uint64_t>(a->index)));
    // Accounts already using AI review (mature) attend more the more they use it.
    const bool attends = r.uniform() < (a->mature_at ? 0.3 + 0.5 * unit(a->ai_rate / v, 0.2, 1.2) : 0.3);
    const bool both = r.bernoulli(0.5), second_only = r.bernoulli(0.2);
    if (!attends) continue;
    a->ai.sessions = both ? std::vector<int>{1, 2} : second_only ? std::vector<int>{2} : std::vector<int>{1};
    a->ai.first_session = tl.ai_sessions[static_cast<std::size_t>(a->ai.sessions.front() - 1)];
  }
}

nlohmann::json cohort_json(const std::vector<AccountPlan>& plans, const DemoConfig& cfg, const std::string& id,
                           const char* program, Timestamp created, double holdout_fraction, Arm AccountPlan::*arm,
                           const char* role) {
  std::vector<const AccountPlan*> eligible;
  for (const auto& a : plans)
    if ((a.*arm).eligible) eligible.push_back(&a);
  std::stable_sort(eligible.begin(), eligible.end(), [&](const AccountPlan* x, const AccountPlan* y) {
    const double ax = arr_on(*x, cfg, date_of(created)), ay = arr_on(*y, cfg, date_of(created));
    return ax != ay ? ax > ay : x->id < y->id;
  });
  nlohmann::json ids = nlohmann::json::array(), invitees = nlohmann::json::array(), holdout = nlohmann::json::array();
  for (const auto* a : eligible) {
    ids.push_back(a->id);
    if ((a->*arm).holdout) holdout.push_back(a->id);
    if (!(a->*arm).invited) continue;
    const bool dma = arm == &AccountPlan::dma;
    const Timestamp since = dma ? *a->foundational_at : *a->advanced_at;
    std::string reason = fmt::format("{} {} days ago; {} {} in the last 30 days; ARR {}",
                                     dma ? "foundational" : "advanced", (created - since) / kMsPerDay,
                                     (a->*arm).pre_count, dma ? kAcceleratorEvent : kAiEvent,
                                     thousands(arr_on(*a, cfg, date_of(created))));
    invitees.push_back({{"account", a->id}, {"learners", learners_for(*a, role, created)}, {"csm", a->csm}, {"reason", reason}});
  }
  std::vector<std::string> held = holdout.get<std::vector<std::string>>();
  std::sort(held.begin(), held.end());
  return {{"id", id},
          {"program", program},
          {"created_at", format_timestamp(created)},
          {"status", "sent"},
          {"seed", cfg.seed},
          {"holdout_fraction", holdout_fraction},
          {"capacity", static_cast<int>(invitees.size())},
          {"eligible", ids},
          {"invitees", invitees},
          {"holdout", held}};
}

}  // namespace

std::string dma_cohort_id(const Timeline& tl) { return "dma-" + lower(tl.quarter.name()); }
std::string ai_cohort_id(const Timeline& tl) { return "aifl-" + lower(tl.quarter.name()); }

void run_experiments(std::vector<AccountPlan>& plans, const DemoConfig& cfg, const Timeline& tl) {
  accelerator(plans, cfg, tl);
  ai_foundations(plans, cfg, tl);
}

nlohmann::json cohorts_json(const std::vector<AccountPlan>& plans, const DemoConfig& cfg, const Timeline& tl) {
  return nlohmann::json::array(
      {cohort_json(plans, cfg, dma_cohort_id(tl), kAcceleratorProgram, tl.cohort_at, cfg.holdout_fraction,
                   &AccountPlan::dma, "admin"),
       cohort_json(plans, cfg, ai_cohort_id(tl), kAiProgram, tl.ai_cohort_at, 0.0, &AccountPlan::ai, "legal")});
}

std::vector<Attendance> attendance_records(const AccountPlan& a, const Timeline& tl) {
  std::vector<Attendance> out;
  auto add = [&](const Arm& arm, const char* program, const std::string& cohort, Timestamp created,
                 const std::vector<Timestamp>& sessions, const char* role) {
    if (!arm.invited) return;
    const std::vector<std::string> who = learners_for(a, role, created);  // the invited learners
    if (who.empty()) return;
    if (!arm.attended()) {
      // Half of the non-attending invitees registered someone who did not show up.
      if (derive(a.seed, 13) % 2 == 0) out.push_back(Attendance{who.front(), program, 1, sessions.front(), cohort, false});
      return;
    }
    for (const auto& l : who)
      for (int s : arm.sessions) out.push_back(Attendance{l, program, s, sessions[static_cast<std::size_t>(s - 1)], cohort, true});
  };
  add(a.dma, kAcceleratorProgram, dma_cohort_id(tl), tl.cohort_at, tl.dma_sessions, "admin");
  add(a.ai, kAiProgram, ai_cohort_id(tl), tl.ai_cohort_at, tl.ai_sessions, "legal");
  return out;
}

}  // namespace uplift::demo
