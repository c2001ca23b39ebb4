// SegmentSizes: how many learners each segment of a set holds (GET /v1/segments), kept as
// per-account counts that the writer updates for what changed, instead of evaluating every
// learner on each request (issue 24: a million learners).
//
// A learner's segments depend on its record, its account's record and evaluated state, and the
// as-of (tenure conditions). So an account's counts change only when
//  * its record or one of its learners' records changed, or its state changed what a rule reads
//    of it (segments::same_rule_inputs: the stage, achievements, flag kinds) — the writer names
//    those accounts to recount(); or
//  * the as-of passes an instant at which a tenure condition of one of its learners (or its own
//    account tenure) can flip: created_at + k days for the few day counts k where a condition's
//    truth changes (`tenure_days` gt 90 flips at 91). Each account is queued under its earliest
//    such instant after the as-of, and advance() recounts the accounts whose instant has come.
// An as-of that moves back recounts every account.
//
// Promise: after recount()s of every changed account and advance(), sizes() equals
// count_members() over the same records, states and as-of (tests/unit/segments/sizes_test.cpp).
// Not thread-safe: one writer owns it; readers get sizes() copies.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/dataset.h"
#include "segments/segment.h"

namespace uplift::segments {

// Every segment's learner count, evaluating every learner (the reference, and the first count).
std::vector<long> count_members(const SegmentSet& set, const Dataset& data, const StateLookup& states, Timestamp as_of);

class SegmentSizes {
 public:
  SegmentSizes() = default;
  // Counts every learner from scratch under `set` (kept by value) at `as_of`.
  void rebuild(const SegmentSet& set, const Dataset& data, const StateLookup& states, Timestamp as_of);
  // Counts the account's learners again (at the current as-of).
  void recount(const Dataset& data, const StateLookup& states, const std::string& account);
  // Moves the as-of: recounts the accounts whose tenure conditions may flip by then.
  void advance(const Dataset& data, const StateLookup& states, Timestamp as_of);
  const std::vector<long>& sizes() const { return sizes_; }
  Timestamp as_of() const { return as_of_; }

 private:
  struct AccountCounts {
    std::vector<std::uint32_t> members;  // per segment
    Timestamp due = 0;                   // next instant a tenure condition may flip; 0 none
  };
  Timestamp next_flip(const Dataset& data, const std::string& account) const;
  void add(const AccountCounts& c, long sign);

  SegmentSet set_;
  std::vector<std::int64_t> learner_days_, account_days_;  // day counts at which conditions flip
  Timestamp as_of_ = 0;
  std::vector<long> sizes_;
  std::unordered_map<std::string, AccountCounts> accounts_;
  std::set<std::pair<Timestamp, std::string>> due_;
  std::vector<std::uint32_t> scratch_;
};

}  // namespace uplift::segments
