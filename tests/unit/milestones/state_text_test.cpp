// Stored milestone states are decoded by a fast path (account_state_from_text_fast) with the
// DOM route (account_state_from_json) as the fallback: whenever the fast path accepts a document
// it must give what the DOM route gives, and it must decline every document the DOM route
// rejects or might read differently. (scenario_test.cpp checks it takes every evaluated state.)
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
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

namespace {

// A state with every optional member present or absent at random, numbers from every range the
// JSON library formats differently (integral, fractions, tiny, huge, negative, zero, -0, NaN),
// and text with quotes, escapes, control characters and UTF-8.
AccountState random_state(std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::vector<std::string> texts = {"", "onboarding", "a \"quoted\" id", "back\\slash", "tab\there",
                                          "line\nbreak", std::string("nul\0byte", 8), "\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x9c\x93",
                                          "emoji \xf0\x9f\x9a\x80"};
  const std::vector<double> numbers = {0.0, -0.0, 1.0, 3.0, 0.5, -62.5, 1.0 / 3, 1e-5, 1.5e-7, 123456.789,
                                       1e15, 1e16, 123456789012345680.0, 2.5e300, -1e-300,
                                       std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                       std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()};
  auto text = [&] { return texts[pick(texts.size())]; };
  auto number = [&] {
    if (rng() % 3 == 0) return std::ldexp(static_cast<double>(rng() % 1000000) - 500000, static_cast<int>(rng() % 80) - 40);
    return numbers[pick(numbers.size())];
  };
  auto maybe_ts = [&]() -> std::optional<Timestamp> {
    if (rng() % 2) return std::nullopt;
    return static_cast<Timestamp>(rng() % 4'000'000'000'000ULL);  // whole seconds and odd milliseconds
  };
  AccountState s;
  s.account = text();
  s.stage = text();
  s.stage_reached_at = maybe_ts();
  for (std::size_t i = pick(5); i > 0; --i) {
    MilestoneStatus m;
    m.id = text();
    m.achieved = rng() % 2;
    m.achieved_at = maybe_ts();
    m.progress = {number(), number(), text()};
    s.milestones.push_back(m);
  }
  for (std::size_t i = pick(3); i > 0; --i) s.frontier.push_back(text());
  for (std::size_t i = pick(4); i > 0; --i) {
    Flag f;
    f.kind = text();
    f.milestone = text();
    f.detail = text();
    f.at = maybe_ts();
    for (std::size_t k = pick(3); k > 0; --k) f.missing.push_back(text());
    if (rng() % 2) f.before_rate = number();
    if (rng() % 2) f.after_rate = number();
    if (rng() % 2) f.change_pct = number();
    s.flags.push_back(f);
  }
  return s;
}

}  // namespace

TEST_CASE("to_json_text writes the bytes the JSON library's dump writes, for any state") {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 5000; ++i) {
    const AccountState s = random_state(rng);
    const std::string want = to_json(s).dump();
    REQUIRE_MESSAGE(to_json_text(s) == want, "state " << i);
  }
  AccountState empty;
  CHECK(to_json_text(empty) == to_json(empty).dump());
}
