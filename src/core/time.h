// Time in uplift: instants are milliseconds since the Unix epoch in UTC, calendar dates are days
// since 1970-01-01. Parsing accepts RFC 3339 / ISO 8601 timestamps with any offset and
// normalises them to UTC; formatting always writes UTC with a trailing "Z". Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace uplift {

using Timestamp = std::int64_t;  // ms since 1970-01-01T00:00:00Z
using Date = std::int32_t;       // days since 1970-01-01

inline constexpr Timestamp kMsPerDay = 86'400'000;

// The one wall clock, in ms since the epoch: every "now" in uplift is read here (tests and the
// seconds a webhook signature carries divide it). Only the edges read it (stamping documents,
// keys, log lines, when a webhook arrived); the core works at explicit as-of instants and never does.
Timestamp wall_clock_now();
// A monotonic clock in ms from an arbitrary origin: for ages and deadlines within one process
// (how long ago the database answered, when to retry), never for instants.
std::int64_t steady_ms();

// "2026-03-01T12:00:00Z", "2026-03-01T14:00:00.250+02:00", "2026-03-01 12:00:00Z".
// A timestamp without an offset is refused: its instant would be a guess.
Result<Timestamp> parse_timestamp(std::string_view text);
// "2026-03-01T12:00:00Z", or with ".250" when the milliseconds are not zero.
std::string format_timestamp(Timestamp ts);
// format_timestamp(ts) appended to `out` (no string of its own: the hot paths' JSON).
void append_timestamp(std::string& out, Timestamp ts);

// "YYYY-MM-DD", checked against the calendar (2026-02-30 is refused).
Result<Date> parse_date(std::string_view text);
std::string format_date(Date date);

// The UTC calendar date of an instant, and the instant a date starts.
Date date_of(Timestamp ts);
Timestamp start_of(Date date);

// Days from a civil date, and back; exposed for quarter arithmetic.
Date days_from_civil(int year, unsigned month, unsigned day);
void civil_from_days(Date days, int& year, unsigned& month, unsigned& day);

// A calendar quarter such as 2026Q3: [first, last] inclusive dates.
struct Quarter {
  int year = 0;
  int q = 0;  // 1..4
  Date first() const;
  Date last() const;
  std::string name() const;  // "2026Q3"
  bool operator==(const Quarter&) const = default;
};
Result<Quarter> parse_quarter(std::string_view text);
Quarter quarter_of(Date date);

}  // namespace uplift
