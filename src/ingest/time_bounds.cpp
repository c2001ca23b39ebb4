#include "ingest/time_bounds.h"

#include <fmt/format.h>

namespace uplift::ingest {

std::optional<TimeViolation> check_time(const Record& r, Timestamp now, const TimeBounds& bounds) {
  const Timestamp latest = now + bounds.future_skew_ms;
  auto check = [&](const char* field, Timestamp t) -> std::optional<TimeViolation> {
    if (t > latest)
      return TimeViolation{field, fmt::format("{} is in the future (more than {} h past this server's clock, {}): "
                                              "send records as they happen",
                                              format_timestamp(t), bounds.future_skew_ms / 3'600'000,
                                              format_timestamp(now))};
    if (t < bounds.earliest)
      return TimeViolation{field, fmt::format("{} is before {}, the earliest date this server accepts",
                                              format_timestamp(t), format_timestamp(bounds.earliest))};
    return std::nullopt;
  };
  auto day = [](Date d) { return start_of(d); };
  return std::visit(
      [&](const auto& x) -> std::optional<TimeViolation> {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Event> || std::is_same_v<T, Completion> || std::is_same_v<T, Attendance>) {
          return check("ts", x.ts);
        } else if constexpr (std::is_same_v<T, ArrSnapshot>) {
          return check("date", day(x.date));
        } else if constexpr (std::is_same_v<T, Account> || std::is_same_v<T, Learner>) {
          if (x.created_at) return check("created_at", *x.created_at);
          return std::nullopt;
        } else {
          return std::nullopt;  // renewals
        }
      },
      r);
}

}  // namespace uplift::ingest
