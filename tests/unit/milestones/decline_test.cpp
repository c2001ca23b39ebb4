// The usage-decline trigger (milestones/decline.h): the override `decline` key (parsed, refused
// with the loader's messages, applied per account like the other override fields), the test that
// a drop is not chance, the rule that a decline needs established use, churned accounts, and the
// incremental paths agreeing with a rebuild when a renewal or a new day changes the answer.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "core/dataset.h"
#include "milestones/decline.h"
#include "milestones/evaluator.h"
#include "milestones/loader.h"

using namespace uplift;
using namespace uplift::milestones;

namespace {

// One event criterion with a decline trigger, and overrides appended by each test.
std::string graph_text(const std::string& decline, const std::string& overrides) {
  return fmt::format(R"({{"id": "g", "stages": ["start"], "milestones": [
    {{"id": "edits", "event": "edit", "count": 1, "decline": {}}},
    {{"id": "logins", "event": "login", "count": 1}}],
    "overrides": [{}]}})",
                     decline, overrides);
}

Graph load(const std::string& text) {
  GraphLoad g = parse_graph_text(text, "g.json");
  REQUIRE_MESSAGE(g.graph, fmt::format("{}", fmt::join(g.problems, "\n")));
  return std::move(*g.graph);
}

std::string problems_of(const std::string& text) {
  GraphLoad g = parse_graph_text(text, "g.json");
  CHECK_FALSE(g.graph.has_value());
  return fmt::format("{}", fmt::join(g.problems, "\n"));
}

const Date kToday = days_from_civil(2026, 3, 31);
const Timestamp kAsOf = start_of(kToday) + 23 * 3'600'000;

// `per_day` events at noon on each day D with today - from < D <= today - to. The recent period
// (14 days) is usage(…, 14, 0, …); the baseline (28 days) usage(…, 42, 14, …).
void usage(Dataset& data, const std::string& account, const std::string& name, int from, int to, int per_day) {
  static int next = 0;
  for (int d = from - 1; d >= to; --d)
    for (int k = 0; k < per_day; ++k)
      data.apply(Event{fmt::format("e{}", ++next), account, name, start_of(kToday - d) + 12 * 3'600'000 + k, "", 1, {}});
}

Account account(const std::string& id, const std::string& tier) {
  Account a;
  a.id = id;
  a.tier = tier;
  return a;
}

bool flagged(const AccountState& s, const std::string& milestone) {
  for (const auto& f : s.flags)
    if (f.kind == "usage_decline" && f.milestone == milestone) return true;
  return false;
}

}  // namespace

TEST_CASE("an override's decline: an object sets the fields it gives, false switches it off, true the milestone's") {
  Graph g = load(graph_text(R"({"drop_pct": 40, "significance": 0.05})",
                            R"({"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"drop_pct": 70, "recent_days": 7}},
                               {"when": {"tier": "smb"}, "milestone": "edits", "decline": false},
                               {"when": {"plan": "trial"}, "milestone": "edits", "decline": true},
                               {"when": {"tier": "midmarket"}, "milestone": "logins", "decline": {"min_baseline": 20}})"));
  REQUIRE(g.overrides.size() == 4);
  const Decline own = *g.find("edits")->decline;
  CHECK(own.drop_pct == 40);
  CHECK(own.significance == 0.05);
  CHECK(own.recent_days == 14);

  auto upmarket = g.overrides[0].decline->apply(own);
  REQUIRE(upmarket);
  CHECK(upmarket->drop_pct == 70);
  CHECK(upmarket->recent_days == 7);
  CHECK(upmarket->baseline_days == 28);     // the milestone's own
  CHECK(upmarket->significance == 0.05);    // the milestone's own
  CHECK_FALSE(g.overrides[1].decline->apply(own));
  CHECK(g.overrides[2].decline->apply(own) == own);
  // A milestone without a trigger: an override switches one on, the defaults filling in.
  auto logins = g.overrides[3].decline->apply(g.find("logins")->decline);
  REQUIRE(logins);
  CHECK(logins->min_baseline == 20);
  CHECK(logins->drop_pct == Decline{}.drop_pct);
  CHECK(logins->significance == Decline{}.significance);
}

