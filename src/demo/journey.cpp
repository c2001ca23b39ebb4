#include "demo/journey.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "demo/accounts.h"

namespace uplift::demo {
namespace {

double days_between(Timestamp a, Timestamp b) { return static_cast<double>(b - a) / kMsPerDay; }

const std::vector<std::string> kIntegrations = {"salesforce", "docusign", "slack", "workday", "box", "netsuite"};

// Builds one account's events; each kind of activity draws from its own stream so adding or
// changing one kind never shifts another's draws.
class Journey {
 public:
  Journey(const AccountPlan& a, const DemoConfig& cfg, const Timeline& tl)
      : a_(a), cfg_(cfg), tl_(tl), end_(a.churned_on ? start_of(*a.churned_on) : tl.now) {}

  std::vector<DemoEvent> run() {
    Rng r(derive(cfg_.seed, 2, static_cast<std::uint64_t>(a_.index)));
    setup(r);
    logins(r);
    contracts(r);
    premature_ai(r);
    feature_usage(EventName::kDataManagerEdit, a_.dm_rate, a_.foundational_at, a_.dma, cfg_.lift_pct, end_, &out_);
    feature_usage(EventName::kAiReviewRun, a_.ai_rate, a_.mature_at, a_.ai, cfg_.ai_lift_pct, end_, &out_);
    std::stable_sort(out_.begin(), out_.end(), [](const DemoEvent& x, const DemoEvent& y) { return x.ts < y.ts; });
    return std::move(out_);
  }

  // Daily Poisson usage of one feature from `since` until `to` (see journey.h).
  int feature_usage(EventName name, double rate, std::optional<Timestamp> since, const Arm& arm, double lift_pct,
                    Timestamp to, std::vector<DemoEvent>* sink) {
    if (rate <= 0 || !since) return 0;
    Rng r(derive(cfg_.seed, name == EventName::kDataManagerEdit ? 3 : 4, static_cast<std::uint64_t>(a_.index)));
    std::vector<int> users = learners_with(name == EventName::kDataManagerEdit ? "admin" : "legal");
    if (users.empty()) users.push_back(0);
    const Timestamp decline_from = tl_.now - days(14);
    int n = 0;
    for (Timestamp day = start_of(date_of(*since)); day < to; day += kMsPerDay) {
      const Timestamp open = std::max(day + 9 * kMsPerHour, *since), close = day + 18 * kMsPerHour;
      if (open >= close) continue;
      double mean = rate * trend(cfg_, tl_, day + 12 * kMsPerHour) * days_between(open, close) * 24 / 9;
      if (a_.decline && day >= decline_from) mean *= 0.25;
      auto emit = [&](std::int64_t count, Timestamp from) {
        for (std::int64_t k = 0; k < count; ++k) {
          // Both draws happen before the bound check so a shorter run replays the same prefix.
          const Timestamp ts = from + static_cast<Timestamp>(r.uniform() * static_cast<double>(close - from)) / 1000 * 1000;
          const int who = users[static_cast<std::size_t>(r.uniform_int(0, static_cast<std::int64_t>(users.size()) - 1))];
          if (ts >= to) continue;
          ++n;
          if (sink) sink->push_back(DemoEvent{ts, name, who, 1, "{}"});
        }
      };
      emit(r.poisson(mean), open);
      // The planted lift: extra events after the first attended session (superposed Poisson).
      if (arm.first_session && close > *arm.first_session) {
        const Timestamp from = std::max(open, *arm.first_session);
        emit(r.poisson(mean * lift_pct / 100.0 * days_between(from, close) / days_between(open, close)), from);
      }
    }
    return n;
  }

 private:
  void add(Timestamp ts, EventName name, int learner, int qty = 1, std::string props = "{}") {
    if (ts >= end_ || ts < a_.created_at) return;
    out_.push_back(DemoEvent{ts, name, learner, qty, std::move(props)});
  }
  Timestamp between(Timestamp from, Timestamp to, Rng& r) {
    if (to <= from) return from;
    return during_work_hours(from + static_cast<Timestamp>(r.uniform() * static_cast<double>(to - from)), r);
  }
  std::vector<int> learners_with(const std::string& role) const {
    std::vector<int> v;
    for (std::size_t i = 0; i < a_.learners.size(); ++i)
      if (a_.learners[i].role == role) v.push_back(static_cast<int>(i));
    return v;
  }

