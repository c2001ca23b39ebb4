// Property: the evaluator's fast paths equal a full rebuild after EVERY flush, not just at the end.
//
// Events arrive mostly in time order (the appended-tail path: running counts, distinct-key sets,
// windows re-primed by binary search) with late stragglers that land inside the scanned history
// (the rescan path), duplicate deliveries, account records changing tier mid-stream (overrides),
// and the as-of day moving by one or many days between flushes (the day-boundary refresh, which
// only revisits accounts with an event crossing a window or decline-period edge or a decline flag).
// A fixed as-of variant also feeds events after as-of, which must stay ignored.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "core/dataset.h"
#include "milestones/evaluator.h"
#include "milestones/loader.h"
#include "milestones/state_json.h"
#include "support.h"

namespace fs = std::filesystem;
using namespace uplift;
using namespace uplift::milestones;

namespace {

using uplift::milestones::testing::source_dir;

// Windowed distinct/count/sum, an unwindowed distinct, decline triggers and an override of a window.
const char* kTailGraph = R"({"id":"tail","stages":["start","busy","steady"],"milestones":[
  {"id":"users_7d","active_learners":4,"window_days":7},
  {"id":"groups","event":"group_created","distinct":"props.group_id","count":3},
  {"id":"kinds","events":["login","workflow_published","data_manager_edit","ai_review_run"],"distinct":"name","count":3,"window_days":3},
  {"id":"contracts_10d","event":"contract_completed","sum":25,"window_days":10,"decline":{"recent_days":7,"baseline_days":14,"drop_pct":40}},
  {"id":"imports","event":"contract_imported","count":6,"decline":true},
  {"id":"busy","all":["users_7d","contracts_10d"],"stage":"busy"},
  {"id":"steady","k":2,"of":["groups","kinds","imports"],"requires":["busy"],"stage":"steady","expects":["groups"]}],
  "overrides":[{"when":{"tier":"upmarket"},"milestone":"users_7d","window_days":3},
               {"when":{"tier":"smb"},"milestone":"contracts_10d","sum":12}]})";

// `accounts` and `events`, when given, replace the random counts (the stream otherwise stays the same).
std::vector<Record> stream(std::mt19937& rng, int want_accounts = 0, int want_events = 0) {
  const std::vector<std::string> names = {"login", "group_created", "contract_completed", "contract_imported",
                                          "workflow_published", "data_manager_edit", "ai_review_run"};
  const std::vector<std::string> tiers = {"smb", "upmarket", "midmarket"};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  Timestamp t = start_of(days_from_civil(2026, 3, 1));
  std::vector<Record> out;
  int accounts = 2 + pick(3);
  if (want_accounts) accounts = want_accounts;
  for (int a = 0; a < accounts; ++a)
    out.push_back(Account{fmt::format("acct{}", a), "", "", tiers[pick(3)], "csm", {}, {}, {}, Audience::kCustomer, {}});
  std::vector<Event> sent;
  int n = 150 + pick(250);
  if (want_events) n = want_events;
  for (int i = 0; i < n; ++i) {
    int r = pick(100);
    if (r < 4 && !sent.empty()) {  // duplicate delivery of an earlier event
      out.push_back(sent[static_cast<std::size_t>(pick(static_cast<int>(sent.size())))]);
      continue;
    }
    if (r < 6) {  // the account's tier changes: overrides apply differently
      int a = pick(accounts);
      out.push_back(Account{fmt::format("acct{}", a), "", "", tiers[pick(3)], "csm", {}, {}, {}, Audience::kCustomer, {}});
      continue;
    }
    // Time mostly moves forward: a few hours, sometimes days; stragglers arrive up to 20 days late.
    t += pick(10) == 0 ? pick(5) * kMsPerDay + pick(1000) : pick(6 * 3'600'000);
    Event e;
    e.id = fmt::format("e{}", i);
    e.account = fmt::format("acct{}", pick(accounts));
    e.name = names[static_cast<std::size_t>(pick(static_cast<int>(names.size())))];
    e.ts = r < 14 ? t - pick(20) * kMsPerDay - pick(86'400'000) : t;
    if (pick(5) != 0) e.learner = fmt::format("{}-l{}", e.account, pick(9));
    e.qty = 1 + pick(6);
    if (e.name == "group_created") e.props["group_id"] = pick(3) == 0 ? nlohmann::json(pick(4)) : nlohmann::json(fmt::format("g{}", pick(5)));
    sent.push_back(e);
    out.push_back(std::move(e));
  }
  return out;
}

