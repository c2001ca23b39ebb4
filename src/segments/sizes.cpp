#include "segments/sizes.h"

#include <algorithm>
#include <cmath>

namespace uplift::segments {
namespace {

// The day counts d at which a tenure condition on `number` can change truth as d grows by one:
// gt/lte N flip at floor(N) + 1, gte/lt N at ceil(N), eq N at N and N + 1.
void flip_days(const Rule& rule, std::vector<std::int64_t>& learner_days, std::vector<std::int64_t>& account_days) {
  if (rule.kind != Rule::Kind::kLeaf) {
    for (const Rule& child : rule.children) flip_days(child, learner_days, account_days);
    return;
  }
  const Condition& c = rule.condition;
  if (c.field != Field::kTenureDays && c.field != Field::kAccountTenureDays) return;
  if (!std::isfinite(c.number)) return;
  constexpr double kFarDays = 1e7;  // beyond any instant a Timestamp reaches
  const double n = std::clamp(c.number, -kFarDays, kFarDays);
  auto& days = c.field == Field::kTenureDays ? learner_days : account_days;
  days.push_back(static_cast<std::int64_t>(std::floor(n)) + 1);
  days.push_back(static_cast<std::int64_t>(std::ceil(n)));
}

void sort_unique(std::vector<std::int64_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The first instant after `as_of` at which created_at + k days is reached, for k in `days`.
Timestamp first_after(Timestamp created, const std::vector<std::int64_t>& days, Timestamp as_of) {
  for (std::int64_t k : days) {
    const Timestamp at = created + k * kMsPerDay;
    if (at > as_of) return at;
  }
  return 0;
}

}  // namespace

std::vector<long> count_members(const SegmentSet& set, const Dataset& data, const StateLookup& states, Timestamp as_of) {
  std::vector<long> counts(set.segments.size(), 0);
  std::vector<std::uint32_t> member;
  for (LearnerRef learner : data.learners()) {
    member_of(set, facts_for(data, learner, states ? states(learner.account()) : nullptr, as_of), member);
    for (auto i : member) ++counts[i];
  }
  return counts;
}

void SegmentSizes::rebuild(const SegmentSet& set, const Dataset& data, const StateLookup& states, Timestamp as_of) {
  set_ = set;
  learner_days_.clear();
  account_days_.clear();
  for (const Segment& s : set_.segments) flip_days(s.rule, learner_days_, account_days_);
  sort_unique(learner_days_);
  sort_unique(account_days_);
  as_of_ = as_of;
  sizes_.assign(set_.segments.size(), 0);
  accounts_.clear();
  due_.clear();
  for (const std::string& account : data.learner_accounts()) recount(data, states, account);
}

void SegmentSizes::add(const AccountCounts& c, long sign) {
  for (std::size_t i = 0; i < c.members.size(); ++i) sizes_[i] += sign * static_cast<long>(c.members[i]);
}

Timestamp SegmentSizes::next_flip(const Dataset& data, const std::string& account) const {
  Timestamp due = 0;
  auto earliest = [&](Timestamp at) {
    if (at != 0 && (due == 0 || at < due)) due = at;
  };
  if (!learner_days_.empty())
    for (LearnerRef l : data.learners_of(account))
      if (l->created_at()) earliest(first_after(*l->created_at(), learner_days_, as_of_));
  if (!account_days_.empty())
    if (const Account* a = data.account(account); a && a->created_at)
      earliest(first_after(*a->created_at, account_days_, as_of_));
  return due;
}

void SegmentSizes::recount(const Dataset& data, const StateLookup& states, const std::string& account) {
  auto it = accounts_.find(account);
  if (it != accounts_.end()) {
    add(it->second, -1);
    if (it->second.due) due_.erase({it->second.due, account});
  }
  const auto& learners = data.learners_of(account);
  if (learners.empty()) {
    if (it != accounts_.end()) accounts_.erase(it);
    return;
  }
  if (it == accounts_.end()) it = accounts_.try_emplace(account).first;
  AccountCounts& c = it->second;
  c.members.assign(set_.segments.size(), 0);
  const milestones::AccountState* state = states ? states(account) : nullptr;
  for (LearnerRef l : learners) {
    member_of(set_, facts_for(data, *l, state, as_of_), scratch_);
    for (auto i : scratch_) ++c.members[i];
  }
  add(c, +1);
  c.due = next_flip(data, account);
  if (c.due) due_.emplace(c.due, account);
}

void SegmentSizes::advance(const Dataset& data, const StateLookup& states, Timestamp as_of) {
  if (as_of == as_of_) return;
  if (as_of < as_of_) {
    rebuild(SegmentSet(set_), data, states, as_of);
    return;
  }
  as_of_ = as_of;
  while (!due_.empty() && due_.begin()->first <= as_of_) {
    const std::string account = due_.begin()->second;
    recount(data, states, account);  // takes it off the queue, and queues its next instant
  }
}

}  // namespace uplift::segments
