// Runs every tests/scenarios/segments/*.json: records + account states + a segment catalog in,
// each learner's segments and the conditions that matched out. Format: tests/scenarios/segments/README.md.
#include <doctest/doctest.h>

#include "segments/loader.h"
#include "segments/segment.h"
#include "unit/segments/scenario_support.h"

using namespace uplift;
using nlohmann::json;

namespace {

segments::SegmentSet catalog(const json& spec) {
  if (spec.is_string()) {
    auto set = segments::load_segments(scenario::source_dir() + "/segments/" + spec.get<std::string>() + ".json");
    REQUIRE_MESSAGE(set.ok(), set.status().message());
    return std::move(*set);
  }
  segments::SegmentSet set;
  auto st = segments::parse_segments(spec, "inline", {}, set);
  REQUIRE_MESSAGE(st.ok(), st.message());
  return set;
}

void run(const std::filesystem::path& file) {
  json sc = scenario::read_json(file);
  auto data = scenario::dataset(sc.value("records", json::array()));
  auto states = scenario::states(sc);
  auto set = catalog(sc.at("segments"));
  Timestamp as_of = scenario::timestamp(sc.at("as_of"));
  segments::StateLookup lookup = [&](std::string_view a) -> const milestones::AccountState* {
    auto it = states.find(a);
    return it == states.end() ? nullptr : &it->second;
  };
  for (const auto& c : sc.value("cases", json::array())) {
    std::string id = c.at("learner");
    INFO("learner " << id);
    LearnerRef l = data.learner(id);
    REQUIRE(l);
    auto facts = segments::facts_for(data, *l, lookup(l->account()), as_of);
    auto matches = segments::explain(set, facts);
    std::vector<std::string> got;
    for (const auto& m : matches) got.push_back(m.segment);
    CHECK(json(got) == c.at("segments"));
    std::vector<std::uint32_t> idx;
    segments::member_of(set, facts, idx);
    CHECK(idx.size() == got.size());
    if (c.contains("matched")) {
      for (const auto& [seg_, expected] : c["matched"].items()) {
        const std::string seg = seg_;  // a named variable: lambdas and doctest messages capture it
        auto it = std::find_if(matches.begin(), matches.end(), [&](const auto& m) { return m.segment == seg; });
        REQUIRE_MESSAGE(it != matches.end(), "segment " << seg << " did not match");
        CHECK(segments::to_json(*it)["matched"] == expected);
      }
    }
  }
  for (const auto& m : sc.value("members", json::array())) {
    auto r = segments::members(set, m.at("segment").get<std::string>(), data, lookup, as_of, m.value("offset", 0),
                               m.value("limit", 100));
    if (m.contains("error")) {
      REQUIRE(!r.ok());
      CHECK(std::string(code_name(r.status().code())) == m["error"].get<std::string>());
      continue;
    }
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->total == m.at("total").get<std::size_t>());
    CHECK(json(r->learners) == m.at("learners"));
  }
}

}  // namespace

TEST_CASE("segment scenarios") {
  auto files = scenario::files_in("tests/scenarios/segments");
  REQUIRE(files.size() >= 6);
  for (const auto& f : files) {
    SUBCASE(f.filename().string().c_str()) { run(f); }
  }
}
