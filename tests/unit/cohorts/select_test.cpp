// Cohort selection: eligibility filters, ranking, capacity and the seeded random holdout.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "cohorts/select.h"

using namespace uplift;

namespace {

const Timestamp kAsOf = *parse_timestamp("2026-07-01T00:00:00Z");

struct World {
  Dataset data;
  std::map<std::string, milestones::AccountState, std::less<>> states;
  int events = 0;

  void account(const std::string& id, double arr, const std::string& plan = "pro",
               Audience audience = Audience::kCustomer, const std::string& role = "admin") {
    Account a;
    a.id = id;
    a.arr = arr;
    a.plan = plan;
    a.tier = "smb";
    a.csm = "ana";
    a.audience = audience;
    data.apply(a);
    Learner l;
    l.id = id + "-l";
    l.account = id;
    l.role = role;
    data.apply(l);
  }
  void reached(const std::string& id, const std::string& milestone, int days_ago) {
    auto& s = states[id];
    s.account = id;
    s.milestones.push_back({milestone, true, kAsOf - days_ago * kMsPerDay, {}});
  }
  void edits(const std::string& id, int n) {
    for (int i = 0; i < n; ++i) {
      Event e;
      e.id = "e" + std::to_string(events++);
      e.account = id;
      e.name = "dm_edit";
      e.ts = kAsOf - (i % 29 + 1) * kMsPerDay;
      data.apply(e);
    }
  }
  cohorts::StateLookup lookup() const {
    return [this](std::string_view a) -> const milestones::AccountState* {
      auto it = states.find(a);
      return it == states.end() ? nullptr : &it->second;
    };
  }
};

cohorts::Program program() {
  cohorts::Program p;
  p.id = "dma";
  p.target_event = "dm_edit";
  p.capacity = 8;
  p.holdout_fraction = 0.2;
  p.eligibility.reached = "foundational";
  p.eligibility.reached_days_ago_min = 30;
  p.eligibility.lacks_milestone = "dm_used";
  p.eligibility.target_event_max_30d = 35;
  p.eligibility.plans = {"pro"};
  p.eligibility.roles = {"admin"};
  return p;
}

World world() {
  World w;
  for (int i = 1; i <= 20; ++i) {
    std::string id = (i < 10 ? "a0" : "a") + std::to_string(i);
    w.account(id, 1000.0 * i);
    w.reached(id, "foundational", 60);
  }
  w.edits("a05", 35);  // at the limit: still eligible
  w.account("x_trial", 1e6, "pro", Audience::kTrial);
  w.reached("x_trial", "foundational", 60);
  w.account("x_recent", 1e6);
  w.reached("x_recent", "foundational", 10);
  w.account("x_noreach", 1e6);
  w.account("x_has", 1e6);
  w.reached("x_has", "foundational", 60);
  w.reached("x_has", "dm_used", 5);
  w.account("x_busy", 1e6);
  w.reached("x_busy", "foundational", 60);
  w.edits("x_busy", 36);
  w.account("x_norole", 1e6, "pro", Audience::kCustomer, "legal");
  w.reached("x_norole", "foundational", 60);
  w.account("x_plan", 1e6, "basic");
  w.reached("x_plan", "foundational", 60);
  w.account("x_open", 1e6);
  w.reached("x_open", "foundational", 60);
  return w;
}

cohorts::ProposeOptions options(std::uint64_t seed) {
  cohorts::ProposeOptions o;
  o.as_of = kAsOf;
  o.seed = seed;
  cohorts::Cohort other;
  other.id = "other";
  other.program = "x";
  other.status = cohorts::CohortStatus::kSent;
  other.holdout = {"x_open"};
  o.existing = {other};
  return o;
}

}  // namespace