TEST_CASE("a bad override decline is refused naming the file, the override, the field and why") {
  auto all = problems_of(graph_text("true", R"({"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"drop_pct": 150}},
      {"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"recent_dayz": 7}},
      {"when": {"tier": "upmarket"}, "milestone": "edits", "decline": "yes"},
      {"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"significance": 2}},
      {"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"baseline_days": 0}},
      {"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"min_baseline": -1}})"));
  INFO(all);
  CHECK(all.find("g.json: overrides[0]: decline.drop_pct: must be at most 100, got 150") != std::string::npos);
  CHECK(all.find("g.json: overrides[1]: decline: unknown key \"recent_dayz\"") != std::string::npos);
  CHECK(all.find("g.json: overrides[2]: decline: must be true, false or an object, got \"yes\"") != std::string::npos);
  CHECK(all.find("g.json: overrides[3]: decline.significance: must be at most 1 (1: no test), got 2") != std::string::npos);
  CHECK(all.find("g.json: overrides[4]: decline.baseline_days: must be a whole number >= 1") != std::string::npos);
  CHECK(all.find("g.json: overrides[5]: decline.min_baseline: must be a number >= 0") != std::string::npos);

  // Only criteria over events have a usage rate to decline.
  all = problems_of(R"({"id": "g", "stages": ["start"], "milestones": [
      {"id": "a", "event": "x"}, {"id": "b", "event": "y"}, {"id": "both", "all": ["a", "b"]},
      {"id": "course", "completed": "*"}],
    "overrides": [{"when": {"tier": "smb"}, "milestone": "both", "decline": true},
                  {"when": {"tier": "smb"}, "milestone": "course", "decline": {"drop_pct": 60}}]})");
  CHECK(all.find("g.json: overrides[0]: decline: milestone \"both\" is not a criterion over events") != std::string::npos);
  CHECK(all.find("g.json: overrides[1]: decline: milestone \"course\" is not a criterion over events") != std::string::npos);
  // The milestone's own decline, as before, with the new key.
  all = problems_of(graph_text(R"({"significance": 0})", ""));
  CHECK(all.find("g.json: milestone \"edits\": decline.significance: must be a number > 0, got 0") != std::string::npos);
}

