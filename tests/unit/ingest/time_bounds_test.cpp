// check_time: records dated in the future (past now + skew) or before the floor are refused.
#include <doctest/doctest.h>

#include "core/time.h"
#include "ingest/time_bounds.h"

using namespace uplift;
using ingest::check_time;
using ingest::TimeBounds;

namespace {
Timestamp at(const char* text) { return *parse_timestamp(text); }
}  // namespace

TEST_CASE("times within [earliest, now + skew] pass; the bounds themselves included") {
  const Timestamp now = at("2026-12-05T12:00:00Z");
  const TimeBounds b;  // 2000-01-01, one day
  Event e;
  for (const char* ok : {"2026-12-05T12:00:00Z", "2026-12-06T12:00:00Z", "2000-01-01T00:00:00Z", "2019-06-01T00:00:00Z"}) {
    e.ts = at(ok);
    CHECK_MESSAGE(!check_time(e, now, b), ok);
  }
}

TEST_CASE("each dated kind names its field and the reason") {
  const Timestamp now = at("2026-12-05T12:00:00Z");
  const TimeBounds b;
  const Timestamp future = at("9999-12-31T23:59:59Z"), ancient = at("0001-01-01T00:00:00Z");
  const Timestamp just_past = now + b.future_skew_ms + 1, just_before = b.earliest - 1;
  for (Timestamp t : {future, just_past}) {
    Event e;
    e.ts = t;
    auto v = check_time(e, now, b);
    REQUIRE(v);
    CHECK(v->field == "ts");
    CHECK(v->reason.find("in the future") != std::string::npos);
    CHECK(v->reason.find("2026-12-05T12:00:00") != std::string::npos);  // the server's clock is named
  }
  for (Timestamp t : {ancient, just_before}) {
    Completion c;
    c.ts = t;
    auto v = check_time(c, now, b);
    REQUIRE(v);
    CHECK(v->field == "ts");
    CHECK(v->reason.find("before 2000-01-01") != std::string::npos);
  }
  Attendance a;
  a.ts = future;
  CHECK(check_time(a, now, b)->field == "ts");
  ArrSnapshot s;
  s.date = date_of(future);
  CHECK(check_time(s, now, b)->field == "date");
  Learner l;
  CHECK_FALSE(check_time(l, now, b));  // no created_at: nothing to check
  l.created_at = future;
  CHECK(check_time(l, now, b)->field == "created_at");
  Account acct;
  acct.created_at = ancient;
  CHECK(check_time(acct, now, b)->field == "created_at");
}

TEST_CASE("renewal dates may lie ahead; the bounds are configurable") {
  const Timestamp now = at("2026-12-05T12:00:00Z");
  Account acct;
  acct.renewal_date = date_of(at("2029-01-31T00:00:00Z"));
  CHECK_FALSE(check_time(acct, now, TimeBounds{}));
  Renewal r;
  r.date = date_of(at("2027-06-30T00:00:00Z"));
  CHECK_FALSE(check_time(r, now, TimeBounds{}));
  Event e;
  e.ts = now + 3'600'000;  // an hour ahead
  CHECK(check_time(e, now, TimeBounds{0, 0}));  // no skew allowed
  CHECK_FALSE(check_time(e, now, TimeBounds{0, 2 * 3'600'000}));
  e.ts = at("1995-01-01T00:00:00Z");
  CHECK(check_time(e, now, TimeBounds{}));
  CHECK_FALSE(check_time(e, now, TimeBounds{at("1990-01-01T00:00:00Z"), 0}));
}