  // Workflows, groups and invitations: the foundational ingredients.
  void setup(Rng& r) {
    const std::optional<Timestamp> f = a_.foundational_at;
    const Timestamp before = f ? *f - kMsPerHour : end_;
    int workflows = 0, groups = 0;
    auto workflow = [&](Timestamp t) { add(t, EventName::kWorkflowPublished, 0, 1, fmt::format(R"({{"workflow_id":"wf-{}"}})", ++workflows)); };
    auto group = [&](Timestamp t) { add(t, EventName::kGroupCreated, 0, 1, fmt::format(R"({{"group_id":"g-{}"}})", ++groups)); };
    if (f || r.bernoulli(0.6)) workflow(between(a_.created_at + days(1), before - days(1), r));
    const int early_groups = f ? 2 : static_cast<int>(r.uniform_int(0, 2));
    for (int g = 0; g < early_groups; ++g) group(between(a_.created_at + days(1), before - days(1), r));
    if (f) {
      group(*f);  // the third group: foundational is reached at this instant
      for (int g = static_cast<int>(r.uniform_int(0, 6)); g > 0; --g) group(between(*f + days(1), end_, r));
      for (int w = static_cast<int>(r.uniform_int(0, 5)); w > 0; --w) workflow(between(*f + days(1), end_, r));
    }
    for (std::size_t k = 1; k < a_.learners.size(); ++k)
      add(a_.learners[k].created_at, EventName::kUserInvited, 0, 1,
          fmt::format(R"({{"invitee":"{}"}})", a_.learners[k].id));
  }

  // Every learner logs in when activated, at least once in the 20 days before foundational
  // (so the active-learner criterion holds then), and on a fraction of the days after.
  void logins(Rng& r) {
    const Timestamp decline_from = tl_.now - days(14);
    for (std::size_t k = 0; k < a_.learners.size(); ++k) {
      const LearnerPlan& l = a_.learners[k];
      const int who = static_cast<int>(k);
      add(l.active_from, EventName::kLogin, who);
      if (a_.foundational_at && l.active_from < *a_.foundational_at - days(20))
        add(between(*a_.foundational_at - days(20), *a_.foundational_at - days(1), r), EventName::kLogin, who);
      // Geometric gaps between login days within [from, to).
      auto logins_between = [&](Timestamp from, Timestamp to, double p) {
        for (Timestamp day = from - kMsPerDay;;) {
          day += r.geometric(p) * kMsPerDay;
          if (day >= to) break;
          add(during_work_hours(day, r), EventName::kLogin, who);
        }
      };
      const Timestamp first = start_of(date_of(std::max(l.active_from, tl_.start))) + kMsPerDay;
      if (a_.decline) {
        logins_between(first, std::min(end_, decline_from), l.login_p);
        logins_between(std::max(first, decline_from), end_, l.login_p * 0.25);
      } else {
        logins_between(first, end_, l.login_p);
      }
    }
  }

