// Runs every tests/scenarios/recommend/*.json: records, account states (written directly, or
// evaluated from the records with the shipped milestone graph), a segment catalog and a content
// map in; ranked items, their reasons, scores and badges, and path views out.
// Format: tests/scenarios/recommend/README.md.
#include <doctest/doctest.h>

#include <optional>

#include "milestones/evaluator.h"
#include "milestones/loader.h"
#include "recommend/account_advice.h"
#include "recommend/recommend.h"
#include "segments/loader.h"
#include "unit/segments/scenario_support.h"

using namespace uplift;
using nlohmann::json;

namespace {

segments::SegmentSet segment_catalog(const json& spec) {
  if (spec.is_string()) {
    auto set = segments::load_segments(scenario::source_dir() + "/segments/" + spec.get<std::string>() + ".json");
    REQUIRE_MESSAGE(set.ok(), set.status().message());
    return std::move(*set);
  }
  segments::SegmentSet set;
  auto st = segments::parse_segments(spec, "inline segments", {}, set);
  REQUIRE_MESSAGE(st.ok(), st.message());
  return set;
}

recommend::ContentMap content_map(const json& spec) {
  if (spec.is_string()) {
    auto cm = recommend::load_content_map(scenario::source_dir() + "/content_maps/" + spec.get<std::string>() + ".json");
    REQUIRE_MESSAGE(cm.ok(), cm.status().message());
    return std::move(*cm);
  }
  auto cm = recommend::build_content_map({{"inline content map", spec}}, {});
  REQUIRE_MESSAGE(cm.ok(), cm.status().message());
  return std::move(*cm);
}

using States = std::map<std::string, milestones::AccountState, std::less<>>;

States evaluated_states(const json& sc, const Dataset& data, Timestamp as_of) {
  auto graph = milestones::load_graph_or_error(scenario::source_dir() + "/milestones/" +
                                               sc["evaluate"].get<std::string>() + ".json");
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  States out;
  for (const auto& [id, _] : data.accounts()) out[id] = milestones::evaluate_account(*graph, data, id, as_of);
  return out;
}

void check_recommendations(const recommend::Context& ctx, const json& c) {
  std::string id = c.at("learner");
  auto r = recommend::recommend(ctx, id, c.value("limit", 10));
  if (c.contains("error")) {
    REQUIRE(!r.ok());
    CHECK(std::string(code_name(r.status().code())) == c["error"].get<std::string>());
    CHECK(r.status().message().find(id) != std::string::npos);
    return;
  }
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  json got = recommend::to_json(*r);
  CHECK(recommend::to_json_text(*r) == got.dump(-1, ' ', false, json::error_handler_t::replace));
  std::vector<std::string> ids;
  for (const auto& it : got["items"]) ids.push_back(it["id"]);
  if (c.contains("items")) CHECK(json(ids) == c["items"]);
  // An empty list always says why (machine-readable); a non-empty one has no "empty".
  if (ids.empty() && c.value("limit", 10) > 0) CHECK_MESSAGE(got.contains("empty"), "an empty list without a reason");
  else CHECK_FALSE(got.contains("empty"));
  if (c.contains("empty")) CHECK(got.value("empty", json::object()).value("reason", "") == c["empty"]);
  if (c.contains("segments")) CHECK(got["segments"] == c["segments"]);
  for (const auto& a : c.value("absent", json::array())) {
    CHECK_MESSAGE(std::find(ids.begin(), ids.end(), a.get<std::string>()) == ids.end(), a << " was recommended");
  }
  auto item = [&](const std::string& want) -> const json* {
    for (const auto& it : got["items"])
      if (it["id"] == want) return &it;
    FAIL_CHECK("item " << want << " not recommended");
    return nullptr;
  };
  const json reasons = c.value("reasons", json::object());
  for (const auto& [k, v] : reasons.items())
    if (auto* it = item(k)) CHECK((*it)["reasons"] == v);
  const json scores = c.value("scores", json::object());
  for (const auto& [k, v] : scores.items())
    if (auto* it = item(k)) CHECK((*it)["score"] == v);
  const json badges = c.value("badges", json::object());
  for (const auto& [k, v] : badges.items())
    if (auto* it = item(k)) CHECK(it->value("badge", json()) == v);
}

void check_path(const recommend::Context& ctx, const json& c) {
  auto v = recommend::learning_path(ctx, c.at("learner").get<std::string>());
  if (c.contains("error")) {
    REQUIRE(!v.ok());
    CHECK(std::string(code_name(v.status().code())) == c["error"].get<std::string>());
    return;
  }
  REQUIRE_MESSAGE(v.ok(), v.status().message());
  json got = recommend::to_json(*v);
  json compact = json::array();
  for (const auto& p : got["paths"]) {
    json items = json::array();
    for (const auto& s : p["items"]) items.push_back(json::array({s["id"], s["status"]}));
    compact.push_back({{"path", p["path"]}, {"items", items}});
  }
  CHECK(compact == c["path"]);
}

// {"account": A, "programs": {milestone: program}, "advice": [{"milestone", "action", "items",
// "practised", "learners", "program"}]}: the stalled view's advice for the account, compared
// field by field (fields left out are not checked; "program" absent means none).
void check_advice(const recommend::Context& ctx, const json& c) {
  const std::string account = c.at("account");
  const json programs = c.value("programs", json::object());
  auto advice = recommend::advise_account(
      *ctx.data, ctx.states(account), *ctx.content, account,
      [&](std::string_view m) { return programs.value(std::string(m), std::string()); }, ctx.as_of);
  const json got = recommend::advice_to_json(advice);
  REQUIRE(got.size() == c["advice"].size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const json& want = c["advice"][i];
    INFO("advice[" << i << "]: " << got[i].dump());
    for (const auto& [k, v] : want.items()) CHECK(got[i].value(k, json()) == v);
    if (!want.contains("program")) CHECK_FALSE(got[i].contains("program"));
    CHECK(recommend::practised_learners(*ctx.data, *ctx.content, account, got[i]["milestone"].get<std::string>(),
                                        ctx.as_of) == got[i]["practised"].get<std::size_t>());
  }
}

void run(const std::filesystem::path& file) {
  json sc = scenario::read_json(file);
  auto data = scenario::dataset(sc.value("records", json::array()));
  Timestamp as_of = scenario::timestamp(sc.at("as_of"));
  States base = sc.contains("evaluate") ? evaluated_states(sc, data, as_of) : scenario::states(sc);
  auto set = segment_catalog(sc.at("segments"));
  auto cm = content_map(sc.at("content_map"));
  for (const auto& c : sc.at("cases")) {
    INFO("case learner " << c.value("learner", "") << c.value("account", "") << (c.contains("note") ? " — " + c["note"].get<std::string>() : ""));
    States states = base;
    if (c.contains("states"))
      for (const auto& [acc, j] : c["states"].items()) states[acc] = scenario::state(acc, j);
    recommend::Context ctx{&data, &set, &cm,
                           [&](std::string_view a) -> const milestones::AccountState* {
                             auto it = states.find(a);
                             return it == states.end() ? nullptr : &it->second;
                           },
                           as_of};
    if (c.contains("path")) check_path(ctx, c);
    else if (c.contains("advice")) check_advice(ctx, c);
    else check_recommendations(ctx, c);
  }
}

}  // namespace

TEST_CASE("recommendation scenarios") {
  auto files = scenario::files_in("tests/scenarios/recommend");
  REQUIRE(files.size() >= 22);
  for (const auto& f : files) {
    SUBCASE(f.filename().string().c_str()) { run(f); }
  }
}
