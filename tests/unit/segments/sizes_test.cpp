// SegmentSizes against count_members (every learner evaluated from scratch), over random streams:
// learners joining, changing role and moving between accounts, account records changing tier and
// audience, states changing stage, achievements and flags, and the as-of moving by minutes, hours
// and days (across the tenure conditions' edges, and now and then back). After each step the
// writer's protocol is followed — advance() to the new as-of, then recount() the accounts a change
// named — and the sizes must equal a recount from scratch.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dataset.h"
#include "segments/loader.h"
#include "segments/sizes.h"

namespace uplift::segments {
namespace {

SegmentSet test_set() {
  const auto doc = nlohmann::json::parse(R"({"id": "t", "segments": [
    {"id": "new_admins", "rule": {"all": [{"role": "admin"}, {"tenure_days": {"lte": 3}}]}},
    {"id": "week_two", "rule": {"all": [{"tenure_days": {"gt": 6.5}}, {"tenure_days": {"lt": 14}}]}},
    {"id": "day_five", "rule": {"tenure_days": {"eq": 5}}},
    {"id": "young_accounts", "rule": {"account_tenure_days": {"gte": 1, "lt": 2.5}}},
    {"id": "onboarding_smb", "rule": {"all": [{"stage": "onboarding"}, {"tier": "smb"}]}},
    {"id": "flagged_partners", "rule": {"any": [{"flag": "out_of_order"}, {"audience": "partner"}]}},
    {"id": "not_ai", "rule": {"not": {"achieved": "ai"}}}
  ]})");
  SegmentSet set;
  const Status parsed = parse_segments(doc, "test", {}, set);
  INFO(parsed.to_string());
  REQUIRE(parsed.ok());
  return set;
}

constexpr Timestamp kStart = 1'767'225'600'000;  // 2026-01-01

struct World {
  Dataset data;
  std::map<std::string, milestones::AccountState> states;
  StateLookup lookup() const {
    return [this](std::string_view a) -> const milestones::AccountState* {
      auto it = states.find(std::string(a));
      return it == states.end() ? nullptr : &it->second;
    };
  }
};

std::string pick(std::mt19937_64& rng, const std::vector<std::string>& from) { return from[rng() % from.size()]; }

}  // namespace

TEST_CASE("segment sizes kept by recount and advance equal a count of every learner") {
  const SegmentSet set = test_set();
  const std::vector<std::string> accounts = {"a1", "a2", "a3", "a4", "a5"};
  long kept = 0;  // state changes whose counts were kept (same_rule_inputs)
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    World w;
    Timestamp as_of = kStart;
    SegmentSizes sizes;
    sizes.rebuild(set, w.data, w.lookup(), as_of);
    for (int step = 0; step < 300; ++step) {
      CAPTURE(step);
      std::vector<std::string> touched;
      switch (rng() % 5) {
        case 0: {  // a learner joins, changes or moves (created at any minute of nearby days)
          Learner l;
          l.id = "L" + std::to_string(rng() % 40);
          l.account = pick(rng, accounts);
          l.role = pick(rng, {"admin", "user"});
          if (rng() % 5) l.created_at = as_of + static_cast<Timestamp>(rng() % (20 * 1440)) * 60'000 - 15 * kMsPerDay;
          if (LearnerRef before = w.data.learner(l.id)) touched.emplace_back(before->account());
          touched.push_back(l.account);
          w.data.apply(Record{l});
          break;
        }
        case 1: {  // an account record changes
          Account a;
          a.id = pick(rng, accounts);
          a.tier = pick(rng, {"smb", "enterprise"});
          a.audience = rng() % 4 == 0 ? Audience::kPartner : Audience::kCustomer;
          if (rng() % 3) a.created_at = as_of - static_cast<Timestamp>(rng() % (5 * 1440)) * 60'000 + kMsPerDay;
          touched.push_back(a.id);
          w.data.apply(Record{a});
          break;
        }
        case 2: {  // a state changes: what rules read (stage, achievements, flag kinds), or only the rest
          milestones::AccountState s;
          s.account = pick(rng, accounts);
          s.stage = pick(rng, {"onboarding", "adopting"});
          milestones::MilestoneStatus ai{"ai", rng() % 2 == 0, as_of, {static_cast<double>(rng() % 4), 3, "events"}};
          milestones::MilestoneStatus data{"data", rng() % 2 == 0, std::nullopt, {static_cast<double>(rng() % 4), 3, "events"}};
          if (rng() % 4) s.milestones = rng() % 2 ? std::vector{ai, data} : std::vector{data, ai};
          if (rng() % 3 == 0) s.flags.push_back({"out_of_order", "ai", pick(rng, {"", "x"}), std::nullopt, {}, {}, {}, {}});
          if (rng() % 3 == 0) s.flags.push_back({"usage_decline", "data", "", std::nullopt, {}, {}, {}, {}});
          if (rng() % 2) std::reverse(s.flags.begin(), s.flags.end());
          const auto before = w.states.find(s.account);
          const std::optional<milestones::AccountState> old =
              before == w.states.end() ? std::nullopt : std::optional(before->second);
          if (old && rng() % 2) {  // as most events do: progress and the like move, nothing a rule reads
            milestones::AccountState moved = *old;
            for (auto& m : moved.milestones) m.progress.current += static_cast<double>(rng() % 2);
            if (rng() % 2) std::reverse(moved.milestones.begin(), moved.milestones.end());
            for (auto& f : moved.flags) f.detail = pick(rng, {"", "y"});
            if (rng() % 3 == 0) moved.stage = pick(rng, {"onboarding", "adopting"});  // now and then it does
            s = moved;
          }
          w.states[s.account] = s;
          // The writer's protocol (app::Workspace::publish): counted again unless every rule reads the same.
          if (same_rule_inputs(old ? &*old : nullptr, &s)) ++kept;
          else touched.push_back(s.account);
          break;
        }
        default: {  // time passes: minutes, hours, a day or more; sometimes back
          const int kind = static_cast<int>(rng() % 10);
          if (kind == 0) as_of -= static_cast<Timestamp>(rng() % 3) * kMsPerDay;
          else if (kind < 4) as_of += static_cast<Timestamp>(rng() % 3) * kMsPerDay + static_cast<Timestamp>(rng() % 1440) * 60'000;
          else as_of += static_cast<Timestamp>(rng() % 240) * 60'000;
        }
      }
      sizes.advance(w.data, w.lookup(), as_of);
      for (const auto& a : touched) sizes.recount(w.data, w.lookup(), a);
      const auto want = count_members(set, w.data, w.lookup(), as_of);
      REQUIRE(sizes.sizes() == want);
    }
  }
  CHECK(kept > 300);  // the streams do reach the path that keeps an account's counts
}

