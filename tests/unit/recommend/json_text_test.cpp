// to_json_text (the API's hot path) must write exactly what to_json(...).dump() writes — key
// order, escapes, non-ASCII and invalid UTF-8 (replaced), every reason kind, with and without a
// badge — so the server's switch to it cannot change a response by a byte.
#include <doctest/doctest.h>

#include "recommend/recommend.h"

using namespace uplift;
using nlohmann::json;

namespace {

std::string via_tree(const recommend::Recommendations& r) {
  return recommend::to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("to_json_text equals the nlohmann document byte for byte") {
  recommend::CatalogItem plain, tricky;
  plain.id = "course-101";
  plain.title = "Getting started";
  plain.minutes = 45;
  tricky.id = "it\"em/\\2";
  tricky.title = std::string("Tabs\tnew\nline \x01\x1f\x7f \"quoted\" caf\xc3\xa9 ") + "\xff\xfe broken";
  tricky.type = recommend::ItemType::kLive;
  tricky.minutes = 0;

  recommend::Recommendations r;
  r.learner = "acct-1-u\xe2\x82\xac";
  r.account = "acct-1";
  r.stage = "";
  r.audience = Audience::kPartner;
  r.segments = {"new_admins", "we\"ird"};
  r.frontier = {"three_groups"};
  r.as_of = 1'790'000'000'000;
  SUBCASE("no items") { CHECK(recommend::to_json_text(r) == via_tree(r)); }
  SUBCASE("no items, with the reason") {
    r.empty_reason = "all_completed";
    r.empty_detail = "the learner completed \"everything\"";
    CHECK(recommend::to_json_text(r) == via_tree(r));
    CHECK(recommend::to_json_text(r).find("\"empty\":{\"detail\"") != std::string::npos);
  }
  SUBCASE("every reason kind and badge shape") {
    using K = recommend::Reason::Kind;
    recommend::Recommendation a{&plain, 1350, {}, recommend::NextBadge{"Admin \"pro\"", "path", "p1", 2}};
    a.reasons.push_back({K::kFrontier, "three_groups", "2/3", {}, 0, false, {}});
    a.reasons.push_back({K::kFrontier, "no_progress", "", {}, 0, false, {}});
    a.reasons.push_back({K::kPath, "p1", {}, "new_admins", 3, true, {}});
    a.reasons.push_back({K::kPath, "p2", {}, "we\"ird", 1, false, {}});
    a.reasons.push_back({K::kCollection, "admin_essentials", {}, {}, 0, false, {}});
    a.reasons.push_back({K::kInProgress, {}, {}, {}, 0, false, {}});
    a.reasons.push_back({K::kFallback, "three_groups", {}, {}, 0, false, "practice"});
    a.reasons.push_back({K::kFallback, "admin_essentials", {}, {}, 0, false, "collection"});
    recommend::Recommendation b{&tricky, -7, {}, std::nullopt};
    r.items = {a, b};
    CHECK(recommend::to_json_text(r) == via_tree(r));
    r.stage = "foundational";
    r.frontier.clear();
    r.segments.clear();
    CHECK(recommend::to_json_text(r) == via_tree(r));
  }
}