void check(const Graph& g, unsigned seed, std::optional<Timestamp> as_of) {
  std::mt19937 rng(seed);
  std::vector<Record> records = stream(rng);
  Dataset data;
  Evaluator inc(g, data, as_of);
  inc.rebuild();
  // Rebuilt in place every other flush (a rebuild reuses the states and caches it had), applied
  // incrementally in between: must equal a fresh evaluator's rebuild all along too.
  Evaluator again(g, data, as_of);
  again.rebuild();
  std::size_t i = 0, flushes = 0;
  while (i < records.size()) {
    for (std::size_t batch = 1 + rng() % 6; batch > 0 && i < records.size(); --batch, ++i)
      if (data.apply(records[i])) {
        inc.note(records[i]);
        again.note(records[i]);
      }
    inc.flush();
    if (flushes % 2 == 0) again.rebuild();
    else again.flush();
    Evaluator full(g, data, as_of);
    full.set_threads(1 + flushes++ % 2);
    full.rebuild();
    REQUIRE(inc.as_of() == full.as_of());
    REQUIRE(inc.states().size() == full.states().size());
    REQUIRE(state_values(again.states()) == state_values(full.states()));
    for (const auto& [account_, shared] : full.states()) {
      const auto& account = account_;  // a named variable: doctest captures messages in a lambda
      const AccountState& s = *shared;
      const AccountState* got = inc.state(account);
      REQUIRE(got);
      REQUIRE_MESSAGE(*got == s, "seed " << seed << " after record " << i << " account " << account
                                         << "\nincremental: " << to_json(*got).dump()
                                         << "\nrebuild:     " << to_json(s).dump());
    }
  }
}

}  // namespace

TEST_CASE("fast incremental paths equal a rebuild after every flush (clm.json)") {
  GraphLoad g = load_graph(source_dir() / "milestones/clm.json");
  REQUIRE(g.graph);
  for (unsigned seed = 1; seed <= 12; ++seed) check(*g.graph, seed, std::nullopt);
}

TEST_CASE("fast incremental paths equal a rebuild after every flush (windows, declines, overrides)") {
  GraphLoad g = parse_graph_text(kTailGraph, "tail");
  REQUIRE_MESSAGE(g.graph, fmt::format("{}", fmt::join(g.problems, "\n")));
  for (unsigned seed = 200; seed < 225; ++seed) check(*g.graph, seed, std::nullopt);
}

TEST_CASE("with a fixed as-of, events after it stay ignored on every path") {
  GraphLoad g = parse_graph_text(kTailGraph, "tail");
  REQUIRE(g.graph);
  Timestamp as_of = start_of(days_from_civil(2026, 3, 20)) + 12 * 3'600'000;
  for (unsigned seed = 300; seed < 312; ++seed) check(*g.graph, seed, as_of);
}

TEST_CASE("many accounts flushed at once on several threads equal one thread and a rebuild") {
  GraphLoad g = parse_graph_text(kTailGraph, "tail");
  REQUIRE(g.graph);
  std::size_t widest = 0;  // the most accounts one flush changed: the threaded path needs 64 or more
  for (unsigned seed = 400; seed < 404; ++seed) {
    CAPTURE(seed);
    std::mt19937 rng(seed);
    const std::vector<Record> records = stream(rng, 240, 5000);
    Dataset data;
    Evaluator threaded(*g.graph, data), serial(*g.graph, data);
    threaded.set_threads(4);
    serial.set_threads(1);
    threaded.rebuild();
    serial.rebuild();
    std::size_t i = 0;
    while (i < records.size()) {
      for (std::size_t batch = 100 + rng() % 900; batch > 0 && i < records.size(); --batch, ++i)
        if (data.apply(records[i])) {
          threaded.note(records[i]);
          serial.note(records[i]);
        }
      const std::vector<std::string> changed = threaded.flush();
      REQUIRE(changed == serial.flush());
      widest = std::max(widest, changed.size());
      Evaluator full(*g.graph, data);
      full.rebuild();
      REQUIRE(state_values(threaded.states()) == state_values(full.states()));
      REQUIRE(state_values(serial.states()) == state_values(full.states()));
    }
  }
  CHECK(widest >= 64);
}

TEST_CASE("a wide flush runs on the evaluator's threads; a narrow one, or one thread, does not") {
  GraphLoad g = parse_graph_text(kTailGraph, "tail");
  REQUIRE(g.graph);
  std::mt19937 rng(410);
  const std::vector<Record> records = stream(rng, 240, 3000);
  Dataset data;
  Evaluator threaded(*g.graph, data), serial(*g.graph, data);
  threaded.set_threads(3);
  serial.set_threads(1);
  threaded.rebuild();
  serial.rebuild();
  for (std::size_t i = 0; i < records.size(); ++i)
    if (data.apply(records[i])) {
      threaded.note(records[i]);
      serial.note(records[i]);
    }
  CHECK(threaded.flush() == serial.flush());  // 240 accounts noted
  CHECK(threaded.threaded_flushes() == 1);
  CHECK(serial.threaded_flushes() == 0);
  Event one;
  one.id = "one-more";
  one.account = "acct1";
  one.name = "login";
  one.ts = latest_fact_time(data);
  REQUIRE(data.apply(Record{one}));
  threaded.note(Record{one});
  threaded.flush();  // one account: no threads
  CHECK(threaded.threaded_flushes() == 1);
}
