// SegmentSizes against count_members (every learner evaluated from scratch), over random streams:
// learners joining, changing role and moving between accounts, account records changing tier and
// audience, states changing stage, achievements and flags, and the as-of moving by minutes, hours
// and days (across the tenure conditions' edges, and now and then back). After each step the
// writer's protocol is followed — advance() to the new as-of, then recount() the accounts a change
// named — and the sizes must equal a recount from scratch.
#include <doctest/doctest.h>

#include <map>
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
        case 2: {  // a state changes
          milestones::AccountState s;
          s.account = pick(rng, accounts);
          s.stage = pick(rng, {"onboarding", "adopting"});
          if (rng() % 2) s.milestones.push_back({"ai", true, as_of, {}});
          if (rng() % 3 == 0) s.flags.push_back({"out_of_order", "ai", "", std::nullopt, {}, {}, {}, {}});
          w.states[s.account] = s;
          touched.push_back(s.account);
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
