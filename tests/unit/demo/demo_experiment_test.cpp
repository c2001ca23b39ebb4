// The planted story is in the data: stage mix, out-of-order and declining accounts, and above
// all the accelerator experiment — the lift is recoverable from the generated events by a direct
// difference-in-differences, and the naive pre/post figure is inflated by the trend.
#include <doctest/doctest.h>

#include <set>

#include "demo/generate.h"
#include "demo/journey.h"

using namespace uplift;
using namespace uplift::demo;

namespace {

DemoConfig story(std::uint64_t seed) {
  DemoConfig c;
  c.accounts = 2000;
  c.seed = seed;
  c.now = default_demo_now();
  return c;
}

const DemoWorld& world42() {
  static const DemoWorld w = plan_world(story(42));
  return w;
}

struct Windows {
  double pre = 0, post = 0;
  double ratio() const { return post / pre; }
};

// data_manager_edit events in the 30 days before / after each account's anchor.
Windows usage_around(const DemoWorld& w, bool (*member)(const AccountPlan&)) {
  Windows out;
  for (const auto& a : w.plans) {
    if (!member(a)) continue;
    const Timestamp anchor = a.dma.first_session.value_or(w.tl.dma_sessions.front());
    for (const auto& e : account_events(a, w.cfg, w.tl)) {
      if (e.name != EventName::kDataManagerEdit) continue;
      if (e.ts >= anchor - 30 * kMsPerDay && e.ts < anchor) out.pre += 1;
      if (e.ts >= anchor && e.ts < anchor + 30 * kMsPerDay) out.post += 1;
    }
  }
  return out;
}

bool participant(const AccountPlan& a) { return a.dma.attended(); }
bool held_out(const AccountPlan& a) { return a.dma.holdout; }

}  // namespace

TEST_CASE("the planted lift is recovered by difference-in-differences against the holdout") {
  const DemoWorld& w = world42();
  const Windows part = usage_around(w, participant), hold = usage_around(w, held_out);
  REQUIRE(part.pre > 500);
  REQUIRE(hold.pre > 150);
  const double did = part.ratio() / hold.ratio();
  MESSAGE("participants post/pre ", part.ratio(), ", holdout post/pre ", hold.ratio(), ", DiD ", did);
  // Planted: lift 30 %, trend 15 % per 30 days.
  CHECK(did == doctest::Approx(1.30).epsilon(0.1));
  CHECK(hold.ratio() == doctest::Approx(1.15).epsilon(0.1));
  // The naive pre/post of participants carries the trend: (1.15)(1.30) ≈ 1.5, far from 1.3.
  CHECK(part.ratio() == doctest::Approx(1.15 * 1.30).epsilon(0.1));
  CHECK(part.ratio() > did + 0.1);
}

TEST_CASE("a different lift setting plants a different lift") {
  DemoConfig c = story(42);
  c.lift_pct = 0;
  const DemoWorld w = plan_world(c);
  const double did = usage_around(w, participant).ratio() / usage_around(w, held_out).ratio();
  CHECK(did == doctest::Approx(1.0).epsilon(0.1));
}

TEST_CASE("the accelerator cohort follows its selection rule and randomisation") {
  const DemoWorld& w = world42();
  int eligible = 0, held = 0, invited = 0, attended = 0, two_plus = 0;
  double rate_attending = 0, rate_absent = 0;
  int absent = 0;
  for (const auto& a : w.plans) {
    const Arm& m = a.dma;
    CHECK(!(m.invited && m.holdout));
    if (!m.eligible) {
      CHECK(!m.invited);
      CHECK(!m.holdout);
      continue;
    }
    ++eligible;
    REQUIRE(a.foundational_at);
    CHECK(*a.foundational_at <= w.tl.cohort_at - 30 * kMsPerDay);
    CHECK(m.pre_count >= 1);
    CHECK(m.pre_count <= 35);
    CHECK(a.audience == "customer");
    CHECK(!a.churned_on);
    held += m.holdout;
    invited += m.invited;
    if (m.holdout) CHECK(!m.attended());
    if (m.attended()) {
      ++attended;
      two_plus += m.sessions.size() >= 2;
      rate_attending += a.dm_rate;
      CHECK(*m.first_session > w.tl.cohort_at);
    } else if (m.invited) {
      ++absent;
      rate_absent += a.dm_rate;
    }
  }
  MESSAGE("eligible ", eligible, ", holdout ", held, ", invited ", invited, ", attended ", attended);
  CHECK(eligible >= 150);
  CHECK(held == doctest::Approx(0.2 * eligible).epsilon(0.02));
  CHECK(attended >= 60);
  // About 60 % of participants attend two or more sessions.
  CHECK(100.0 * two_plus / attended == doctest::Approx(60).epsilon(0.2));
  // Selection on level: attending accounts had a higher baseline rate.
  CHECK(rate_attending / attended > 1.1 * rate_absent / absent);
}

TEST_CASE("the planted stage mix, out-of-order adopters and decliners") {
  const DemoWorld& w = world42();
  std::map<Stage, int> stages;
  int ooo = 0, decline = 0;
  for (const auto& a : w.plans) {
    stages[a.stage] += 1;
    ooo += a.out_of_order;
    decline += a.decline;
    if (a.out_of_order) {
      REQUIRE(a.first_ai_run);
      if (a.foundational_at) CHECK(*a.first_ai_run < *a.foundational_at);
    }
  }
  const double n = w.cfg.accounts;
  // Planted 30/35/25/10 before churn; churned accounts keep the stage they had reached.
  CHECK(stages[Stage::kOnboarding] / n == doctest::Approx(0.33).epsilon(0.2));
  CHECK(stages[Stage::kFoundational] / n == doctest::Approx(0.35).epsilon(0.2));
  CHECK(stages[Stage::kAdvanced] / n == doctest::Approx(0.23).epsilon(0.2));
  CHECK(stages[Stage::kMature] / n == doctest::Approx(0.09).epsilon(0.3));
  CHECK(ooo / n == doctest::Approx(0.08).epsilon(0.3));
  CHECK(decline / n == doctest::Approx(0.05).epsilon(0.3));
}

TEST_CASE("declining accounts use the product far less in the last 14 days than the 28 before") {
  const DemoWorld& w = world42();
  double recent = 0, before = 0;
  int checked = 0;
  for (const auto& a : w.plans) {
    if (!a.decline || checked >= 40) continue;
    ++checked;
    for (const auto& e : account_events(a, w.cfg, w.tl)) {
      if (e.ts >= w.tl.now - 14 * kMsPerDay) recent += 1;
      else if (e.ts >= w.tl.now - 42 * kMsPerDay) before += 1;
    }
  }
  REQUIRE(checked > 10);
  // Per-week rates: planted factor 0.25 (a 75 % drop).
  CHECK((recent / 2) / (before / 4) < 0.45);
}