TEST_CASE("eligibility applies every filter and says why accounts were left out") {
  World w = world();
  auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), options(1));
  REQUIRE(r.ok());
  const auto& c = r->cohort;
  CHECK(c.eligible.size() == 20);
  for (const auto& id : c.eligible) CHECK(id.rfind("a", 0) == 0);
  const std::map<std::string, int> want = {{"not a customer account", 1},
                                           {"foundational reached less than 30 days ago", 1},
                                           {"foundational not reached", 1},
                                           {"dm_used already reached", 1},
                                           {"more than 35 dm_edit in 30 days", 1},
                                           {"no learner with an eligible role", 1},
                                           {"plan not eligible", 1},
                                           {"in another open cohort", 1}};
  CHECK(r->excluded == want);
  CHECK(c.id == "dma-2026q3");
  CHECK(c.created_at == kAsOf);
}

TEST_CASE("ranking by ARR (equal lag, no renewals) with capacity and a random holdout inside the pool") {
  World w = world();
  auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), options(7));
  REQUIRE(r.ok());
  const auto& c = r->cohort;
  // Score = ARR/max + 60/365: a20 first, a01 last.
  CHECK(c.eligible.front() == "a20");
  CHECK(c.eligible.back() == "a01");
  CHECK(r->scores.at("a20") == doctest::Approx(1.0 + 60.0 / 365));
  // Pool = ceil(8 / 0.8) = 10 best (a11..a20); holdout = round(0.2 × 10) = 2; 8 invited.
  CHECK(c.holdout.size() == 2);
  CHECK(c.invitees.size() == 8);
  std::set<std::string> pool;
  for (const auto& i : c.invitees) pool.insert(i.account);
  for (const auto& h : c.holdout) CHECK(pool.insert(h).second);  // disjoint
  std::set<std::string> want;
  for (int i = 11; i <= 20; ++i) want.insert("a" + std::to_string(i));
  CHECK(pool == want);
  for (std::size_t i = 1; i < c.invitees.size(); ++i)  // invitees in rank order
    CHECK(r->scores.at(c.invitees[i - 1].account) >= r->scores.at(c.invitees[i].account));
  CHECK(c.invitees[0].learners == std::vector<std::string>{c.invitees[0].account + "-l"});
  CHECK(c.invitees[0].csm == "ana");
  CHECK(c.invitees[0].reason.find("foundational reached 60 days ago") != std::string::npos);
  CHECK(std::is_sorted(c.holdout.begin(), c.holdout.end()));
}

TEST_CASE("the holdout is reproducible from the seed and changes with it") {
  World w = world();
  auto a = cohorts::propose_cohort(w.data, w.lookup(), program(), options(7));
  auto b = cohorts::propose_cohort(w.data, w.lookup(), program(), options(7));
  REQUIRE((a.ok() && b.ok()));
  CHECK(a->cohort == b->cohort);
  std::set<std::vector<std::string>> holdouts;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), options(seed));
    REQUIRE(r.ok());
    holdouts.insert(r->cohort.holdout);
  }
  CHECK(holdouts.size() > 3);
}

TEST_CASE("each pool account is held out about holdout_fraction of the time across seeds") {
  World w = world();
  std::map<std::string, int> held;
  const int runs = 400;
  for (int seed = 0; seed < runs; ++seed) {
    auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), options(seed));
    REQUIRE(r.ok());
    for (const auto& h : r->cohort.holdout) ++held[h];
  }
  CHECK(held.size() == 10);
  for (const auto& [acc_, n_] : held) {
    const auto& acc = acc_;  // named variables: doctest captures INFO in a lambda
    const auto n = n_;
    INFO(acc << " held out " << n << " of " << runs);
    CHECK(n > runs * 0.2 * 0.6);
    CHECK(n < runs * 0.2 * 1.4);
  }
}

