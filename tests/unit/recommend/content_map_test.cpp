#include <doctest/doctest.h>

#include "milestones/loader.h"
#include "recommend/content_map.h"
#include "segments/loader.h"
#include "unit/segments/scenario_support.h"

using namespace uplift;
using nlohmann::json;

namespace {
std::string error_of(const char* doc, const recommend::ContentRefs& refs = {}) {
  auto r = recommend::build_content_map({{"content_maps/bad.json", json::parse(doc)}}, refs);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  return r.status().message();
}
}  // namespace

TEST_CASE("the shipped content map is consistent with the shipped segments and milestone graph") {
  auto segs = segments::load_segments(scenario::source_dir() + "/segments");
  REQUIRE_MESSAGE(segs.ok(), segs.status().message());
  recommend::ContentRefs refs;
  for (const auto& s : segs->segments) refs.segments.push_back(s.id);
  auto graph = milestones::load_graph_or_error(scenario::source_dir() + "/milestones");
  if (graph.ok()) {
    for (const auto& m : graph->milestones) refs.milestones.push_back(m.id);
  } else {
    MESSAGE("milestone graph not loadable yet: " << graph.status().message());
  }
  auto cm = recommend::load_content_map(scenario::source_dir() + "/content_maps", refs);
  REQUIRE_MESSAGE(cm.ok(), cm.status().message());
  // Every milestone of the default graph is taught by something.
  for (const char* m : {"workflow_published", "three_groups", "ten_users", "foundational", "integrations_connected",
                        "contracts_completed", "contracts_imported", "data_manager_used", "advanced", "ai_review_used",
                        "mature"}) {
    CHECK_MESSAGE(!cm->items_teaching(m).empty(), m);
  }
  // Every segment leads somewhere.
  for (const auto& s : segs->segments) CHECK_MESSAGE(!cm->paths_for_segment(s.id).empty(), s.id);
}

TEST_CASE("every dangling reference is named") {
  std::string msg = error_of(R"({
    "items": [{"id": "a", "teaches": ["moonwalk"], "prerequisites": ["ghost"]},
              {"id": "b", "teaches": ["three_groups"]}],
    "paths": [{"id": "p", "items": ["a", "nowhere"]}],
    "collections": [{"id": "c", "roles": ["admin"], "items": ["missing"]}],
    "segment_paths": {"new_admins": ["p", "no_path"], "martians": ["p"]}})",
                             {{"three_groups"}, {"new_admins"}});
  for (const char* want : {
           "content_maps/bad.json: item 'a': teaches 'moonwalk', which is not a milestone of the graph",
           "content_maps/bad.json: item 'a': prerequisite 'ghost' is not a catalog item",
           "content_maps/bad.json: path 'p': item 'nowhere' is not a catalog item",
           "content_maps/bad.json: collection 'c': item 'missing' is not a catalog item",
           "content_maps/bad.json: segment_paths 'new_admins': path 'no_path' is not defined",
           "content_maps/bad.json: segment_paths 'martians': unknown segment",
       }) {
    CHECK_MESSAGE(msg.find(want) != std::string::npos, "missing: " << want << "\nin: " << msg);
  }
  CHECK(msg.find("item 'b'") == std::string::npos);
}

TEST_CASE("bad values, unknown fields, duplicates and cycles are refused") {
  struct Case {
    const char* doc;
    const char* expected;
  };
  const Case cases[] = {
      {R"({"items": [{"id": "a", "type": "podcast"}]})", "item 'a': type: unknown item type \"podcast\""},
      {R"({"items": [{"id": "a", "minutes": -5}]})", "item 'a': minutes: expected a whole number of minutes >= 0"},
      {R"({"items": [{"id": "a", "audiences": ["aliens"]}]})", "item 'a': audiences: unknown audience 'aliens'"},
      {R"({"items": [{"id": "a", "audiences": []}]})", "item 'a': audiences: an empty list would hide the item"},
      {R"({"items": [{"id": "a", "colour": "red"}]})", "item 'a': unknown field 'colour'"},
      {R"({"items": [{"id": "a"}, {"id": "a"}]})", "item 'a': duplicate item id"},
      {R"({"items": [{"title": "x"}]})", "items[0]: required field 'id' is missing"},
      {R"({"items": [{"id": "a", "prerequisites": ["a"]}]})", "item 'a': lists itself as a prerequisite"},
      {R"({"items": [{"id": "a", "prerequisites": ["b"]}, {"id": "b", "prerequisites": ["a"]}]})",
       "prerequisite cycle through"},
      {R"({"items": [{"id": "a"}], "paths": [{"id": "p", "items": ["a", "a"]}]})", "path 'p': item 'a' appears twice"},
      {R"({"items": [{"id": "a"}], "paths": [{"id": "p", "items": ["a"]}, {"id": "p", "items": ["a"]}]})",
       "path 'p': duplicate path id"},
      {R"({"items": [{"id": "a"}], "paths": [{"id": "p"}]})", "path 'p': required field 'items' is missing"},
      {R"({"itemz": []})", "content_maps/bad.json: unknown top-level field 'itemz'"},
      {R"({"segment_paths": ["x"]})", "segment_paths: expected an object"},
  };
  for (const auto& c : cases) {
    INFO(c.doc);
    std::string msg = error_of(c.doc);
    CHECK_MESSAGE(msg.find(c.expected) != std::string::npos, msg);
  }
}

TEST_CASE("programs belong to the cohorts module and are ignored here; audiences default to customer") {
  auto cm = recommend::build_content_map(
      {{"x.json", json::parse(R"({"items": [{"id": "a"}, {"id": "b", "audiences": ["trial", "partner"]}],
                                   "programs": [{"anything": true}]})")}},
      {});
  REQUIRE_MESSAGE(cm.ok(), cm.status().message());
  const auto& a = cm->items()[cm->item_index("a")];
  const auto& b = cm->items()[cm->item_index("b")];
  CHECK(a.audience_mask == recommend::audience_bit(Audience::kCustomer));
  CHECK(b.audience_mask == (recommend::audience_bit(Audience::kTrial) | recommend::audience_bit(Audience::kPartner)));
}

TEST_CASE("items merge across files; a duplicate across files names both") {
  auto r = recommend::build_content_map({{"one.json", json::parse(R"({"items": [{"id": "a"}]})")},
                                         {"two.json", json::parse(R"({"items": [{"id": "a"}]})")}},
                                        {});
  REQUIRE(!r.ok());
  CHECK(r.status().message().find("two.json: item 'a': duplicate item id (first defined in one.json)") !=
        std::string::npos);
}
