// Property: for random (seeded) record streams, applying records one batch at a time in a random
// order and flushing the evaluator after each batch ends in exactly the states a full rebuild
// computes from the same records.
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

// A graph exercising what clm.json does not: completions, k of n, any, where, windowed sums.
const char* kExtraGraph = R"({"id":"extra","stages":["start","trained","busy"],"milestones":[
  {"id":"certified","completed":["c1","c2"],"count":2,"stage":"trained"},
  {"id":"sf","event":"integration_connected","where":{"props.integration":["salesforce","hubspot"]}},
  {"id":"busy_week","event":"contract_completed","sum":20,"window_days":7,"decline":true},
  {"id":"groups_2w","event":"group_created","distinct":"props.group_id","count":2,"window_days":14},
  {"id":"two_of","k":2,"of":["certified","sf","busy_week"],"stage":"busy"},
  {"id":"either","any":["groups_2w","sf"],"expects":["certified"]}],
  "overrides":[{"when":{"tier":"upmarket"},"milestone":"busy_week","sum":40},
               {"when":{"plan":"pro"},"milestone":"two_of","k":3}]})";

std::vector<Record> random_records(std::mt19937& rng) {
  std::vector<Record> out;
  const std::vector<std::string> names = {"workflow_published", "group_created", "login", "integration_connected",
                                          "contract_completed", "contract_imported", "data_manager_edit",
                                          "ai_review_run", "user_invited"};
  const std::vector<std::string> tiers = {"smb", "upmarket", "midmarket"}, plans = {"pro", "standard"};
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int accounts = 2 + pick(3);
  Timestamp t0 = start_of(days_from_civil(2026, 1, 1));
  for (int a = 0; a < accounts; ++a) {
    std::string id = fmt::format("acct{}", a);
    if (pick(4) != 0) out.push_back(Account{id, id, plans[pick(2)], tiers[pick(3)], "csm", {}, {}, {}, Audience::kCustomer, {}});
    int learners = 5 + pick(30);
    for (int l = 0; l < learners; ++l) {
      std::string lid = fmt::format("{}-l{}", id, l);
      if (pick(5) != 0) out.push_back(Learner{lid, pick(10) == 0 ? "acct0" : id, "", "user", "", {}, {}, {}, {}});
      for (int c = pick(3); c > 0; --c)
        // Some carry a source id that another learner's completion (maybe in another account)
        // carries too: the later one replaces it, and the first learner's account loses it.
        out.push_back(Completion{pick(4) == 0 ? fmt::format("stmt-{}", pick(12)) : "", lid, fmt::format("c{}", 1 + pick(3)),
                                 t0 + pick(120) * kMsPerDay + pick(1000),
                                 pick(4) == 0 ? CompletionStatus::kFailed : CompletionStatus::kCompleted, {}});
    }
    int events = 50 + pick(250);
    for (int e = 0; e < events; ++e) {
      Event ev;
      ev.id = fmt::format("{}-e{}", id, pick(5) == 0 ? pick(events) : e);  // some duplicate ids
      ev.account = id;
      ev.name = names[pick(static_cast<int>(names.size()))];
      ev.ts = t0 + static_cast<Timestamp>(pick(120)) * kMsPerDay + pick(86'400'000);
      if (pick(6) != 0) ev.learner = fmt::format("{}-l{}", id, pick(learners));
      ev.qty = 1 + pick(15);
      if (ev.name == "group_created") ev.props["group_id"] = fmt::format("g{}", pick(6));
      if (ev.name == "integration_connected")
        ev.props["integration"] = std::vector<std::string>{"salesforce", "slack", "hubspot"}[pick(3)];
      out.push_back(ev);
    }
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

void check_graph(const Graph& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<Record> records = random_records(rng);
  Dataset full_data;
  for (const auto& r : records) full_data.apply(r);
  Evaluator full(g, full_data);
  full.rebuild();

  Dataset data;
  Evaluator inc(g, data);
  inc.rebuild();
  std::size_t i = 0;
  while (i < records.size()) {
    std::size_t batch = 1 + rng() % 40;
    for (; batch > 0 && i < records.size(); --batch, ++i)
      if (data.apply(records[i])) inc.note(records[i]);
    inc.flush();
  }
  REQUIRE(inc.states().size() == full.states().size());
  for (const auto& [account_, shared] : full.states()) {
    const auto& account = account_;  // a named variable: doctest captures messages in a lambda
    const AccountState& s = *shared;
    const AccountState* got = inc.state(account);
    REQUIRE(got);
    CHECK_MESSAGE(*got == s, "seed " << seed << " account " << account << "\nincremental: " << to_json(*got).dump()
                                     << "\nrebuild:     " << to_json(s).dump());
    CHECK(evaluate_account(g, full_data, account, full.as_of()) == s);
  }
}

}  // namespace

TEST_CASE("incremental evaluation equals a full rebuild (clm.json)") {
  GraphLoad g = load_graph(source_dir() / "milestones/clm.json");
  REQUIRE(g.graph);
  for (unsigned seed = 1; seed <= 25; ++seed) check_graph(*g.graph, seed);
}

TEST_CASE("incremental evaluation equals a full rebuild (completions, gates, where, windows)") {
  GraphLoad g = parse_graph_text(kExtraGraph, "extra");
  REQUIRE_MESSAGE(g.graph, fmt::format("{}", fmt::join(g.problems, "\n")));
  for (unsigned seed = 100; seed < 125; ++seed) check_graph(*g.graph, seed);
}