TEST_CASE("no holdout: the best `capacity` are invited; overrides and bad values") {
  World w = world();
  auto o = options(1);
  o.holdout_fraction = 0;
  o.capacity = 3;
  auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), o);
  REQUIRE(r.ok());
  CHECK(r->cohort.holdout.empty());
  REQUIRE(r->cohort.invitees.size() == 3);
  CHECK(r->cohort.invitees[0].account == "a20");
  CHECK(r->cohort.invitees[2].account == "a18");
  o.holdout_fraction = 0.95;
  CHECK(cohorts::propose_cohort(w.data, w.lookup(), program(), o).status().code() == Code::kInvalidArgument);
  o.holdout_fraction = 0.2;
  o.capacity = 0;
  CHECK(cohorts::propose_cohort(w.data, w.lookup(), program(), o).status().code() == Code::kInvalidArgument);
}

TEST_CASE("fewer eligible accounts than the pool: the holdout fraction still applies") {
  World w = world();
  auto o = options(3);
  o.capacity = 100;
  o.holdout_fraction = 0.25;
  auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), o);
  REQUIRE(r.ok());
  CHECK(r->cohort.holdout.size() == 5);  // round(0.25 × 20)
  CHECK(r->cohort.invitees.size() == 15);
}

// Hand-worked minimum detectable effect (select.h Power): ten eligible accounts, each with one target
// event 100 days before the as-of date (history: they are users), 2 target events 45 days before and 1, 3, 2, 2, 1, 3, 2, 2, 2, 2 in the last 30 days. Pool
// ratio R = 20/20 = 1; d = later − earlier = −1, 1, 0, 0, −1, 1, 0, 0, 0, 0: sd = √(4/9) = 0.6667;
// mean earlier 2 → 0.3333 per account. 8 participants and 2 controls: √(1/8 + 1/2) = 0.7906;
// relative SE 0.26352; MDE = 100 × (1.959964 + 0.841621) × 0.26352 = 73.83 %.
TEST_CASE("minimum detectable effect from the target metric's history") {
  using namespace uplift;
  Dataset data;
  const Timestamp as_of = start_of(*parse_date("2026-07-01")) - 1;
  const int later[] = {1, 3, 2, 2, 1, 3, 2, 2, 2, 2};
  std::vector<std::string> pool;
  int n = 0;
  for (int i = 0; i < 10; ++i) {
    std::string id = "a" + std::to_string(i);
    pool.push_back(id);
    auto add = [&](Timestamp ts) {
      Event e;
      e.id = "e" + std::to_string(n++);
      e.account = id;
      e.name = "x";
      e.ts = ts;
      data.apply(Record(e));
    };
    add(as_of - 100 * kMsPerDay);
    for (int k = 0; k < 2; ++k) add(as_of - 45 * kMsPerDay + k);
    for (int k = 0; k < later[i]; ++k) add(as_of - 10 * kMsPerDay + k);
  }
  auto p = cohorts::minimum_detectable_effect(data, pool, "x", as_of, 8, 2);
  REQUIRE(p.mde_pct);
  CHECK(*p.mde_pct == doctest::Approx(73.83).epsilon(0.001));
  CHECK(p.treated == 8);
  CHECK(p.control == 2);
  CHECK(p.history_accounts == 10);
  // A bigger holdout lowers it; too little history makes it not estimable, with the reason.
  auto bigger = cohorts::minimum_detectable_effect(data, pool, "x", as_of, 8, 8);
  REQUIRE(bigger.mde_pct);
  CHECK(*bigger.mde_pct < *p.mde_pct);
  auto none = cohorts::minimum_detectable_effect(data, {"a0", "a1"}, "x", as_of, 8, 2);
  CHECK_FALSE(none.mde_pct);
  CHECK(none.not_estimable.find("2 eligible account(s) used x") != std::string::npos);
  // No spread at all: not estimable, never an MDE of 0.
  Dataset flat;
  for (int k = 0; k < 10; ++k) {
    for (Timestamp ts : {as_of - 100 * kMsPerDay, as_of - 45 * kMsPerDay, as_of - 10 * kMsPerDay}) {
      Event e;
      e.id = "f" + std::to_string(k) + "-" + std::to_string(ts);
      e.account = "a" + std::to_string(k);
      e.name = "x";
      e.ts = ts;
      flat.apply(Record(e));
    }
  }
  auto still = cohorts::minimum_detectable_effect(flat, pool, "x", as_of, 8, 2);
  CHECK_FALSE(still.mde_pct);
  CHECK(still.not_estimable.find("did not vary") != std::string::npos);
}

