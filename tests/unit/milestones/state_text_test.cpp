// Stored milestone states are decoded by a fast path (account_state_from_text_fast) with the
// DOM route (account_state_from_json) as the fallback: whenever the fast path accepts a document
// it must give what the DOM route gives, and it must decline every document the DOM route
// rejects or might read differently. (scenario_test.cpp checks it takes every evaluated state.)
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "milestones/state_json.h"

using namespace uplift;
using namespace uplift::milestones;

namespace {

const std::string kState =
    R"({"account":"acct-1","flags":[{"at":"2026-03-01T00:00:00Z","detail":"ai_review_used before foundational","kind":"out_of_order","milestone":"ai_review_used","missing":["foundational"]},)"
    R"({"after_rate":1.5,"before_rate":4.0,"change_pct":-62.5,"detail":"weekly use down","kind":"usage_decline","milestone":"workflow_published"}],)"
    R"("frontier":["three_groups"],"milestones":[{"achieved":true,"achieved_at":"2026-01-16T11:30:36.250Z","id":"workflow_published","progress":{"current":1,"target":1.0,"unit":"workflows"}},)"
    R"({"achieved":false,"id":"three_groups","progress":{"current":2.0,"target":3.0,"unit":"groups"}}],"stage":"onboarding","stage_reached_at":"2026-01-01T00:00:00Z"})";

std::string with(std::string from, const std::string& what, const std::string& by) {
  auto at = from.find(what);
  REQUIRE(at != std::string::npos);
  return from.replace(at, what.size(), by);
}

}  // namespace

TEST_CASE("a full state document takes the fast path and decodes as the DOM route does") {
  AccountState fast;
  REQUIRE(account_state_from_text_fast(kState, fast));
  auto dom = account_state_from_json(nlohmann::json::parse(kState));
  REQUIRE(dom.ok());
  CHECK(fast == *dom);
  CHECK(fast.flags.size() == 2);
  CHECK(fast.milestones.at(0).achieved_at == dom->milestones.at(0).achieved_at);
  auto text = account_state_from_text(kState);
  REQUIRE(text.ok());
  CHECK(*text == *dom);
}

TEST_CASE("the fast path declines unusual documents; account_state_from_text still decodes or rejects them") {
  const std::vector<std::string> declined = {
      with(kState, R"("stage":"onboarding")", R"("stage":"onboarding","stage":"x")"),   // repeated key
      with(kState, R"("frontier":)", R"("note":"x","frontier":)"),                      // unknown key
      with(kState, R"("current":1,)", R"("current":-0.0,)"),                            // negative zero
      with(kState, R"("current":1,)", R"("current":"1",)"),                             // wrong type
      with(kState, R"("achieved":true)", R"("achieved":1)"),
      with(kState, R"("achieved_at":"2026-01-16T11:30:36.250Z")", R"("achieved_at":"yesterday")"),
      with(kState, R"("id":"three_groups",)", ""),                                      // milestone without id
      with(kState, R"("stage":"onboarding",)", ""),                                     // no stage
      with(kState, R"("frontier":["three_groups"])", R"("frontier":"three_groups")"),
      kState + " x",                                                                      // trailing text
      kState.substr(0, kState.size() - 1),                                                // truncated
      "[]",
  };
  for (const auto& doc : declined) {
    INFO("document: " << doc);
    AccountState s;
    CHECK_FALSE(account_state_from_text_fast(doc, s));
    // The fallback gives the DOM route's answer: the same state, or an error.
    nlohmann::json j = nlohmann::json::parse(doc, nullptr, false);
    auto text = account_state_from_text(doc);
    if (j.is_discarded()) {
      CHECK_FALSE(text.ok());
      continue;
    }
    Result<AccountState> dom = Status::Internal("unset");
    try {
      dom = account_state_from_json(j);
    } catch (const nlohmann::json::exception&) {
      CHECK_FALSE(text.ok());  // the DOM route throws on some shapes: the text form reports an error
      continue;
    }
    CHECK(text.ok() == dom.ok());
    if (text.ok() && dom.ok()) CHECK(*text == *dom);
  }
}
