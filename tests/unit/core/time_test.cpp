#include <doctest/doctest.h>

#include "core/time.h"

using namespace uplift;

TEST_CASE("timestamps with offsets normalise to UTC") {
  auto a = parse_timestamp("2026-03-01T12:00:00Z");
  auto b = parse_timestamp("2026-03-01T14:00:00+02:00");
  auto c = parse_timestamp("2026-03-01T07:30:00-0430");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(c.ok());
  CHECK(*a == *b);
  CHECK(*a == *c);
  CHECK(format_timestamp(*b) == "2026-03-01T12:00:00Z");
  CHECK(format_timestamp(*parse_timestamp("2026-03-01T12:00:00.25Z")) == "2026-03-01T12:00:00.250Z");
}

TEST_CASE("bad timestamps are refused with a reason") {
  for (const char* s : {"2026-03-01", "2026-03-01T12:00:00", "2026-02-30T00:00:00Z", "2026-03-01T25:00:00Z",
                        "yesterday", "2026-03-01T12:00:00Zjunk", "2026-03-01T12:00:00+2"}) {
    auto r = parse_timestamp(s);
    CHECK_MESSAGE(!r.ok(), s);
    CHECK(!r.status().message().empty());
  }
}

TEST_CASE("dates and quarters") {
  CHECK(format_date(*parse_date("2024-02-29")) == "2024-02-29");
  CHECK(!parse_date("2025-02-29").ok());
  CHECK(date_of(*parse_timestamp("1969-12-31T23:59:59Z")) == -1);
  auto q = parse_quarter("2026Q3");
  REQUIRE(q.ok());
  CHECK(format_date(q->first()) == "2026-07-01");
  CHECK(format_date(q->last()) == "2026-09-30");
  CHECK(quarter_of(*parse_date("2026-12-31")).name() == "2026Q4");
  CHECK(!parse_quarter("2026Q5").ok());
}

TEST_CASE("the one wall clock reads now in ms since the epoch; the steady clock never goes back") {
  const Timestamp now = wall_clock_now();
  CHECK(now > *parse_timestamp("2025-01-01T00:00:00Z"));
  CHECK(now < *parse_timestamp("2100-01-01T00:00:00Z"));
  const std::int64_t a = steady_ms();
  const std::int64_t b = steady_ms();
  CHECK(b >= a);
}
