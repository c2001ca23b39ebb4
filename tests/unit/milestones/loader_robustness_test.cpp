// The milestone loader never throws: inputs found by fuzz_milestones (tests/fuzz/regressions/).
#include <doctest/doctest.h>

#include "milestones/loader.h"

using namespace uplift::milestones;

TEST_CASE("a number no double can hold is reported as invalid JSON naming the file") {
  auto load = parse_graph_text(R"({"id": "g", "stages": ["a"], "milestones": [{"id": "m", "count": 1e999}]})",
                               "milestones/big.json");
  CHECK_FALSE(load.graph.has_value());
  REQUIRE(load.problems.size() == 1);
  CHECK(load.problems[0].find("milestones/big.json") == 0);
  CHECK(load.problems[0].find("not valid JSON") != std::string::npos);
}