  // Contracts: under the advanced thresholds until the planned advanced instant, then steady.
  void contracts(Rng& r) {
    const std::optional<Timestamp> f = a_.foundational_at, adv = a_.advanced_at;
    if (adv) {
      const Timestamp span_from = *f + days(1), span_to = *adv - days(1);
      add(between(span_from, span_to, r), EventName::kIntegrationConnected, 0, 1, integration(r));
      int completed = 0;
      const int target = static_cast<int>(r.uniform_int(45, 49));
      while (completed < target) {
        const int q = static_cast<int>(std::min<std::int64_t>(r.uniform_int(1, 5), target - completed));
        add(between(span_from, span_to, r), EventName::kContractCompleted, pick_user(r), q);
        completed += q;
      }
      for (int imported = 0; imported < 100;) {
        const int q = static_cast<int>(r.uniform_int(25, 60));
        add(between(span_from, span_to, r), EventName::kContractImported, 0, q, R"({"source":"bulk_upload"})");
        imported += q;
      }
      // data_manager_used is part of advanced: make sure the first edit is in before it.
      add(between(span_from, std::min(span_to, *f + days(10)), r), EventName::kDataManagerEdit, 0);
      add(*adv, EventName::kContractCompleted, pick_user(r), 50 - completed + static_cast<int>(r.uniform_int(0, 3)));
      if (a_.mature_at) {
        const std::vector<int> legal = learners_with("legal");
        add(*a_.mature_at, EventName::kAiReviewRun, legal.empty() ? 0 : legal.front());  // mature at this instant
      }
      for (int i = static_cast<int>(r.uniform_int(0, 3)); i > 0; --i)
        add(between(*adv + days(1), end_, r), EventName::kIntegrationConnected, 0, 1, integration(r));
      const double v = cfg_.events_per_account / 500.0;
      for (Timestamp day = start_of(date_of(*adv)) + kMsPerDay; day < end_; day += kMsPerDay) {
        const double damp = a_.decline && day >= tl_.now - days(14) ? 0.25 : 1.0;
        for (auto k = r.poisson(a_.contract_rate * damp); k > 0; --k)
          add(during_work_hours(day, r), EventName::kContractCompleted, pick_user(r), static_cast<int>(r.uniform_int(1, 5)));
        if (r.bernoulli(0.04 * v * damp))
          add(during_work_hours(day, r), EventName::kContractImported, 0, static_cast<int>(r.uniform_int(5, 40)),
              R"({"source":"bulk_upload"})");
      }
      return;
    }
    // Never advanced: at most 4×8 = 32 completed and 2×40 = 80 imported contracts.
    const Timestamp from = f ? *f : a_.created_at + days(1);
    for (int i = static_cast<int>(r.uniform_int(0, f ? 8 : 4)); i > 0; --i)
      add(between(from, end_, r), EventName::kContractCompleted, pick_user(r), static_cast<int>(r.uniform_int(1, 4)));
    for (int i = static_cast<int>(r.uniform_int(0, 2)); i > 0; --i)
      add(between(from, end_, r), EventName::kContractImported, 0, static_cast<int>(r.uniform_int(10, 40)),
          R"({"source":"bulk_upload"})");
  }

  // Out-of-order adopters try AI review before the fundamentals (seed 000's risk signal).
  void premature_ai(Rng& r) {
    if (!a_.first_ai_run) return;
    const Timestamp limit = a_.foundational_at ? *a_.foundational_at : end_;
    const std::vector<int> legal = learners_with("legal");
    const int who = legal.empty() ? 0 : legal.front();
    add(*a_.first_ai_run, EventName::kAiReviewRun, who);
    for (int i = static_cast<int>(r.uniform_int(0, 3)); i > 0; --i)
      add(between(*a_.first_ai_run, limit - days(1), r), EventName::kAiReviewRun, who);
  }

  std::string integration(Rng& r) { return fmt::format(R"({{"integration":"{}"}})", r.pick(kIntegrations)); }
  int pick_user(Rng& r) { return static_cast<int>(r.uniform_int(0, static_cast<std::int64_t>(a_.learners.size()) - 1)); }

  const AccountPlan& a_;
  const DemoConfig& cfg_;
  const Timeline& tl_;
  const Timestamp end_;
  std::vector<DemoEvent> out_;
};

}  // namespace

const char* event_name(EventName n) {
  switch (n) {
    case EventName::kWorkflowPublished: return "workflow_published";
    case EventName::kGroupCreated: return "group_created";
    case EventName::kUserInvited: return "user_invited";
    case EventName::kLogin: return "login";
    case EventName::kIntegrationConnected: return "integration_connected";
    case EventName::kContractCompleted: return "contract_completed";
    case EventName::kContractImported: return "contract_imported";
    case EventName::kDataManagerEdit: return "data_manager_edit";
    case EventName::kAiReviewRun: return "ai_review_run";
  }
  return "login";
}

std::vector<DemoEvent> account_events(const AccountPlan& plan, const DemoConfig& cfg, const Timeline& tl) {
  return Journey(plan, cfg, tl).run();
}

int untreated_usage_count(const AccountPlan& plan, const DemoConfig& cfg, const Timeline& tl, EventName name,
                          Timestamp from, Timestamp to) {
  std::vector<DemoEvent> events;
  Journey j(plan, cfg, tl);
  const bool dm = name == EventName::kDataManagerEdit;
  j.feature_usage(name, dm ? plan.dm_rate : plan.ai_rate, dm ? plan.foundational_at : plan.mature_at, Arm{}, 0,
                  std::min(to, plan.churned_on ? start_of(*plan.churned_on) : tl.now), &events);
  return static_cast<int>(std::count_if(events.begin(), events.end(), [&](const DemoEvent& e) { return e.ts >= from; }));
}

}  // namespace uplift::demo
