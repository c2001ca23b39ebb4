// JSON request bodies: every malformed body is an InvalidArgument (→ 400), never an exception.
#include <doctest/doctest.h>

#include "http/json_body.h"

using namespace uplift;

TEST_CASE("a number that overflows a double is a malformed body, not an exception (→ 400, not 500)") {
  for (const char* body : {R"({"event": "e", "qty": 1e999})", "[-1e400]", "1E+99999"}) {
    CAPTURE(body);
    auto r = http::parse_json(body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message().find("malformed JSON") != std::string::npos);
  }
  CHECK(http::parse_json(R"({"qty": 1e300})").ok());
}
