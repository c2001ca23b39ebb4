// Config JSON (segments, content maps) never throws on numbers out of range: a clear error instead.
#include <doctest/doctest.h>

#include "segments/json_source.h"

TEST_CASE("a number no double can hold is an InvalidArgument naming the file") {
  auto r = uplift::config::parse_json_text(R"({"segments": [{"id": "x", "rule": {"tenure_days": {"gt": 1e999}}}]})",
                                           "segments/big.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("segments/big.json") == 0);
  CHECK(r.status().message().find("invalid JSON") != std::string::npos);
}
