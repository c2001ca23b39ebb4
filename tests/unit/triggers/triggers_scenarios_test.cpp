// Runs every tests/scenarios/triggers/*.json: trigger rules (inline, validated against the shipped
// milestone graph), base records, then steps — each adds records, evaluates every account with the
// real evaluator at the step's as-of instant and runs detection over all accounts, carrying the
// episodes from step to step. Each step lists exactly the alerts it must raise
// ({"rule", "account", "what": "~substring"}); no list means none.
#include <doctest/doctest.h>

#include "core/record_json.h"
#include "milestones/evaluator.h"
#include "milestones/loader.h"
#include "triggers/detect.h"
#include "unit/segments/scenario_support.h"

using namespace uplift;
using nlohmann::json;

namespace {

void run(const std::filesystem::path& file) {
  json sc = scenario::read_json(file);
  auto graph = milestones::load_graph_or_error(scenario::source_dir() + "/milestones");
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  triggers::RuleSet rules;
  std::vector<std::string> problems;
  triggers::parse_rules(sc.at("triggers"), file.filename().string(), *graph, rules, problems);
  REQUIRE_MESSAGE(problems.empty(), problems.front());
  Dataset data = scenario::dataset(sc.value("records", json::array()));
  triggers::EpisodeBook book;
  int n = 0;
  for (const auto& st : sc.at("steps")) {
    ++n;
    const Timestamp as_of = scenario::timestamp(st.at("as_of"));
    INFO("step " << n << " at " << st.at("as_of").get<std::string>() << (st.contains("note") ? " — " + st["note"].get<std::string>() : ""));
    for (const auto& r : st.value("records", json::array())) {
      auto parsed = record_from_json(r);
      REQUIRE_MESSAGE(parsed.ok(), parsed.error.field << ": " << parsed.error.reason);
      data.apply(*parsed.record);
    }
    milestones::Evaluator ev(*graph, data, as_of);
    ev.rebuild();
    std::vector<std::string> accounts;
    for (const auto& [id, a] : data.accounts()) accounts.push_back(id);
    triggers::Context ctx{&data, &*graph, [&](std::string_view a) { return ev.state(a); }};
    auto alerts = triggers::step(rules, ctx, accounts, as_of, book);
    const json want = st.value("alerts", json::array());
    std::string got_text;
    for (const auto& a : alerts) got_text += triggers::alert_to_json(a).dump() + "\n";
    INFO("raised:\n" << got_text);
    REQUIRE(alerts.size() == want.size());
    for (std::size_t i = 0; i < alerts.size(); ++i) {
      CHECK(alerts[i].rule == want[i].at("rule").get<std::string>());
      CHECK(alerts[i].account == want[i].at("account").get<std::string>());
      CHECK(alerts[i].at == as_of);
      CHECK(alerts[i].id == triggers::alert_id(alerts[i].rule, alerts[i].account, as_of));
      if (want[i].contains("what")) {
        std::string w = want[i]["what"].get<std::string>();
        if (w.rfind("~", 0) == 0) CHECK_MESSAGE(alerts[i].what.find(w.substr(1)) != std::string::npos, alerts[i].what);
        else CHECK(alerts[i].what == w);
      }
    }
    // The book survives a round trip through its JSON (it is persisted between steps in production).
    auto again = triggers::book_from_json(triggers::book_to_json(book));
    REQUIRE(again.ok());
    CHECK(*again == book);
  }
}

}  // namespace

TEST_CASE("trigger scenarios: records in, alerts out, step by step") {
  auto files = scenario::files_in("tests/scenarios/triggers");
  REQUIRE(files.size() >= 3);
  for (const auto& f : files) {
    SUBCASE(f.filename().string().c_str()) { run(f); }
  }
}