TEST_CASE("same_rule_inputs: the stage, achievements and flag kinds decide; progress, dates, order and details do not") {
  milestones::AccountState a;
  a.account = "a";
  a.stage = "onboarding";
  a.milestones = {{"ai", true, kStart, {3, 3, "events"}}, {"data", false, std::nullopt, {1, 3, "events"}}};
  a.flags = {{"out_of_order", "ai", "ai before data", kStart, {"data"}, {}, {}, {}}};
  CHECK(same_rule_inputs(&a, &a));
  CHECK(same_rule_inputs(nullptr, nullptr));
  CHECK_FALSE(same_rule_inputs(&a, nullptr));
  CHECK_FALSE(same_rule_inputs(nullptr, &a));

  milestones::AccountState b = a;  // what no rule reads
  b.milestones[1].progress.current = 2;
  b.milestones[0].achieved_at = kStart + 1;
  b.stage_reached_at = kStart;
  b.frontier = {"data"};
  b.flags[0].detail = "other words";
  b.flags.push_back({"out_of_order", "data", "", std::nullopt, {}, {}, {}, {}});  // a kind already raised
  CHECK(same_rule_inputs(&a, &b));
  std::reverse(b.milestones.begin(), b.milestones.end());  // listed in another order
  CHECK(same_rule_inputs(&a, &b));
  CHECK(same_rule_inputs(&b, &a));

  auto differs = [&](auto change) {
    milestones::AccountState c = a;
    change(c);
    return !same_rule_inputs(&a, &c) && !same_rule_inputs(&c, &a);
  };
  CHECK(differs([](auto& c) { c.stage = "adopting"; }));
  CHECK(differs([](auto& c) { c.milestones[1].achieved = true; }));
  CHECK(differs([](auto& c) { c.milestones.pop_back(), c.milestones[0].achieved = false; }));
  CHECK(differs([](auto& c) { c.milestones.push_back({"sso", true, kStart, {}}); }));
  CHECK(differs([](auto& c) { c.flags.clear(); }));
  CHECK(differs([](auto& c) { c.flags.push_back({"usage_decline", "ai", "", std::nullopt, {}, {}, {}, {}}); }));
  // A milestone listed in one state and not the other, not achieved in either: the same to a rule.
  milestones::AccountState d = a;
  d.milestones.push_back({"sso", false, std::nullopt, {}});
  CHECK(same_rule_inputs(&a, &d));
  CHECK(same_rule_inputs(&d, &a));
}

TEST_CASE("segment sizes: a learner's tenure edge is recounted exactly when the as-of reaches it") {
  const SegmentSet set = test_set();
  World w;
  Learner l;
  l.id = "L";
  l.account = "a";
  l.role = "admin";
  l.created_at = kStart + 3'600'000;  // 01:00
  w.data.apply(Record{l});
  SegmentSizes sizes;
  sizes.rebuild(set, w.data, w.lookup(), kStart);
  CHECK(sizes.sizes()[0] == 1);  // new admin: day -1
  // lte 3 holds through day 3 and stops at day 4: 4 days after 01:00, not a millisecond before.
  sizes.advance(w.data, w.lookup(), *l.created_at + 4 * kMsPerDay - 1);
  CHECK(sizes.sizes()[0] == 1);
  sizes.advance(w.data, w.lookup(), *l.created_at + 4 * kMsPerDay);
  CHECK(sizes.sizes()[0] == 0);
  CHECK(sizes.sizes()[2] == 0);  // day 4
  sizes.advance(w.data, w.lookup(), *l.created_at + 5 * kMsPerDay);
  CHECK(sizes.sizes()[2] == 1);  // day 5
  sizes.advance(w.data, w.lookup(), *l.created_at + 6 * kMsPerDay);
  CHECK(sizes.sizes()[2] == 0);
  CHECK(sizes.sizes()[1] == 0);  // gt 6.5: from day 7
  sizes.advance(w.data, w.lookup(), *l.created_at + 7 * kMsPerDay);
  CHECK(sizes.sizes()[1] == 1);
  sizes.advance(w.data, w.lookup(), kStart);  // back: counted again from scratch
  CHECK(sizes.sizes()[0] == 1);
  CHECK(sizes.sizes()[1] == 0);
}

}  // namespace uplift::segments