TEST_CASE("churned accounts and accounts renewing before the program can finish are not eligible, each counted") {
  World w = world();
  const Date today = date_of(kAsOf);
  auto set_renewal = [&](const std::string& id, double arr, int days) {
    Account a = *w.data.account(id);
    a.arr = arr;
    a.renewal_date = today + days;
    w.data.apply(a);
  };
  // ARR 0 and a renewal date 48 days ago (acct-00061 of the issue): churned.
  set_renewal("a01", 0, -48);
  // The last renewal record on or before today churned: churned, whatever the account's ARR says.
  Renewal r;
  r.account = "a02";
  r.date = today - 10;
  r.outcome = RenewalOutcome::kChurned;
  w.data.apply(r);
  // A renewal record that renewed: eligible.
  Renewal ok = r;
  ok.account = "a03";
  ok.outcome = RenewalOutcome::kRenewed;
  w.data.apply(ok);
  // Renewing in 3 days, a program of 2 weekly sessions (14 days): not eligible; in 14 days: eligible.
  set_renewal("a04", 5000, 3);
  set_renewal("a06", 5000, 14);
  // A stale renewal date in the past with ARR: not churned, not "renewing soon".
  set_renewal("a07", 5000, -20);
  cohorts::Program p = program();
  p.sessions = 2;
  auto res = cohorts::propose_cohort(w.data, w.lookup(), p, options(1));
  REQUIRE(res.ok());
  CHECK(res->excluded.at("churned (last renewal churned, or ARR 0 past its renewal date)") == 2);
  CHECK(res->excluded.at("renews in less than 14 days (before the program can finish)") == 1);
  const auto& el = res->cohort.eligible;
  for (const char* gone : {"a01", "a02", "a04"}) CHECK(std::find(el.begin(), el.end(), gone) == el.end());
  for (const char* kept : {"a03", "a06", "a07"}) CHECK(std::find(el.begin(), el.end(), kept) != el.end());
  // The window is the program's to set.
  p.eligibility.min_days_to_renewal = 2;
  auto loose = cohorts::propose_cohort(w.data, w.lookup(), p, options(1));
  REQUIRE(loose.ok());
  CHECK(std::find(loose->cohort.eligible.begin(), loose->cohort.eligible.end(), "a04") != loose->cohort.eligible.end());
}

