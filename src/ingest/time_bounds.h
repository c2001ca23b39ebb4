// Time sanity for incoming records: a record dated beyond now + a skew, or before a floor, is
// refused with its field and reason instead of stored. One event dated 9999-12-31 used to move
// the served "as of" (the latest fact) for every account: segments over recent days emptied,
// renewal risk and active users changed for accounts the record never named. With these bounds
// the served as-of can never pass the wall clock + skew.
//
// Checked: event, completion and attendance times, ARR snapshot dates and the accounts' and
// learners' created_at. Not checked: renewal dates (an account's renewal_date and renewal
// records may rightly lie ahead). Pure: the caller passes the clock.
#pragma once

#include <optional>
#include <string>

#include "core/records.h"
#include "core/time.h"

namespace uplift::ingest {

struct TimeBounds {
  Timestamp earliest = 946684800000;             // 2000-01-01T00:00:00Z
  Timestamp future_skew_ms = 24LL * 3600 * 1000;  // one day past now
};

struct TimeViolation {
  std::string field, reason;
};

// The first of `r`'s times outside [bounds.earliest, now + bounds.future_skew_ms], if any.
std::optional<TimeViolation> check_time(const Record& r, Timestamp now, const TimeBounds& bounds);

}  // namespace uplift::ingest
