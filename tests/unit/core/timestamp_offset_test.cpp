// A timestamp that is complete except for its UTC offset must say so (not "not RFC 3339"):
// "2026-03-01T12:00:00" is the most common mistake in imported files.
#include <doctest/doctest.h>

#include "core/time.h"

using namespace uplift;

TEST_CASE("a timestamp without an offset is refused with a reason that says what to add") {
  auto t = parse_timestamp("2026-03-01T12:00:00");
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message() == "timestamp has no UTC offset (add Z or +hh:mm): \"2026-03-01T12:00:00\"");
  auto frac = parse_timestamp("2026-03-01T12:00:00.5");
  REQUIRE_FALSE(frac.ok());
  CHECK(frac.status().message() == "timestamp has no UTC offset (add Z or +hh:mm): \"2026-03-01T12:00:00.5\"");
  auto shorter = parse_timestamp("2026-03-01T12:00:0");
  REQUIRE_FALSE(shorter.ok());
  CHECK(shorter.status().message().rfind("not an RFC 3339 timestamp", 0) == 0);
}