TEST_CASE("a cohort whose last session was attended is closed and frees its accounts; before that it holds them") {
  World w = world();
  cohorts::Program x;  // the other cohort's program: three sessions
  x.id = "x";
  x.sessions = 3;
  const std::vector<cohorts::Program> programs = {program(), x};
  cohorts::ProposeOptions o = options(1);
  o.existing[0].invitees = {{"x_open", {"x_open-l"}, "ana", ""}};
  o.existing[0].holdout.clear();
  o.existing[0].created_at = kAsOf - 40 * kMsPerDay;
  o.programs = &programs;
  auto attend = [&](int session, int days_ago) {
    Attendance a;
    a.learner = "x_open-l";
    a.program = "x";
    a.session = session;
    a.ts = kAsOf - days_ago * kMsPerDay;
    a.attended = true;
    w.data.apply(Record(a));
  };
  auto eligible = [&](const cohorts::ProposeOptions& opts) {
    auto r = cohorts::propose_cohort(w.data, w.lookup(), program(), opts);
    REQUIRE(r.ok());
    const auto& el = r->cohort.eligible;
    return std::find(el.begin(), el.end(), "x_open") != el.end();
  };
  attend(1, 30);
  attend(2, 20);
  CHECK_FALSE(eligible(o));  // running: still held
  CHECK(cohorts::cohort_phase(o.existing[0], w.data, 3, kAsOf) == "running");
  attend(3, 50);  // session 3 before the cohort was created: another run, not this cohort's
  CHECK_FALSE(eligible(o));
  attend(3, 10);
  CHECK(eligible(o));  // its last session was attended: closed by itself
  CHECK(cohorts::cohort_phase(o.existing[0], w.data, 3, kAsOf) == "closed");
  CHECK(cohorts::last_session_at(o.existing[0], w.data, 3, kAsOf) == kAsOf - 10 * kMsPerDay);
  // As of a day before that session it was still open (as-of reads never see the future).
  cohorts::ProposeOptions earlier = o;
  earlier.as_of = kAsOf - 11 * kMsPerDay;
  CHECK_FALSE(cohorts::closed_as_of(o.existing[0], w.data, 3, earlier.as_of));
  // Without the programs (or for a program no longer configured) only closing by hand frees them.
  cohorts::ProposeOptions blind = o;
  blind.programs = nullptr;
  CHECK_FALSE(eligible(blind));
}

TEST_CASE("the practice signal: an account whose learner completed every course on the target milestone ranks higher") {
  World w = world();
  cohorts::Program p = program();
  p.target_milestone = "dm_used";
  p.weights = {0, 0, 0, 0.25};  // only the practice signal ranks: everyone else ties (by id)
  p.holdout_fraction = 0;
  auto content = recommend::build_content_map({{"inline", nlohmann::json::parse(R"({"items": [
        {"id": "dm_course", "title": "Data manager", "teaches": ["dm_used"], "minutes": 30},
        {"id": "dm_live", "title": "Data manager live", "type": "live", "teaches": ["dm_used"], "minutes": 60},
        {"id": "other", "title": "Other", "teaches": ["foundational"], "minutes": 10}]})")}},
      {});
  REQUIRE_MESSAGE(content.ok(), content.status().message());
  auto complete = [&](const std::string& learner, const std::string& item, Timestamp ts) {
    Completion c;
    c.learner = learner;
    c.content = item;
    c.status = CompletionStatus::kCompleted;
    c.ts = ts;
    w.data.apply(Record(c));
  };
  auto before = cohorts::propose_cohort(w.data, w.lookup(), p, options(1));
  REQUIRE(before.ok());
  const std::string last = before->cohort.eligible.back();  // the highest id: last on ties
  complete(last + "-l", "dm_course", kAsOf - kMsPerDay);
  cohorts::ProposeOptions o = options(1);
  o.content = &*content;
  auto one = cohorts::propose_cohort(w.data, w.lookup(), p, o);
  REQUIRE(one.ok());
  CHECK(one->cohort.eligible.back() == last);  // one of two courses: no signal
  complete(last + "-l", "dm_live", kAsOf + kMsPerDay);  // after the as-of: not yet
  CHECK(cohorts::propose_cohort(w.data, w.lookup(), p, o)->cohort.eligible.back() == last);
  complete(last + "-l", "dm_live", kAsOf - kMsPerDay);
  auto both = cohorts::propose_cohort(w.data, w.lookup(), p, o);
  REQUIRE(both.ok());
  CHECK(both->cohort.eligible.front() == last);
  CHECK(both->scores.at(last) == doctest::Approx(0.25));
  REQUIRE_FALSE(both->cohort.invitees.empty());
  CHECK(both->cohort.invitees.front().reason.find("1 learner(s) completed every course on dm_used") != std::string::npos);
  // Without the content map nobody carries the signal.
  CHECK(cohorts::propose_cohort(w.data, w.lookup(), p, options(1))->cohort.eligible.back() == last);
}