TEST_CASE("evaluation picks the override's decline for an upmarket account and not for another") {
  // edits: 4 a day for 28 days, then 2 a day: -50 %. The milestone flags a 40 % drop; upmarket
  // accounts only a 60 % one; smb accounts never. The first matching override wins: an smb
  // account on the enterprise plan is switched off by the smb override listed first.
  Graph g = load(graph_text(R"({"drop_pct": 40})",
                            R"({"when": {"tier": "smb"}, "milestone": "edits", "decline": false},
                               {"when": {"tier": "upmarket"}, "milestone": "edits", "decline": {"drop_pct": 60}},
                               {"when": {"plan": "enterprise"}, "milestone": "edits", "decline": {"drop_pct": 10}})"));
  Dataset data;
  for (const auto& [id, tier] : std::vector<std::pair<std::string, std::string>>{
           {"up", "upmarket"}, {"mid", "midmarket"}, {"small", "smb"}, {"small_ent", "smb"}}) {
    Account a = account(id, tier);
    if (id == "small_ent") a.plan = "enterprise";
    data.apply(a);
    usage(data, id, "edit", 60, 14, 4);
    usage(data, id, "edit", 14, 0, 2);
  }
  Evaluator ev(g, data, kAsOf);
  ev.rebuild();
  CHECK_FALSE(flagged(*ev.state("up"), "edits"));    // upmarket: -50 % is under its 60 %
  CHECK(flagged(*ev.state("mid"), "edits"));         // no override: the milestone's 40 %
  CHECK_FALSE(flagged(*ev.state("small"), "edits"));  // switched off
  CHECK_FALSE(flagged(*ev.state("small_ent"), "edits"));

  // The same upmarket account with a steeper drop is flagged.
  Dataset steep;
  steep.apply(account("up", "upmarket"));
  usage(steep, "up", "edit", 60, 14, 4);
  usage(steep, "up", "edit", 14, 0, 1);
  CHECK(flagged(evaluate_account(g, steep, "up", kAsOf), "edits"));
}

TEST_CASE("the binomial tail the decline test uses") {
  CHECK(binomial_cdf(0, 3, 0.5) == doctest::Approx(0.125));
  CHECK(binomial_cdf(1, 3, 0.5) == doctest::Approx(0.5));
  CHECK(binomial_cdf(3, 3, 0.5) == 1);
  CHECK(binomial_cdf(-1, 3, 0.5) == 0);
  CHECK(binomial_cdf(0, 10, 1.0 / 3) == doctest::Approx(std::pow(2.0 / 3, 10)));
  CHECK(binomial_cdf(8, 10, 1.0 / 3) == doctest::Approx(1 - 10 * std::pow(1.0 / 3, 9) * (2.0 / 3) - std::pow(1.0 / 3, 10)));
  // Large counts stay finite and sensible: a 20 % share of 100000 events against an expected third.
  CHECK(binomial_cdf(20000, 100000, 1.0 / 3) < 1e-300);
  CHECK(binomial_cdf(33333, 100000, 1.0 / 3) == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("a drop that chance explains does not flag; the same drop in more events does") {
  Graph g = load(graph_text(R"({"significance": 0.01})", ""));
  // 4 edits in the baseline, none in the last 14 days: -100 %, but with an unchanged rate no
  // recent event has chance (2/3)^4 ≈ 0.2. (The edit 50 days ago establishes the use.)
  Dataset few;
  for (int d : {50, 40, 33, 25, 18}) usage(few, "a", "edit", d + 1, d, 1);
  AccountState s = evaluate_account(g, few, "a", kAsOf);
  CHECK(s.find("edits")->achieved);
  CHECK_FALSE(flagged(s, "edits"));
  // 28 edits in the baseline, 3 recently: -79 %, P ≈ 0.0002.
  Dataset many;
  usage(many, "a", "edit", 60, 42, 1);
  usage(many, "a", "edit", 42, 14, 1);
  for (int d : {12, 7, 2}) usage(many, "a", "edit", d + 1, d, 1);
  CHECK(flagged(evaluate_account(g, many, "a", kAsOf), "edits"));
  // significance 1 turns the test off: the four edits flag again.
  CHECK(flagged(evaluate_account(load(graph_text(R"({"significance": 1})", "")), few, "a", kAsOf), "edits"));
}

TEST_CASE("a decline needs established use: the criterion met before the baseline period began") {
  Graph g = load(graph_text("true", ""));
  // Usage starts inside the baseline period (day 30 ago, baseline from day 41): a launch burst
  // followed by a normal rate is not a decline.
  Dataset late;
  usage(late, "a", "edit", 30, 14, 5);
  usage(late, "a", "edit", 14, 0, 1);
  CHECK_FALSE(flagged(evaluate_account(g, late, "a", kAsOf), "edits"));
  // Met on the day before the baseline period: flagged.
  Dataset early;
  usage(early, "a", "edit", 43, 14, 5);
  usage(early, "a", "edit", 14, 0, 1);
  CHECK(flagged(evaluate_account(g, early, "a", kAsOf), "edits"));
}

TEST_CASE("a churned account is not flagged; incremental evaluation agrees with a rebuild") {
  Graph g = load(graph_text("true", ""));
  Dataset data;
  data.apply(account("a", "smb"));
  usage(data, "a", "edit", 60, 14, 5);
  usage(data, "a", "edit", 14, 0, 1);
  Evaluator ev(g, data, kAsOf);
  ev.rebuild();
  CHECK(flagged(*ev.state("a"), "edits"));

  Renewal churn{"a", kToday - 3, RenewalOutcome::kChurned, 1000, 0};
  REQUIRE(data.apply(churn));
  ev.note(churn);
  CHECK(ev.flush() == std::vector<std::string>{"a"});
  CHECK_FALSE(flagged(*ev.state("a"), "edits"));
  CHECK(*ev.state("a") == evaluate_account(g, data, "a", kAsOf));
  // A renewal for an account with nothing else is not an account to evaluate.
  Renewal stray{"nobody", kToday - 3, RenewalOutcome::kChurned, 1000, 0};
  data.apply(stray);
  ev.note(stray);
  ev.flush();
  CHECK(ev.state("nobody") == nullptr);

  // When the as-of day passes a renewal date, an account refreshed only because the day moved
  // (none of its events crosses a period edge) is re-judged: "b" churned 50 days ago and renews
  // two days after today, its usage having stopped 20 days ago.
  Dataset later;
  later.apply(account("b", "smb"));
  usage(later, "b", "edit", 81, 80, 1);
  usage(later, "b", "edit", 38, 20, 5);
  later.apply(Renewal{"b", kToday - 50, RenewalOutcome::kChurned, 1000, 0});
  later.apply(Renewal{"b", kToday + 2, RenewalOutcome::kRenewed, 0, 1000});
  usage(later, "c", "other", 1, 0, 1);  // as-of: today, noon
  Evaluator moving(g, later);
  moving.rebuild();
  CHECK(date_of(moving.as_of()) == kToday);
  CHECK_FALSE(flagged(*moving.state("b"), "edits"));
  for (int d = 1; d <= 3; ++d) {
    Event e{fmt::format("late{}", d), "c", "other", start_of(kToday + d) + 3'600'000, "", 1, {}};
    REQUIRE(later.apply(e));
    moving.note(e);
    moving.flush();
    INFO("day +" << d);
    CHECK(*moving.state("b") == evaluate_account(g, later, "b", moving.as_of()));
    CHECK(flagged(*moving.state("b"), "edits") == (d >= 2));
  }
}
